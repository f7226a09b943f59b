/* Settings screens. No inline scripts (strict CSP): everything hangs on data- attributes. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Ask before destructive actions: <form data-confirm="Really?">
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  onReady(function () {
    // Phone: the section strip scrolls so the current section is visible.
    var strip = document.querySelector(".cfg-menu-strip .nav-pills");
    var current = strip && strip.querySelector(".nav-link.active");
    if (current) strip.scrollLeft = current.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2;

    // Custom field form: the choices box matters only for choice types.
    document.querySelectorAll("select[data-choice-types]").forEach(function (select) {
      var types = select.getAttribute("data-choice-types").split(" ");
      var box = select.form && select.form.querySelector("[data-choices-box]");
      if (!box) return;
      var sync = function () { box.hidden = types.indexOf(select.value) === -1; };
      select.addEventListener("change", sync);
      sync();
    });

    // Ticket numbering: a live example as the admin types.
    var example = document.getElementById("numbering-example");
    var form = document.querySelector("form[data-numbering-form]");
    if (example && form) {
      var prefix = form.querySelector("[name=prefix]");
      var year = form.querySelector("[name=include_year]");
      var digits = form.querySelector("[name=digits]");
      var update = function () {
        var p = (prefix.value || "").trim().toUpperCase();
        var d = parseInt(digits.value, 10);
        if (!(d >= 3 && d <= 12)) d = 6;
        var seq = String(parseInt(example.getAttribute("data-sequence"), 10) || 123);
        while (seq.length < d) seq = "0" + seq;
        var parts = [p || "?"];
        if (year.checked) parts.push(example.getAttribute("data-year"));
        parts.push(seq);
        example.textContent = parts.join("-");
      };
      [prefix, year, digits].forEach(function (el) {
        el.addEventListener("input", update);
        el.addEventListener("change", update);
      });
      update();
    }

    // Priority colour: preview the badge while picking.
    document.querySelectorAll("[data-colour-preview]").forEach(function (badge) {
      var input = document.getElementById(badge.getAttribute("data-colour-preview"));
      if (!input) return;
      input.addEventListener("input", function () { badge.style.backgroundColor = input.value; });
    });

    // Team members: a lead is always a member; filter the people list.
    document.querySelectorAll("input[data-lead-of]").forEach(function (lead) {
      var member = document.querySelector('input[data-member-of="' + lead.getAttribute("data-lead-of") + '"]');
      if (!member) return;
      lead.addEventListener("change", function () { if (lead.checked) member.checked = true; });
      member.addEventListener("change", function () { if (!member.checked) lead.checked = false; });
    });
    document.querySelectorAll("input[data-filter-rows]").forEach(function (input) {
      var body = document.querySelector(input.getAttribute("data-filter-rows"));
      if (!body) return;
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        body.querySelectorAll("tr[data-filter-text]").forEach(function (row) {
          row.hidden = needle !== "" && row.getAttribute("data-filter-text").indexOf(needle) === -1;
        });
      });
    });
  });
})();
