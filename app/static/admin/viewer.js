// Instance / definition diagram: bpmn-js NavigatedViewer with completed, active, waiting and failed
// elements coloured and the sequence flows taken marked. Data: <script id="diagram-data">.
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
  viewer.importXML(data.xml).then(function (result) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport', 'auto');
    var marked = 0;
    Object.keys(data.elements || {}).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'st-' + data.elements[id]); marked++; }
    });
    (data.flows || []).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'flow-taken'); marked++; }
    });
    box.setAttribute('data-rendered', '1');
    box.setAttribute('data-marked', String(marked));
    box.setAttribute('data-warnings', String((result.warnings || []).length));
  }).catch(function (err) {
    box.setAttribute('data-error', String(err && err.message || err));
    box.textContent = '图形无法显示：' + (err && err.message || err);
  });
})();
