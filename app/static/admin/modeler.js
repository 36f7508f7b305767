// Web modeler: bpmn-js Modeler + Camunda 7 properties panel (zh-CN), save draft, validate (every
// problem with element id and line; click selects the element), deploy. No CDN: app/static/dist/bpmn.js.
(function () {
  var data = JSON.parse(document.getElementById('modeler-data').textContent);
  var canvasBox = document.getElementById('canvas');
  var statusBox = document.getElementById('status');
  var list = document.getElementById('problems');
  if (!window.LcBpmn) {
    canvasBox.textContent = '建模组件未安装：请运行 make setup（npm install 与打包）。';
    return;
  }
  var modeler = window.LcBpmn.createModeler(canvasBox, document.getElementById('panel'));
  window.lcModeler = modeler;
  var marked = [];

  function status(text, cls) {
    statusBox.className = cls || '';
    statusBox.textContent = text;
  }
  function fileName() { return document.getElementById('file-name').value || (data.key + '.bpmn'); }

  function select(id) {
    var registry = modeler.get('elementRegistry');
    var el = registry.get(id);
    if (!el) { return false; }
    modeler.get('selection').select(el);
    try { modeler.get('canvas').scrollToElement(el); } catch (e) { /* older bpmn-js */ }
    return true;
  }
  window.lcSelect = select;

  function clearMarks() {
    var canvas = modeler.get('canvas');
    marked.forEach(function (id) { try { canvas.removeMarker(id, 'val-error'); } catch (e) { /* gone */ } });
    marked = [];
  }

  function show(result) {
    clearMarks();
    list.innerHTML = '';
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    (result.errors || []).concat((result.warnings || []).map(function (w) { w.warning = true; return w; }))
      .forEach(function (p) {
        var li = document.createElement('li');
        if (p.warning) { li.className = 'warning'; }
        li.setAttribute('data-element', p.element_id || '');
        var where = (p.element_id ? '元素 ' + p.element_id : '整个文件') + (p.line ? '，第 ' + p.line + ' 行' : '');
        li.innerHTML = '<code></code> <span></span>';
        li.firstChild.textContent = where;
        li.lastChild.textContent = (p.warning ? '（已自动修正）' : '') + p.message + (p.fix ? '  建议：' + p.fix : '');
        li.addEventListener('click', function () { if (p.element_id) { select(p.element_id); } });
        list.appendChild(li);
        if (!p.warning && p.element_id && registry.get(p.element_id)) {
          canvas.addMarker(p.element_id, 'val-error');
          marked.push(p.element_id);
        }
      });
    if (result.warnings && result.warnings.length && result.normalised && result.ok) {
      var fix = document.createElement('li');
      fix.className = 'warning';
      fix.textContent = '点击此处把自动修正写入图中';
      fix.setAttribute('data-testid', 'apply-fixes');
      fix.addEventListener('click', function () { modeler.importXML(result.normalised).then(function () { validate(); }); });
      list.appendChild(fix);
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': data.csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }

  // the whole diagram in view, to the right of the palette (which would otherwise cover its start)
  function fitBesidePalette() {
    var palette = canvasBox.querySelector('.djs-palette');
    var left = palette ? palette.getBoundingClientRect().right - canvasBox.getBoundingClientRect().left : 0;
    return window.LcBpmn.fit(modeler.get('canvas'), { left: Math.max(0, left) });
  }
  window.lcFit = fitBesidePalette;

  function xml() { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }

  function validate() {
    status('校验中…');
    return xml().then(function (x) { return post(data.urls.validate, { xml: x, file_name: fileName() }); })
      .then(function (res) {
        show(res);
        status(res.ok ? '校验通过' + (res.warnings.length ? '（' + res.warnings.length + ' 处自动修正）' : '')
          : '发现 ' + res.errors.length + ' 个问题', res.ok ? 'ok-box' : 'error');
        return res;
      });
  }

  document.getElementById('btn-validate').addEventListener('click', validate);
  document.getElementById('btn-save').addEventListener('click', function () {
    xml().then(function (x) {
      return post(data.urls.save, { xml: x, key: data.key, file_name: fileName(), base_version: data.base_version });
    }).then(function (res) {
      if (res._status >= 400) { status('保存失败：' + (res.error || ''), 'error'); return; }
      status('草稿已保存（' + new Date(res.updated_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) + '）', 'ok-box');
    });
  });
  function fmt(text, values) {
    return text.replace(/{(\w+)}/g, function (_, k) { return values[k] === undefined ? '' : values[k]; });
  }
  document.getElementById('btn-deploy').addEventListener('click', function () {
    var body;
    xml().then(function (x) {
      body = { xml: x, key: data.key, file_name: fileName() };
      return window.lcConfirmDeploy(data.urls.diff, data.csrf, body);
    }).then(function (ok) {
      if (!ok) { status(data.texts.cancelled); return null; }
      status(data.texts.deploying);
      return post(data.urls.deploy, body);
    }).then(function (res) {
      if (!res) { return; }
      if (!res.deployed) {
        show(res.errors ? res : { errors: [{ message: res.error || '部署失败', element_id: null }] });
        status(data.texts.refused, 'error');
        return;
      }
      list.innerHTML = '';
      clearMarks();
      status(res.created ? fmt(data.texts.deployed, { key: res.key, v: res.version })
        : fmt(data.texts.unchanged, { v: res.version }), 'ok-box');
      data.base_version = res.version;
      document.querySelector('[data-testid=version]').textContent = fmt(data.texts.version, { v: res.version });
      if (res.modeler && window.history && window.history.replaceState) { window.history.replaceState(null, '', res.modeler); }
    }).catch(function (err) { status(String(err && err.message || err), 'error'); });
  });
  document.getElementById('btn-download').addEventListener('click', function () {
    xml().then(function (x) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([x], { type: 'application/xml' }));
      a.download = fileName();
      a.click();
    });
  });
  document.getElementById('file-open').addEventListener('change', function (ev) {
    var f = ev.target.files[0];
    if (!f) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      document.getElementById('file-name').value = f.name;
      modeler.importXML(String(reader.result)).then(function () {
        fitBesidePalette();
        validate();
      }).catch(function (err) { status('无法打开：' + err.message, 'error'); });
    };
    reader.readAsText(f);
  });

  modeler.importXML(data.xml).then(function () {
    fitBesidePalette();
    canvasBox.setAttribute('data-ready', '1');
    if (location.hash.length > 1) { select(decodeURIComponent(location.hash.slice(1))); }
  }).catch(function (err) {
    canvasBox.setAttribute('data-error', String(err.message || err));
    status('图无法打开：' + (err.message || err), 'error');
  });
})();
