// Behaviours of the administration pages (no inline scripts): the rest of a long table on request.
// (data-autosubmit, data-check-all and data-confirm are site-wide: app/static/behaviours.js)
(function () {
  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest ? ev.target.closest('button.show-more') : null;
    if (!btn) { return; }
    var more = btn.parentNode.querySelector('tbody.more');
    if (more) { more.hidden = false; }
    btn.remove();
  });
})();
