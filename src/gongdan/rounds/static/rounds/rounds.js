/* Inspection rounds on the phone: read the stop's QR code with the camera (BarcodeDetector; the typed code
 * is the fallback) and add the phone's position to the check-in. No inline code (strict CSP). */
(() => {
  "use strict";

  function locate() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) { resolve({ geo: "unavailable" }); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }),
        (error) => resolve({ geo: error && error.code === 1 ? "denied" : "unavailable" }),
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
      );
    });
  }

  async function withPosition(form) {
    const position = await locate();
    ["latitude", "longitude", "accuracy", "geo"].forEach((name) => {
      const input = form.querySelector(`input[name="${name}"]`);
      if (input && position[name] !== undefined) input.value = String(position[name]);
    });
  }

  document.querySelectorAll("form[data-locate]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.located === "1") return;
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      await withPosition(form);
      form.dataset.located = "1";
      form.submit();
    });
  });

  const card = document.getElementById("rd-camera-card");
  const canDetect = "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (card && canDetect) {
    card.hidden = false;
    const button = card.querySelector('[data-action="rd-camera"]');
    const video = document.getElementById("rd-video");
    const form = document.getElementById("rd-check-in");
    button.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      } catch (e) {
        card.hidden = true;
        return;
      }
      button.hidden = true;
      video.hidden = false;
      video.srcObject = stream;
      await video.play();
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const tick = async () => {
        try {
          const codes = await detector.detect(video);
          if (codes.length && codes[0].rawValue) {
            stream.getTracks().forEach((track) => track.stop());
            form.querySelector('input[name="code"]').value = codes[0].rawValue;
            form.requestSubmit();
            return;
          }
        } catch (e) { /* a frame that could not be read */ }
        setTimeout(tick, 250);
      };
      tick();
    });
  }
})();
