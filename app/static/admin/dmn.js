// Decision tables: dmn-js modeler (zh-CN where translated), deploy through the same deploy service.
(function () {
  var data = JSON.parse(document.getElementById('dmn-data').textContent);
  var box = document.getElementById('dmn');
  var statusBox = document.getElementById('dmn-status');
  if (!window.LcBpmn) { box.textContent = '建模组件未安装：请运行 make setup。'; return; }
  var modeler = window.LcBpmn.createDmnModeler(box);
  window.lcDmn = modeler;
  function open(xml) {
    return modeler.importXML(xml).then(function () {
      var views = modeler.getViews();
      var table = views.filter(function (v) { return v.type === 'decisionTable'; })[0];
      if (table) { return modeler.open(table); }
    }).catch(function (err) { statusBox.textContent = '无法打开：' + err.message; });
  }
  if (data.xml) { open(data.xml); } else { statusBox.textContent = '尚未部署决策表，可打开本地 .dmn 文件。'; }
  document.getElementById('dmn-open').addEventListener('change', function (ev) {
    var f = ev.target.files[0];
    if (!f) { return; }
    var reader = new FileReader();
    reader.onload = function () { document.getElementById('dmn-name').value = f.name; open(String(reader.result)); };
    reader.readAsText(f);
  });
  document.getElementById('dmn-deploy').addEventListener('click', function () {
    modeler.saveXML({ format: true }).then(function (r) {
      return fetch(data.deploy, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': data.csrf },
        body: JSON.stringify({ xml: r.xml, file_name: document.getElementById('dmn-name').value })
      });
    }).then(function (r) { return r.json(); }).then(function (res) {
      statusBox.textContent = res.deployed
        ? '已部署：' + res.results.map(function (x) { return x.key + ' v' + x.version; }).join('，')
        : '未部署：' + (res.error || '') + ' ' + (res.errors || []).map(function (e) { return (e.element_id || '') + ' ' + e.message; }).join('；');
    });
  });
})();
