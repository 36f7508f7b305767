// The task pages' behaviour. No inline scripts: everything reads data-* attributes.
//
// - Table editors: a repeating table is ONE hidden field holding its rows as JSON
//   (<div data-table-editor> with <input data-table-value>); the editor is built from it and writes
//   the rows back on every change, so a form with 300 served enterprises posts one field, not 2,400.
// - Autosave: <form data-autosave> posts itself as a draft (_action=draft, Accept: application/json)
//   a moment after the last change; format errors come back and are shown beside the fields.
// - Unsaved changes: <form data-guard> warns before the page is left with changes not yet saved.
// - Uploads in place: <form data-async-upload> is sent with fetch; the material's row is updated from
//   the JSON answer; the page is not reloaded, so nothing typed is lost.
// - The check before submitting: [data-precheck-url] posts the form as it stands and shows the result.
// - Confirmations: <form data-confirm="…"> asks before it is sent.
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 2000;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function parseJSON(text, fallback) {
    if (!text) return fallback;
    try { return JSON.parse(text); } catch (e) { return fallback; }
  }

  function cellValue(v) {
    if (v === true) return "true";
    if (v === false) return "false";
    return v == null ? "" : String(v);
  }

  // -- table editors --------------------------------------------------------------------------------
  var editors = [];

  function TableEditor(root) {
    this.root = root;
    this.field = root.getAttribute("data-table-editor");
    this.input = root.querySelector("input[data-table-value]");
    this.columns = parseJSON(root.getAttribute("data-columns"), []);
    this.disabled = root.getAttribute("data-disabled") === "1";
    this.reserve = parseJSON(root.getAttribute("data-reserve"), null);
    this.label = root.getAttribute("data-label") || "";
    var rows = parseJSON(this.input.value, []);
    this.rows = Array.isArray(rows) ? rows.map(function (r) { return r && typeof r === "object" ? r : {}; }) : [];
    if (!this.rows.length) this.rows.push({});
    this.errors = parseJSON(root.getAttribute("data-errors"), []);
    this.build();
    this.markErrors(this.errors);
    root.editor = this;
  }

  TableEditor.prototype.cellHtml = function (col, value, r) {
    var name = ' data-col="' + esc(col.id) + '" aria-label="' + esc(col.label) + '"';
    var dis = this.disabled ? " disabled" : "";
    var v = cellValue(value);
    var opts;
    if (col.options && col.options.length) {
      opts = '<option value=""></option>';
      col.options.forEach(function (o) {
        var sel = (v === o.id || v === o.label) ? " selected" : "";
        opts += '<option value="' + esc(o.id) + '"' + sel + ">" + esc(o.label) + "</option>";
      });
      return "<select" + name + dis + ">" + opts + "</select>";
    }
    if (col.type === "boolean") {
      var yes = v === "true" || v === "是" || v === "True";
      var no = v === "false" || v === "否" || v === "False";
      return "<select" + name + dis + '><option value=""></option><option value="true"' + (yes ? " selected" : "") +
        '>是</option><option value="false"' + (no ? " selected" : "") + ">否</option></select>";
    }
    var kind = col.type === "date" ? ' placeholder="年-月-日" autocomplete="off"' :
      (col.type === "long" || col.type === "double") ? ' inputmode="decimal"' : "";
    return "<input" + name + kind + ' value="' + esc(v) + '"' + dis + ">";
  };

  TableEditor.prototype.rowHtml = function (row, i) {
    var self = this;
    var html = '<tr data-row="' + i + '"><td class="rownum">' + (i + 1) + "</td>";
    this.columns.forEach(function (col) { html += "<td>" + self.cellHtml(col, row[col.id], i) + "</td>"; });
    html += '<td class="row-actions">';
    if (!this.disabled) {
      if (this.reserve && this.hasColumn("replaces")) {
        html += '<button type="button" class="small replace-row" title="无法联系时由下一家抽取企业替换">替换</button> ';
      }
      html += '<button type="button" class="small remove-row" title="删除此行" aria-label="删除此行">✕</button>';
    }
    return html + "</td></tr>";
  };

  // how wide a column needs to be to read its cells (the table scrolls sideways instead of squeezing)
  var WIDE = ["enterprise", "name", "content", "service", "school", "replaces", "replacement_reason", "message",
              "duty", "duties", "person", "scale"];
  function columnWidth(col) {
    if (col.type === "boolean") return "4.5em";
    if (col.options && col.options.length) return "7.5em";
    if (col.type === "long" || col.type === "double") return "6em";
    if (col.type === "date") return "8.5em";
    if (col.id === "credit_code") return "12em";
    if (col.id === "phone" || col.format === "phone") return "9em";
    if (WIDE.indexOf(col.id) >= 0) return col.id === "enterprise" || col.id === "name" ? "14em" : "10em";
    return "7em";
  }

  TableEditor.prototype.hasColumn = function (id) {
    return this.columns.some(function (c) { return c.id === id; });
  };

  TableEditor.prototype.build = function () {
    var self = this;
    var head = '<thead><tr><th class="rownum">#</th>';
    this.columns.forEach(function (c) {
      head += "<th>" + esc(c.label) + (c.required ? '<span class="req">*</span>' : "") + "</th>";
    });
    head += "<th></th></tr></thead>";
    var body = "<tbody>" + this.rows.map(function (r, i) { return self.rowHtml(r, i); }).join("") + "</tbody>";
    var tools = '<div class="grid-tools">' +
      (this.disabled ? "" : '<button type="button" class="small add-row">＋ 添加一行</button>') +
      '<span class="muted small row-count"></span>' +
      (this.rows.length > 15 ? '<input type="search" class="grid-filter" placeholder="在表中查找" aria-label="在' +
        esc(this.label) + '中查找">' : "") + "</div>";
    this.root.innerHTML = "";
    this.root.appendChild(this.input);
    var wrap = document.createElement("div");
    wrap.innerHTML = tools + '<div class="grid-scroll"><table class="grid" data-table="' + esc(this.field) + '">' +
      head + body + "</table></div>";
    while (wrap.firstChild) this.root.appendChild(wrap.firstChild);
    this.table = this.root.querySelector("table.grid");
    this.tbody = this.table.tBodies[0];
    var ths = this.table.tHead.rows[0].cells;
    this.columns.forEach(function (c, i) { ths[i + 1].style.minWidth = columnWidth(c); });
    this.count();
    this.table.addEventListener("input", function (ev) { self.onEdit(ev); });
    this.table.addEventListener("change", function (ev) { self.onEdit(ev); });
    this.root.addEventListener("click", function (ev) { self.onClick(ev); });
    var filter = this.root.querySelector(".grid-filter");
    if (filter) filter.addEventListener("input", function () { self.filter(filter.value); });
    this.root.classList.add("ready");
  };

  TableEditor.prototype.count = function () {
    var filled = this.rows.filter(function (r) {
      return Object.keys(r).some(function (k) { return cellValue(r[k]).trim() !== ""; });
    }).length;
    var el = this.root.querySelector(".row-count");
    if (el) el.textContent = filled + " 行";
  };

  TableEditor.prototype.sync = function () {
    this.input.value = JSON.stringify(this.rows);
  };

  TableEditor.prototype.onEdit = function (ev) {
    var t = ev.target;
    if (!t || !t.getAttribute || !t.getAttribute("data-col")) return;
    var tr = t.closest("tr");
    var i = parseInt(tr.getAttribute("data-row"), 10);
    this.rows[i][t.getAttribute("data-col")] = t.value;
    var td = t.closest("td");
    if (td.classList.contains("cell-error")) { td.classList.remove("cell-error"); td.removeAttribute("title"); }
    this.sync();
    if (ev.type === "change") this.count();
  };

  TableEditor.prototype.renumber = function () {
    Array.prototype.forEach.call(this.tbody.rows, function (r, i) {
      r.setAttribute("data-row", String(i));
      r.cells[0].textContent = String(i + 1);
    });
  };

  TableEditor.prototype.changed = function () {
    this.sync();
    this.count();
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  TableEditor.prototype.onClick = function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.classList.contains("add-row")) {
      this.rows.push({});
      var tmp = document.createElement("tbody");
      tmp.innerHTML = this.rowHtml({}, this.rows.length - 1);
      var tr = tmp.firstChild;
      this.tbody.appendChild(tr);
      var first = tr.querySelector("input, select");
      if (first) first.focus();
      this.changed();
    } else if (t.classList.contains("remove-row")) {
      var row = t.closest("tr");
      var i = parseInt(row.getAttribute("data-row"), 10);
      if (this.rows.length === 1) {
        this.rows[0] = {};
        row.querySelectorAll("input, select").forEach(function (inp) { inp.value = ""; });
      } else {
        this.rows.splice(i, 1);
        row.remove();
        this.renumber();
      }
      this.changed();
    } else if (t.classList.contains("replace-row")) {
      this.replace(t.closest("tr"));
    }
  };

  // Art. 11: an enterprise of the drawn sample that cannot be reached is replaced by the next drawn
  // enterprise of the reserve (in draw order), naming the one it replaces; the reason is then typed.
  TableEditor.prototype.replace = function (tr) {
    var i = parseInt(tr.getAttribute("data-row"), 10);
    var row = this.rows[i];
    var used = {};
    this.rows.forEach(function (r) { used[cellValue(r.enterprise)] = true; used[cellValue(r.replaces)] = true; });
    var next = (this.reserve || []).filter(function (r) { return !used[cellValue(r.enterprise)]; })[0];
    if (!next) { window.alert("备选企业已用完，无法替换"); return; }
    var old = cellValue(row.enterprise);
    var fresh = { replaces: old, replacement_reason: "", rating: "" };
    var self = this;
    this.columns.forEach(function (c) {
      if (c.id in fresh) return;
      fresh[c.id] = next[c.id] == null ? "" : next[c.id];
    });
    this.rows[i] = fresh;
    var tmp = document.createElement("tbody");
    tmp.innerHTML = this.rowHtml(fresh, i);
    var replaced = tmp.firstChild;
    tr.replaceWith(replaced);
    replaced.classList.add("replaced");
    this.changed();
    var reason = replaced.querySelector('[data-col="replacement_reason"]');
    if (reason) { reason.focus(); reason.placeholder = "请写明“" + old + "”无法测评的原因"; }
    self.count();
  };

  TableEditor.prototype.filter = function (text) {
    var q = text.trim().toLowerCase();
    Array.prototype.forEach.call(this.tbody.rows, function (r) {
      if (!q) { r.hidden = false; return; }
      var hay = Array.prototype.map.call(r.querySelectorAll("input, select"), function (x) {
        return x.tagName === "SELECT" && x.selectedIndex >= 0 ? x.options[x.selectedIndex].text : x.value;
      }).join(" ").toLowerCase();
      r.hidden = hay.indexOf(q) < 0;
    });
  };

  TableEditor.prototype.markErrors = function (errors) {
    var self = this;
    this.table.querySelectorAll("td.cell-error").forEach(function (td) {
      td.classList.remove("cell-error");
      td.removeAttribute("title");
    });
    (errors || []).forEach(function (e) {
      var tr = self.tbody.rows[(e.row || 0) - 1];
      if (!tr) return;
      var cell = tr.querySelector('[data-col="' + e.column + '"]');
      if (cell) { cell.parentElement.classList.add("cell-error"); cell.parentElement.title = e.message || ""; }
    });
  };

  function syncEditors(form) {
    (form || document).querySelectorAll("[data-table-editor]").forEach(function (root) {
      if (root.editor) root.editor.sync();
    });
  }

  // -- errors beside fields (autosave, the check before submitting) ----------------------------------
  function showErrors(form, errors) {
    form.querySelectorAll(".field-error.live").forEach(function (p) { p.remove(); });
    form.querySelectorAll(".field.live-error").forEach(function (f) { f.classList.remove("live-error"); });
    var cells = {};
    (errors || []).forEach(function (e) {
      if (e.row && e.column) { (cells[e.field] = cells[e.field] || []).push(e); }
      var box = form.querySelector('[data-field="' + (e.field || "").replace(/"/g, "") + '"]');
      if (!box) return;
      box.classList.add("live-error");
      if (box.querySelectorAll(".field-error.live").length >= 5) return;
      var p = document.createElement("p");
      p.className = "field-error live";
      p.setAttribute("role", "alert");
      p.setAttribute("data-testid", "live-error-" + e.field);
      p.textContent = e.message;
      box.appendChild(p);
    });
    form.querySelectorAll("[data-table-editor]").forEach(function (root) {
      if (root.editor) root.editor.markErrors(cells[root.editor.field] || []);
    });
  }

  function formBody(form, action) {
    syncEditors(form);
    var fd = new FormData(form);
    var drop = [];
    fd.forEach(function (v, k) { if (typeof v !== "string") drop.push(k); });
    drop.forEach(function (k) { fd.delete(k); });
    if (action) fd.set("_action", action);
    return fd;
  }

  function hhmm(iso) {
    var d = iso ? new Date(iso) : new Date();
    return isNaN(d) ? "" : d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Shanghai" });
  }

  // -- forms: unsaved changes, autosave -------------------------------------------------------------
  function Guarded(form) {
    var self = this;
    this.form = form;
    this.edits = 0;      // changes made
    this.saved = 0;      // changes saved
    this.leaving = false;
    this.timer = null;
    this.saving = false;
    this.status = form.querySelector("[data-autosave-status]");
    this.autosave = form.hasAttribute("data-autosave");
    var edit = function (ev) {
      var t = ev.target;
      if (t && t.classList && (t.classList.contains("grid-filter") || t.type === "file")) return;
      self.touch();
    };
    form.addEventListener("input", edit);
    form.addEventListener("change", edit);
    form.addEventListener("submit", function () { syncEditors(form); self.leaving = true; });
    window.addEventListener("beforeunload", function (ev) {
      if (self.leaving || self.edits === self.saved) return undefined;
      ev.preventDefault();
      ev.returnValue = "";
      return "";
    });
    form.guard = this;
  }

  Guarded.prototype.touch = function () {
    var self = this;
    this.edits += 1;
    if (!this.autosave) return;
    if (this.status) this.status.textContent = "有未保存的修改…";
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.save(); }, AUTOSAVE_DELAY);
  };

  Guarded.prototype.save = function () {
    var self = this;
    if (this.saving) { this.timer = setTimeout(function () { self.save(); }, AUTOSAVE_DELAY); return; }
    var upTo = this.edits;
    this.saving = true;
    fetch(this.form.action, { method: "POST", body: formBody(this.form, "draft"), credentials: "same-origin",
                              headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (res) {
        self.saved = Math.max(self.saved, upTo);
        if (self.status) {
          self.status.textContent = "已自动保存 " + hhmm(res.saved_at) +
            (res.errors && res.errors.length ? "（" + res.errors.length + " 处填写格式有误，见字段旁提示）" : "");
          self.status.setAttribute("data-saved", String(self.saved));
        }
        showErrors(self.form, res.errors || []);
      })
      .catch(function () {
        if (self.status) self.status.textContent = "自动保存失败，请点“保存草稿”";
      })
      .then(function () { self.saving = false; });
  };

  // -- uploads in place -----------------------------------------------------------------------------
  function bindUpload(form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var file = form.querySelector("input[type=file]");
      var row = form.closest("tr");
      var status = row ? row.querySelector("[data-upload-status]") : null;
      var button = form.querySelector("button");
      if (!file || !file.files.length) {
        if (status) { status.textContent = "请选择 PDF、JPEG 或 PNG 文件"; status.className = "upload-status small error"; }
        return;
      }
      if (button) button.disabled = true;
      if (status) { status.textContent = "上传中…"; status.className = "upload-status small"; }
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) throw new Error(res.body && res.body.error ? res.body.error : "上传失败");
          var m = res.body.material;
          var cell = row.querySelector(".material-file");
          var f = m.file;
          cell.innerHTML = '<span class="tag pass">✓</span> <a class="material-open" target="_blank" rel="noopener" href="' +
            esc(m.view_url) + '" data-testid="open-' + esc(m.mkey) + '">' + esc(f.file_name) + '</a> <span class="muted small">' +
            (f.size >= 1048576 ? (f.size / 1048576).toFixed(1) + " MB" : Math.round(f.size / 1024) + " KB") + " · " +
            esc(f.uploaded_at) + '</span> <a class="small" href="' +
            esc(m.download_url) + '" data-testid="download-' + esc(m.mkey) + '">下载</a> ' +
            '<span class="upload-status small ok" data-upload-status aria-live="polite">' + esc(res.body.message) + "</span>";
          file.value = "";
          var picked = form.querySelector("[data-file-name]");
          if (picked) picked.textContent = "未选择文件";
        })
        .catch(function (err) {
          var s = row ? row.querySelector("[data-upload-status]") : null;
          if (s) { s.textContent = err.message; s.className = "upload-status small error"; }
        })
        .then(function () { if (button) button.disabled = false; });
    });
  }

  // -- the check before submitting ------------------------------------------------------------------
  function bindPrecheck(button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var out = form.querySelector("[data-precheck-output]");
      var body = formBody(form, null);
      body.set("task_id", button.getAttribute("data-task-id"));
      button.disabled = true;
      out.innerHTML = '<p class="muted small">检查中…</p>';
      fetch(button.getAttribute("data-precheck-url"), { method: "POST", body: body, credentials: "same-origin",
                                                       headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (res) {
          out.innerHTML = res.html;
          showErrors(form, res.errors || []);
          out.scrollIntoView({ block: "nearest" });
        })
        .catch(function () { out.innerHTML = '<p class="flash error">检查失败，请稍后再试</p>'; })
        .then(function () { button.disabled = false; });
    });
  }

  // a chosen file's name beside the (Chinese) button of a file picker
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (!t || t.type !== "file" || !t.closest) return;
    var pick = t.closest(".file-pick");
    var name = pick ? pick.querySelector("[data-file-name]") : null;
    if (name) name.textContent = t.files && t.files.length ? t.files[0].name : "未选择文件";
  });

  function init() {
    document.querySelectorAll("[data-table-editor]").forEach(function (root) { editors.push(new TableEditor(root)); });
    document.querySelectorAll("form[data-guard]").forEach(function (form) { new Guarded(form); });
    document.querySelectorAll("form[data-async-upload]").forEach(bindUpload);
    document.querySelectorAll("[data-precheck-url]").forEach(bindPrecheck);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
    document.documentElement.classList.add("js-ready");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
