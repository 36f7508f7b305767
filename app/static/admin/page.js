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
// a checkbox that ticks every checkbox named by its data-check-all
document.addEventListener('change', function (ev) {
  var el = ev.target;
  var name = el.getAttribute && el.getAttribute('data-check-all');
  if (!name) { return; }
  document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = el.checked; });
});
