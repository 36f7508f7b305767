// Decision tables: dmn-js modeler in Chinese (zh-cn-dmn.js), 校验 (cells compile as the engine reads
// them), 保存草稿, and 部署 after a confirmation that lists what changes against the running version.
(function () {
  var data = JSON.parse(document.getElementById('dmn-data').textContent);
  var T = data.texts;
  var box = document.getElementById('dmn');
  var statusBox = document.getElementById('dmn-status');
  var list = document.getElementById('dmn-problems');
  if (!window.LcBpmn) { box.textContent = '建模组件未安装：请运行 make setup。'; return; }
  var modeler = window.LcBpmn.createDmnModeler(box);
  window.lcDmn = modeler;

  function fmt(text, values) { return text.replace(/{(\w+)}/g, function (_, k) { return values[k] === undefined ? '' : values[k]; }); }
  function status(text, cls) { statusBox.className = cls || ''; statusBox.textContent = text; }
  function fileName() { return document.getElementById('dmn-name').value || 'decision.dmn'; }
  function xml() { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': data.csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }
  function show(problems) {
    list.innerHTML = '';
    (problems || []).forEach(function (p) {
      var li = document.createElement('li');
      li.setAttribute('data-element', p.element_id || '');
      var where = document.createElement('code');
      where.textContent = (p.element_id ? T.element + ' ' + p.element_id : T.whole) + (p.line ? '，' + fmt(T.line, { n: p.line }) : '');
      li.appendChild(where);
      li.appendChild(document.createTextNode(' ' + p.message));
      list.appendChild(li);
    });
  }
  function open(text) {
    return modeler.importXML(text).then(function () {
      var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
      return table ? modeler.open(table) : null;
    }).then(function () { box.setAttribute('data-ready', '1'); })
      .catch(function (err) { status(T.unreadable + (err && err.message || err), 'error'); });
  }
  function validate() {
    status(T.checking);
    return xml().then(function (x) { return post(data.urls.validate, { xml: x, file_name: fileName() }); })
      .then(function (res) {
        show(res.errors);
        status(res.ok ? T.ok : fmt(T.problems, { n: (res.errors || []).length }), res.ok ? 'ok-box' : 'error');
        return res;
      });
  }

  if (data.xml) { open(data.xml); } else { status(T.empty); }
  document.getElementById('dmn-open').addEventListener('change', function (ev) {
    var f = ev.target.files[0];
    if (!f) { return; }
    var reader = new FileReader();
    reader.onload = function () { document.getElementById('dmn-name').value = f.name; open(String(reader.result)); };
    reader.readAsText(f);
  });
  document.getElementById('dmn-validate').addEventListener('click', validate);
  document.getElementById('dmn-save').addEventListener('click', function () {
    xml().then(function (x) { return post(data.urls.save, { xml: x, file_name: fileName() }); }).then(function (res) {
      if (res._status >= 400) { status(T.save_failed + (res.error || ''), 'error'); show(res.errors); return; }
      var at = new Date(res.updated_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
      status(fmt(T.saved, { at: at }), 'ok-box');
    });
  });
  document.getElementById('dmn-deploy').addEventListener('click', function () {
    var body;
    xml().then(function (x) {
      body = { xml: x, file_name: fileName() };
      return validate();
    }).then(function (res) {
      if (!res.ok) { return false; }
      return window.lcConfirmDeploy(data.urls.diff, data.csrf, body);
    }).then(function (ok) {
      if (!ok) { if (ok === false && !list.children.length) { status(T.cancelled); } return null; }
      status(T.deploying);
      return post(data.urls.deploy, body);
    }).then(function (res) {
      if (!res) { return; }
      if (!res.deployed) { show(res.errors || [{ message: res.error }]); status(T.refused, 'error'); return; }
      status(fmt(T.deployed, { list: res.results.map(function (x) { return x.key + ' ' + fmt(T.version, { v: x.version }); }).join('，') }), 'ok-box');
      var tag = document.querySelector('[data-testid=version]');
      if (tag) { tag.textContent = fmt(T.version, { v: res.version }); }
    }).catch(function (err) { status(String(err && err.message || err), 'error'); });
  });
})();
