// Behaviours of the administration pages (no inline scripts): the rest of a long table on request,
// a select that submits its form when it changes (data-autosubmit).
(function () {
  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest ? ev.target.closest('button.show-more') : null;
    if (!btn) { return; }
    var more = btn.parentNode.querySelector('tbody.more');
    if (more) { more.hidden = false; }
    btn.remove();
  });
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el.hasAttribute && el.hasAttribute('data-autosubmit') && el.form) { el.form.submit(); }
  });
})();
