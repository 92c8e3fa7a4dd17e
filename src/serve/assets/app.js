// cometcat explorer: small enhancements. Every page works without this file.
"use strict";
(function () {
  // Filter forms apply as soon as a box is ticked or a choice is made.
  document.querySelectorAll("form.auto").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var t = event.target;
      if (t && (t.type === "checkbox" || t.tagName === "SELECT")) {
        form.submit();
      }
    });
  });
  // Instant filtering of the rows on screen, as you type.
  var quick = document.getElementById("quick");
  var table = document.querySelector("table.models");
  if (quick && table) {
    quick.hidden = false;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var shown = document.getElementById("shown");
    quick.addEventListener("input", function () {
      var needle = quick.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (row) {
        var hit = needle === "" || row.textContent.toLowerCase().indexOf(needle) !== -1;
        row.hidden = !hit;
        if (hit) { n += 1; }
      });
      if (shown) { shown.textContent = String(n); }
    });
  }
  // Columns without a sort key of the catalog's (type, features) sort the rows on screen.
  document.querySelectorAll("table.models th[data-col]").forEach(function (th) {
    th.classList.add("sortable");
    th.addEventListener("click", function () {
      var col = Number(th.getAttribute("data-col"));
      var body = th.closest("table").tBodies[0];
      var desc = th.getAttribute("aria-sort") === "ascending";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        return desc ? y.localeCompare(x) : x.localeCompare(y);
      });
      rows.forEach(function (row) { body.appendChild(row); });
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    });
  });
})();
