// Small page behaviours that used to be inline event handlers (on*="…"), which the Content Security
// Policy forbids. Declared in templates by data attributes:
//   data-confirm="question"   on a <form>: ask before submitting
//   data-autosubmit           on a <select>: submit its form when the choice changes
//   data-check-all="name"     on a checkbox: tick or untick every checkbox named "name"
(function () {
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
    }
  }, true);
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el instanceof HTMLSelectElement && el.dataset.autosubmit !== undefined && el.form) {
      el.form.submit();
    } else if (el instanceof HTMLInputElement && el.dataset.checkAll) {
      document.querySelectorAll('input[type="checkbox"][name="' + el.dataset.checkAll + '"]').forEach(function (c) {
        c.checked = el.checked;
      });
    }
  });
})();
