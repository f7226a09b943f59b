/* Inspection rounds on the phone: read the stop's QR code with the camera (BarcodeDetector; the typed code
 * is the fallback) and add the phone's position to the check-in. No inline code (strict CSP).
 *
 * Offline (decision 0183): opening a round asks the service worker to keep its stops' pages; without signal
 * a check-in, a confirmation and a checklist go into the field app's outbox (field.js) with an id of their
 * own and the time they were recorded, and are sent in order when the connection is back. */
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

  const body = document.body;
  const outbox = window.gongdanOutbox;
  const offline = () => navigator.onLine === false && Boolean(outbox);
  const M = (() => {
    const node = document.getElementById("rd-messages");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  })();
  function m(key, values) {
    let text = M[key] || key;
    Object.entries(values || {}).forEach(([name, value]) => { text = text.replace(`%(${name})s`, String(value)); });
    return text;
  }
  const clock = (date) => `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;

  // ---- the round: keep its stops' pages on the phone ----------------------------------------------------
  if (body.dataset.page === "round-run" && "serviceWorker" in navigator && navigator.onLine !== false) {
    const urls = [window.location.pathname, ...Array.from(document.querySelectorAll("#rd-stops a"), (a) => a.pathname)];
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "pages-cached") body.dataset.pagesCached = "1";
    });
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.active) registration.active.postMessage({ type: "cache-pages", urls });
    }).catch(() => {});
  }

  async function waitingForRun() {
    try { return (await outbox.all()).filter((item) => item.job === `round-${body.dataset.run}`); } catch (e) { return []; }
  }

  /** What waits in the outbox for this run: its stops show it (the cached page shows the state it was in). */
  async function showWaiting() {
    if (!outbox || !body.dataset.run) return [];
    const items = await waitingForRun();
    document.querySelectorAll("#rd-stops li[data-visit]").forEach((li) => {
      const chip = li.querySelector(".rd-waiting");
      const waiting = items.some((item) => String(item.visit) === li.dataset.visit);
      if (chip) { chip.hidden = !waiting; chip.textContent = m("waiting"); }
    });
    return items;
  }

  // ---- a stop: check in and answer without signal ---------------------------------------------------------
  function arrivedOffline(recordedAt) {
    const arrive = document.getElementById("rd-arrive");
    const checklist = document.getElementById("rd-checklist");
    if (arrive) arrive.hidden = true;
    if (checklist) checklist.hidden = false;
    const presence = document.getElementById("rd-presence");
    if (presence) presence.textContent = clock(new Date(recordedAt));
    const error = document.getElementById("rd-error");
    if (error) error.hidden = true;
  }

  function markWaiting() {
    const chip = document.getElementById("rd-waiting");
    if (chip) { chip.hidden = false; chip.textContent = m("waiting"); }
  }

  async function queue(kind, what, payload, label) {
    const id = payload.client_id;
    await outbox.enqueue(kind, `${body.dataset.apiBase}/${what}`, JSON.stringify(payload), "application/json", label,
      { id, job: `round-${body.dataset.run}`, visit: body.dataset.visit, refusedOn409: true });
  }

  async function queuePresence(form, position) {
    const recordedAt = new Date().toISOString();
    const payload = { client_id: outbox.newKey(), recorded_at: recordedAt };
    ["latitude", "longitude", "accuracy"].forEach((name) => {
      if (typeof position[name] === "number") payload[name] = position[name];
    });
    const label = document.getElementById("rd-stop-label").textContent.trim();
    if (form.id === "rd-check-in") {
      payload.code = form.elements.code.value.trim();
      if (!payload.code) return;
      await queue("round_check_in", "check-in", payload, label);
    } else {
      payload.reason = form.elements.reason.value.trim();
      if (!payload.reason) return;
      await queue("round_confirm", "confirm", payload, label);
    }
    markWaiting();
    arrivedOffline(recordedAt);
    outbox.toast(m("queued_check_in", { time: clock(new Date(recordedAt)) }));
  }

  function readFile(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  /** The checklist as the API takes it, checked as far as the phone can; null (with a message) if not. */
  async function readChecklist(form) {
    const answers = [];
    for (const fieldset of form.querySelectorAll("fieldset[data-step]")) {
      const step = Number(fieldset.dataset.step);
      const kind = fieldset.dataset.kind;
      const label = fieldset.dataset.label;
      const note = (fieldset.querySelector(".rd-note") || { value: "" }).value.trim();
      const answer = { step, note };
      let given = true;
      if (kind === "check") {
        const chosen = fieldset.querySelector("input[type=radio]:checked");
        given = Boolean(chosen);
        if (chosen) answer.passed = chosen.value === "pass";
      } else if (kind === "number") {
        const raw = fieldset.querySelector('input[type="text"]:not(.rd-note)').value.trim().replace(",", ".");
        given = raw !== "";
        if (given) {
          const value = Number(raw);
          if (!Number.isFinite(value)) { outbox.toast(m("number", { step: label }), true); return null; }
          answer.number = value;
        }
      } else if (kind === "photo") {
        const file = (fieldset.querySelector('input[type="file"]').files || [])[0];
        given = Boolean(file);
        if (file) {
          let blob = null;
          try { blob = await outbox.shrink(file); } catch (e) { blob = null; }
          if (!blob) { outbox.toast(m("photo_failed"), true); return null; }
          answer.photo = await readFile(blob);
        }
      } else {
        given = note !== "";
      }
      if (!given && fieldset.hasAttribute("data-required")) { outbox.toast(m("required", { step: label }), true); return null; }
      if (given || note) answers.push(answer);
    }
    return answers;
  }

  const checklistForm = document.getElementById("rd-checklist");
  if (checklistForm && body.dataset.page === "round-stop") {
    checklistForm.addEventListener("submit", async (event) => {
      if (checklistForm.dataset.flushed === "1") return;
      if (!offline()) { // online: what waits goes first (this stop's check-in), then the page posts the form
        if (!outbox || !(await waitingForRun()).length) return;
        event.preventDefault();
        await outbox.flush();
        checklistForm.dataset.flushed = "1";
        checklistForm.requestSubmit();
        return;
      }
      event.preventDefault();
      const answers = await readChecklist(checklistForm);
      if (answers === null) return;
      const label = document.getElementById("rd-stop-label").textContent.trim();
      await queue("round_answers", "answers", { client_id: outbox.newKey(), recorded_at: new Date().toISOString(), answers }, label);
      outbox.toast(m("queued_answers"));
      // The next stop the page was rendered with may be one already walked offline: then back to the round.
      const walked = (await waitingForRun()).some((item) => String(item.visit) === body.dataset.nextVisit);
      window.location.href = walked ? body.dataset.runUrl : body.dataset.next;
    });
  }

  if (body.dataset.page === "round-stop" && outbox) {
    outbox.all().then((items) => {
      const mine = items.filter((item) => String(item.visit) === body.dataset.visit);
      if (!mine.length) return;
      markWaiting();
      const arrival = mine.find((item) => item.kind === "round_check_in" || item.kind === "round_confirm");
      if (arrival) arrivedOffline(JSON.parse(arrival.body).recorded_at);
    }).catch(() => {});
  }
  if (body.dataset.page === "round-run") showWaiting();
  // Back online: the outbox sends what waits; the page then shows what the server recorded.
  document.addEventListener("gongdan:synced", () => {
    if (body.dataset.page === "round-run") window.location.reload();
  });

  document.querySelectorAll("form[data-locate]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (offline()) {
        event.preventDefault();
        await queuePresence(form, await locate());
        return;
      }
      if (form.dataset.located === "1") return;
      event.preventDefault();
      if (outbox && (await waitingForRun()).length) await outbox.flush(); // what was recorded before goes first
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
