/* The portal's small behaviours. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx: send the CSRF token, and show validation answers (400/422) rather than dropping them.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 429) {
      event.detail.shouldSwap = false; // suggestions paused: the form still works
    }
  });
  // The category's template replaces the details only if the person has not typed since choosing it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var description = document.getElementById("id_description");
    if (description && event.detail.elt && event.detail.elt.name === "category") {
      description.setAttribute("data-sent-value", description.value);
    }
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "id_description" || !target.hasAttribute("data-sent-value")) return;
    if (target.value !== target.getAttribute("data-sent-value")) event.detail.shouldSwap = false;
  });

  // One submit per form: a double tap on a slow phone must not file the request twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.method.toLowerCase() !== "post") return;
    if (form.getAttribute("data-sending") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "1");
    window.setTimeout(function () { form.removeAttribute("data-sending"); }, 8000);
  });
})();
