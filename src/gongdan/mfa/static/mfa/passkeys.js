// Passkeys (WebAuthn): the server's options in, the browser's credential out, both as JSON with binary
// fields in base64url. No inline script (strict CSP); the forms carry their URLs in data- attributes.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    json.challenge = toBytes(json.challenge);
    json.user.id = toBytes(json.user.id);
    (json.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return json;
  }

  function requestOptions(json) {
    json.challenge = toBytes(json.challenge);
    (json.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return json;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return out;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || data.message || String(response.status));
        return data;
      });
    });
  }

  function showError(root, message) {
    var box = root.querySelector("[data-passkey-error]") || root.parentElement.querySelector("[data-passkey-error]");
    if (box) box.textContent = message;
  }

  document.querySelectorAll("form[data-passkey-register]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential) return showError(form, form.dataset.unsupported);
      var name = form.querySelector("input[name=name]").value.trim();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      showError(form, "");
      post(form.dataset.optionsUrl)
        .then(function (options) { return navigator.credentials.create({ publicKey: creationOptions(options) }); })
        .then(function (credential) { return post(form.dataset.addUrl, { name: name, credential: credentialJSON(credential) }); })
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (error) { showError(form, error.message); button.disabled = false; });
    });
  });

  document.querySelectorAll("[data-passkey-sign-in]").forEach(function (button) {
    var root = button.parentElement;
    button.addEventListener("click", function () {
      if (!window.PublicKeyCredential) return showError(root, button.dataset.unsupported);
      button.disabled = true;
      showError(root, "");
      post(button.dataset.optionsUrl)
        .then(function (options) { return navigator.credentials.get({ publicKey: requestOptions(options) }); })
        .then(function (credential) { return post(button.dataset.verifyUrl, { credential: credentialJSON(credential) }); })
        .then(function (data) { window.location.assign(data.redirect); })
        .catch(function (error) { showError(root, error.message); button.disabled = false; });
    });
  });
})();
