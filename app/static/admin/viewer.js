// Instance / definition diagram: bpmn-js NavigatedViewer with completed, active, waiting and failed
// elements coloured and the sequence flows taken marked. Data: <script id="diagram-data">.
// The canvas takes the diagram's shape (a wide diagram gets a low canvas, so it is drawn as large as
// the page width allows), the whole diagram fits, and ＋/－/适应窗口 zoom it.
(function () {
  var box = document.getElementById('diagram');
  var dataNode = document.getElementById('diagram-data');
  if (!box || !dataNode) { return; }
  if (!window.LcBpmn) {
    box.textContent = '图形组件未安装：请运行 make setup（npm install 与打包）。';
    box.setAttribute('data-error', 'bundle missing');
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var viewer = new window.LcBpmn.Viewer({ container: box });
  window.lcViewer = viewer;

  function shape(canvas) {
    var inner = canvas.viewbox().inner;
    if (!inner.width || !inner.height) { return; }
    var width = box.clientWidth - 32;
    var wanted = Math.round(width * inner.height / inner.width) + 32;
    var most = Math.round(window.innerHeight * 0.75);
    box.style.height = Math.max(240, Math.min(wanted, most, Math.round(inner.height) + 32)) + 'px';
  }

  viewer.importXML(data.xml).then(function (result) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    shape(canvas);
    var scale = window.LcBpmn.fit(canvas);
    var marked = 0;
    Object.keys(data.elements || {}).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'st-' + data.elements[id]); marked++; }
    });
    (data.flows || []).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'flow-taken'); marked++; }
    });
    box.setAttribute('data-scale', String(Math.round(scale * 100) / 100));
    box.setAttribute('data-rendered', '1');
    box.setAttribute('data-marked', String(marked));
    box.setAttribute('data-warnings', String((result.warnings || []).length));
    var zoom = document.querySelector('.zoom[data-for="diagram"]');
    if (zoom) {
      zoom.addEventListener('click', function (ev) {
        var how = ev.target.getAttribute('data-zoom');
        if (how === 'fit') { window.LcBpmn.fit(canvas); } else if (how) {
          canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
        }
      });
    }
    window.addEventListener('resize', function () { shape(canvas); window.LcBpmn.fit(canvas); });
  }).catch(function (err) {
    box.setAttribute('data-error', String(err && err.message || err));
    box.textContent = '图形无法显示：' + (err && err.message || err);
  });
})();
