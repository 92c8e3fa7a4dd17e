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
  // On a narrow screen the filters fold away above the table (served open,
  // so that without this script they are simply there).
  var narrow = window.matchMedia("(max-width: 800px)");
  var folds = document.querySelectorAll("details.filters");
  var fold = function () {
    folds.forEach(function (details) { details.open = !narrow.matches; });
  };
  fold();
  narrow.addEventListener("change", fold);
  // Compare: the button says how many models are ticked, and waits for 2 to 8.
  var compare = document.getElementById("compare");
  if (compare) {
    var ticked = document.getElementById("ticked");
    var button = compare.querySelector("button");
    var boxes = document.querySelectorAll('input[form="compare"]');
    var most = Number(compare.getAttribute("data-most"));
    var count = function () {
      var n = 0;
      boxes.forEach(function (box) { if (box.checked) { n += 1; } });
      button.disabled = n < 2 || n > most;
      ticked.textContent = n === 0 ? "tick 2 to " + most + " models in the table"
        : n + " ticked" + (n > most ? ": " + most + " at most" : n < 2 ? ": tick one more" : "");
    };
    boxes.forEach(function (box) { box.addEventListener("change", count); });
    count();
  }
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
