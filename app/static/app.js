// Repeating tables: add and remove rows (the server parses names "<field>.<row>.<column>").
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (!(t instanceof HTMLElement)) return;
  if (t.classList.contains("add-row")) {
    var table = document.querySelector('table[data-table="' + t.dataset.target + '"]');
    if (!table) return;
    var body = table.tBodies[0];
    var last = body.rows[body.rows.length - 1];
    var clone = last.cloneNode(true);
    var n = body.rows.length;
    clone.querySelectorAll("input, select").forEach(function (inp) {
      inp.value = "";
      inp.name = inp.name.replace(/\.(\d+)\./, "." + n + ".");
      if (inp.parentElement) inp.parentElement.classList.remove("cell-error");
    });
    clone.querySelector(".rownum").textContent = String(n + 1);
    body.appendChild(clone);
    var first = clone.querySelector("input");
    if (first) first.focus();
  } else if (t.classList.contains("remove-row")) {
    var row = t.closest("tr");
    var tbody = row && row.parentElement;
    if (!row || !tbody) return;
    if (tbody.rows.length === 1) {
      row.querySelectorAll("input, select").forEach(function (inp) { inp.value = ""; });
      return;
    }
    row.remove();
    Array.prototype.forEach.call(tbody.rows, function (r, i) {
      r.querySelector(".rownum").textContent = String(i + 1);
      r.querySelectorAll("input, select").forEach(function (inp) { inp.name = inp.name.replace(/\.(\d+)\./, "." + i + "."); });
    });
  }
});
