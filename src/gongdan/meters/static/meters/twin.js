// The 3D view: once the model has loaded, paint the part a work order is about (its material is named like
// its node) so it stands out. No inline script (strict CSP).
(function () {
  "use strict";
  function start() {
    var viewer = document.getElementById("twin-viewer");
    if (!viewer) { return; }
    var part = viewer.getAttribute("data-highlight");
    var done = false;
    function loaded() {
      if (done || !viewer.loaded) { return; }
      done = true;
      viewer.setAttribute("data-loaded", "1");
      if (!part || !viewer.model) { return; }
      viewer.model.materials.forEach(function (material) {
        if (material.name === part) {
          material.pbrMetallicRoughness.setBaseColorFactor([0.96, 0.62, 0.0, 1.0]);
          material.setEmissiveFactor([0.4, 0.25, 0.0]);
          viewer.setAttribute("data-highlighted", part);
        }
      });
    }
    viewer.addEventListener("load", loaded);
    customElements.whenDefined("model-viewer").then(loaded);  // it may have loaded before this ran
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
