/* New ticket on the phone: when the category changes, its own form (with its conditions) is fetched and put
   in place; tickets/field_logic.js then shows, hides and requires as on the portal. The server decides. */
(() => {
  "use strict";
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-fields-url]");
    if (!select) return;
    const box = document.getElementById("fa-custom-fields");
    if (!box) return;
    const url = select.getAttribute("data-fields-url") + "?category=" + encodeURIComponent(select.value || "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        box.innerHTML = html;
        document.dispatchEvent(new CustomEvent("gd:fields"));
      })
      .catch(() => {});  // offline: the server still checks the form when it is sent
  });
})();
