// Mailbox form: show only the sign-in fields the chosen method uses (the server checks them either way).
(function () {
  "use strict";
  var FIELDS = {
    password: ["password"],
    xoauth2_token: ["oauth_access_token"],
    xoauth2_refresh: ["oauth_token_url", "oauth_client_id", "oauth_client_secret", "oauth_refresh_token", "oauth_scope"],
  };
  function boxOf(name) {
    var input = document.getElementById("id_" + name);
    return input ? input.closest("[class*='col-']") : null;
  }
  function update(select) {
    var wanted = FIELDS[select.value] || [];
    Object.keys(FIELDS).forEach(function (method) {
      FIELDS[method].forEach(function (name) {
        var box = boxOf(name);
        if (box) box.classList.toggle("d-none", wanted.indexOf(name) === -1);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_auth_method");
    if (!select) return;
    update(select);
    select.addEventListener("change", function () { update(select); });
  });
})();
