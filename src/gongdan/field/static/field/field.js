/* Gongdan field app: the phone's script. No framework, no build step, no inline code (strict CSP).
 *
 * - Notes, time and photos go into an outbox in IndexedDB first, then to /api/v1/field with an
 *   Idempotency-Key that is the outbox item's id: sent twice (lost answer, flaky signal), done once.
 * - The outbox is flushed on load, when the browser says it is back online, every 20 s while
 *   something waits, and on "Sync now". The header shows how many actions wait.
 * - Accept, start, pause and finish need the server's answer (they change the job's state), so they
 *   are sent directly and say so when there is no connection.
 */
(() => {
  "use strict";

  const body = document.body;
  const API = body.dataset.api || "/api/v1/field";
  const JOB = body.dataset.job || "";
  const T = readMessages();
  const DB_NAME = "gongdan-field";
  const STORE = "outbox";
  let flushing = false;

  function readMessages() {
    const node = document.getElementById("fa-messages");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }
  function t(key, values) {
    let text = T[key] || key;
    Object.entries(values || {}).forEach(([name, value]) => { text = text.replace(`%(${name})s`, String(value)); });
    return text;
  }
  function $(selector, root) { return (root || document).querySelector(selector); }

  // ---- service worker ----------------------------------------------------------------------------
  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(() => {});
    // Keep the 3D models of the open jobs' assets on the phone (the worker fetches only what is missing).
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "models-synced") body.dataset.modelsSynced = "1";
    });
    if (navigator.onLine) {
      navigator.serviceWorker.ready
        .then((registration) => { if (registration.active) registration.active.postMessage({ type: "sync-models" }); })
        .catch(() => {});
    }
  }

  // ---- small helpers -----------------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = $('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  let toastTimer = 0;
  function toast(message, isError) {
    const node = $("#fa-toast");
    if (!node) return;
    node.textContent = message;
    node.classList.toggle("fa-toast-error", Boolean(isError));
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, isError ? 7000 : 3500);
  }
  async function errorMessage(response) {
    try {
      const data = await response.json();
      const error = data.error || {};
      const details = Object.values(error.details || {}).flat();
      return details.length ? details.join(" ") : (error.message || response.statusText);
    } catch (e) {
      return response.statusText || String(response.status);
    }
  }
  function post(url, payload, key, contentType) {
    // Job actions are relative to the field API; other apps' items (rounds) carry their full /api/ address.
    return fetch(url.startsWith("/api/") ? url : API + url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": contentType || "application/json",
        "X-CSRFToken": csrfToken(),
        "Idempotency-Key": key || newKey(),
        "Accept": "application/json",
      },
      body: payload,
    });
  }

  // ---- the outbox (IndexedDB) --------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function store(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }
  const outbox = {
    add: (item) => store("readwrite", (s) => s.put(item)),
    remove: (id) => store("readwrite", (s) => s.delete(id)),
    all: async () => ((await store("readonly", (s) => s.getAll())) || []).sort((a, b) => a.createdAt - b.createdAt),
  };

  async function showPending() {
    let items = [];
    try { items = await outbox.all(); } catch (e) { items = []; }
    const badge = $("#fa-sync");
    if (badge) {
      badge.hidden = items.length === 0;
      const label = items.length === 1 ? badge.dataset.labelOne : (badge.dataset.labelMany || "").replace("%(count)s", items.length);
      $(".fa-sync-text", badge).textContent = label;
      badge.setAttribute("aria-label", label);
      badge.dataset.count = String(items.length);
    }
    const card = $("#fa-pending-card");
    const list = $("#fa-pending-list");
    if (card && list) {
      const mine = items.filter((item) => item.job === JOB);
      card.hidden = mine.length === 0;
      list.replaceChildren(...mine.map((item) => {
        const li = document.createElement("li");
        const what = document.createElement("span");
        what.textContent = `${t("kind_" + item.kind)}: ${item.label}`;
        const when = document.createElement("span");
        when.className = "fa-muted";
        when.textContent = item.error ? item.error : t("waiting");
        li.append(what, when);
        return li;
      }));
    }
    const offline = $("#fa-offline");
    if (offline) offline.hidden = navigator.onLine !== false;
    return items;
  }

  async function refreshActivity() {
    const target = $("#fa-activity");
    if (!target || !body.dataset.activity) return;
    try {
      const response = await fetch(body.dataset.activity, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) target.innerHTML = await response.text();
    } catch (e) { /* offline again: the next sync refreshes it */ }
  }

  /** Send what waits, oldest first. Stops at the first network failure; a refused action (4xx) is
   *  dropped with a message, since sending it again would be refused again. */
  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    try {
      const items = await outbox.all();
      for (const item of items) {
        let response;
        try {
          response = await post(item.url, item.body, item.id, item.contentType);
        } catch (e) {
          break; // no connection: keep everything, try again later
        }
        if (response.ok) {
          await outbox.remove(item.id);
          sent += 1;
          continue;
        }
        if (response.status === 401 || response.status >= 500
            || (response.status === 403 && (await response.clone().text()).includes("csrf_failed"))) {
          if (response.status === 401 || response.status === 403) toast(t("signin"), true);
          break; // the session or the server needs a moment: keep it
        }
        if (response.status === 409 && !item.refusedOn409) {
          break; // a ticket changed meanwhile: keep it
        }
        const message = await errorMessage(response);
        await outbox.remove(item.id);
        toast(t("refused", { what: t("kind_" + item.kind), message }), true);
      }
    } finally {
      flushing = false;
    }
    await showPending();
    if (sent) {
      toast(t("synced", { count: sent }));
      await refreshActivity();
      document.dispatchEvent(new CustomEvent("gongdan:synced", { detail: { count: sent } }));
    }
  }

  /** `extra` may give the item's id (the client id its body carries), its `job` (rounds: "round-<run>"),
   *  the stop it is about (`visit`) and `refusedOn409` (a round run finished meanwhile: sending again would be
   *  refused again). */
  async function enqueue(kind, url, payload, contentType, label, extra) {
    await outbox.add(Object.assign(
      { id: newKey(), job: JOB, kind, url, body: payload, contentType, label, createdAt: Date.now() }, extra || {}));
    await showPending();
    if (navigator.onLine === false) {
      toast(t("saved_offline"));
      return;
    }
    await flush();
    if ((await outbox.all()).some((item) => item.job === JOB)) toast(t("saved_offline"));
  }

  // ---- position ----------------------------------------------------------------------------------
  function locate() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) { resolve({ geo: "unavailable" }); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }),
        (error) => resolve({ geo: error && error.code === 1 ? "denied" : "unavailable" }),
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
      );
    });
  }

  // ---- photos: shrink on the phone ---------------------------------------------------------------
  const MAX_SIDE = 1600;
  async function shrink(file) {
    let source;
    try {
      source = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      source = await new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = reject;
        img.src = URL.createObjectURL(file);
      });
    }
    const width = source.naturalWidth || source.width;
    const height = source.naturalHeight || source.height;
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    if (source.close) source.close();
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  }

  // ---- job page ----------------------------------------------------------------------------------
  function wireJob() {
    const jobUrl = `/jobs/${encodeURIComponent(JOB)}`;

    document.querySelectorAll("form[data-queue]").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const kind = form.dataset.queue;
        if (kind === "note") {
          const text = form.elements.body.value.trim();
          if (!text) { toast(t("note_empty"), true); return; }
          const payload = JSON.stringify({ body: text, public: form.elements.public.checked });
          await enqueue("note", `${jobUrl}/notes`, payload, "application/json", text.slice(0, 60));
        } else if (kind === "time") {
          const minutes = Number(form.elements.minutes.value);
          if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) { toast(t("minutes_invalid"), true); return; }
          const note = form.elements.note.value.trim();
          await enqueue("time", `${jobUrl}/time`, JSON.stringify({ minutes, note }), "application/json",
            t("minutes", { count: minutes }) + (note ? ` · ${note.slice(0, 40)}` : ""));
        }
        form.reset();
      });
    });

    const photoInput = $('input[data-queue="photo"]');
    if (photoInput) {
      photoInput.addEventListener("change", async () => {
        const files = Array.from(photoInput.files || []);
        photoInput.value = "";
        for (const file of files) {
          let blob;
          try { blob = await shrink(file); } catch (e) { blob = null; }
          if (!blob) { toast(t("photo_failed"), true); continue; }
          const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          const sizeKb = Math.round(blob.size / 1024);
          await enqueue("photo", `${jobUrl}/photos?name=${encodeURIComponent(name)}`, blob, "image/jpeg", `${name} (${sizeKb} KB)`);
        }
      });
    }

    document.querySelectorAll("[data-action]").forEach((button) => {
      const action = button.dataset.action;
      if (!["accept", "start", "pause"].includes(action)) return;
      button.addEventListener("click", async () => {
        button.disabled = true;
        const original = button.textContent;
        button.textContent = t("working");
        let payload = "{}";
        let position = null;
        if (action !== "accept") {
          position = await locate();
          payload = JSON.stringify({ position });
        }
        try {
          const response = await post(`${jobUrl}/${action}`, payload);
          if (!response.ok) {
            toast(await errorMessage(response), true);
          } else {
            if (position && position.geo) sessionStorage.setItem("fa-geo-note", "1");
            window.location.reload();
            return;
          }
        } catch (e) {
          toast(t("needs_connection"), true);
        }
        button.disabled = false;
        button.textContent = original;
      });
    });
    if (sessionStorage.getItem("fa-geo-note")) {
      sessionStorage.removeItem("fa-geo-note");
      const note = $("#fa-geo-note");
      if (note) note.hidden = false;
    }
  }

  // ---- finish: signature pad ---------------------------------------------------------------------
  function wireFinish() {
    const form = $("#fa-finish");
    const canvas = $("#fa-signature");
    if (!form || !canvas) return;
    const context = canvas.getContext("2d");
    let drawing = false;
    let signed = false;
    function reset() {
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#14213d";
      signed = false;
    }
    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * (canvas.width / rect.width), (event.clientY - rect.top) * (canvas.height / rect.height)];
    }
    reset();
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + 0.1, y + 0.1);
      context.stroke();
      signed = true;
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      context.lineTo(x, y);
      context.stroke();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach((name) => canvas.addEventListener(name, () => { drawing = false; }));
    const clear = $('[data-action="clear-signature"]');
    if (clear) clear.addEventListener("click", reset);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      form.querySelectorAll("[data-error-for]").forEach((node) => { node.hidden = true; });
      const submit = $('button[type="submit"]', form);
      submit.disabled = true;
      const position = await locate();
      const payload = JSON.stringify({
        position,
        resolution: form.elements.resolution.value,
        signature: signed ? canvas.toDataURL("image/png") : "",
        signer_name: signed ? form.elements.signer_name.value : "",
      });
      try {
        const response = await post(`/jobs/${encodeURIComponent(JOB)}/finish`, payload);
        if (response.ok) {
          window.location.href = body.dataset.done;
          return;
        }
        let shown = false;
        try {
          const error = (await response.json()).error || {};
          Object.entries(error.details || {}).forEach(([field, messages]) => {
            const node = form.querySelector(`[data-error-for="${field === "note" ? "resolution" : field}"]`);
            if (node) { node.textContent = messages.join(" "); node.hidden = false; shown = true; }
          });
          if (!shown) {
            const node = form.querySelector('[data-error-for="form"]');
            node.textContent = error.message || response.statusText;
            node.hidden = false;
          }
        } catch (e) {
          toast(response.statusText, true);
        }
      } catch (e) {
        toast(t("needs_connection"), true);
      }
      submit.disabled = false;
    });
  }

  // ---- scan: camera + BarcodeDetector, typed code as the fallback ---------------------------------
  function wireScan() {
    const card = $("#fa-camera-card");
    const video = $("#fa-video");
    const canDetect = "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
    if (!canDetect) {
      const note = $("#fa-no-camera");
      if (note) note.hidden = false;
      return;
    }
    card.hidden = false;
    const button = $('[data-action="camera"]', card);
    button.addEventListener("click", async () => {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      } catch (e) {
        toast(t("camera_failed"), true);
        return;
      }
      button.hidden = true;
      video.srcObject = stream;
      await video.play();
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const tick = async () => {
        try {
          const codes = await detector.detect(video);
          if (codes.length && codes[0].rawValue) {
            stream.getTracks().forEach((track) => track.stop());
            window.location.href = `${window.location.pathname}?code=${encodeURIComponent(codes[0].rawValue)}`;
            return;
          }
        } catch (e) { /* a frame that could not be read */ }
        setTimeout(tick, 250);
      };
      tick();
    });
  }

  // ---- my jobs: position for the distance column ------------------------------------------------
  function wireJobs() {
    const button = $('[data-action="locate"]');
    if (!button) return;
    button.addEventListener("click", async () => {
      button.disabled = true;
      const position = await locate();
      if (position.geo) {
        toast(t("location_denied"), true);
        button.disabled = false;
        return;
      }
      try {
        const response = await post("/position", JSON.stringify({ position }));
        if (response.ok) { window.location.reload(); return; }
        toast(await errorMessage(response), true);
      } catch (e) {
        toast(t("needs_connection"), true);
      }
      button.disabled = false;
    });
  }

  // ---- for the other phone pages (rounds): the same outbox, the same photo shrinking ---------------
  window.gongdanOutbox = { enqueue, flush, all: () => outbox.all(), newKey, shrink, toast, t };

  // ---- start -------------------------------------------------------------------------------------
  const page = body.dataset.page;
  if (page === "job") wireJob();
  if (page === "finish") wireFinish();
  if (page === "scan") wireScan();
  if (page === "jobs") wireJobs();
  document.querySelectorAll('[data-action="sync"]').forEach((b) => b.addEventListener("click", flush));
  window.addEventListener("online", () => { showPending(); flush(); });
  window.addEventListener("offline", showPending);
  setInterval(async () => { if ((await showPending()).length && navigator.onLine !== false) flush(); }, 20000);
  if ("indexedDB" in window) showPending().then((items) => { if (items.length) flush(); });
})();
