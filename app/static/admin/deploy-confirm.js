// Deploy confirmation shared by the BPMN and DMN editors: asks the server what the deploy would change
// against the running version (element ids added, removed, changed) and resolves true when confirmed.
window.lcConfirmDeploy = function (diffUrl, csrf, body) {
  var dialog = document.getElementById('deploy-confirm');
  var texts = dialog.querySelector('template.texts').dataset;
  function list(cls, items, withWhat) {
    var ul = dialog.querySelector('ul.' + cls);
    ul.innerHTML = '';
    dialog.querySelector('.' + cls + '-title').hidden = !items.length;
    items.forEach(function (e) {
      var li = document.createElement('li');
      li.setAttribute('data-element', e.id);
      var name = e.name ? '「' + e.name + '」' : '';
      li.textContent = e.kind + name + ' ';
      var code = document.createElement('code');
      code.textContent = e.id;
      li.appendChild(code);
      if (withWhat && e.what && e.what.length) {
        var what = document.createElement('span');
        what.className = 'muted';
        what.textContent = '  ' + texts.what + '：' + e.what.map(function (w) {
          return w === '类型' ? texts.attrType : (w === '内容' ? texts.attrContent : w);
        }).join('、');
        li.appendChild(what);
      }
      ul.appendChild(li);
    });
  }
  return fetch(diffUrl, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
    body: JSON.stringify(body)
  }).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); })
    .then(function (diff) {
      if (diff._status >= 400) { throw new Error(diff.error || String(diff._status)); }
      var running = dialog.querySelector('.running');
      running.textContent = diff.running
        ? texts.running.replace('{name}', diff.running.name || diff.running.key).replace('{version}', diff.running.version)
        : texts.new;
      dialog.querySelector('.nothing').hidden = !diff.same;
      dialog.querySelector('.layout').hidden = !(diff.layout_changed && !diff.same);
      list('added', diff.added || [], false);
      list('removed', diff.removed || [], false);
      list('changed', diff.changed || [], true);
      dialog.setAttribute('data-ready', '1');
      return new Promise(function (resolve) {
        function done(ok) {
          dialog.querySelector('[value=ok]').removeEventListener('click', yes);
          dialog.querySelector('[value=cancel]').removeEventListener('click', no);
          dialog.removeEventListener('cancel', no);
          dialog.removeAttribute('data-ready');
          dialog.close();
          resolve(ok);
        }
        function yes() { done(true); }
        function no() { done(false); }
        dialog.querySelector('[value=ok]').addEventListener('click', yes);
        dialog.querySelector('[value=cancel]').addEventListener('click', no);
        dialog.addEventListener('cancel', no);
        dialog.showModal();
      });
    });
};
