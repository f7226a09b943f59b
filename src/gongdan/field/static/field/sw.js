/* Gongdan field app service worker, served from /m/sw.js so it controls /m/ only.
 * The app shell (CSS, script, icon, offline page) is cached at install; pages are fetched from the
 * network first and kept, so a job opened once still opens without signal. POSTs are never touched:
 * the page's outbox (IndexedDB) holds what waits.
 * The 3D models of the open jobs' assets and the viewer script are kept in their own cache: the page asks
 * for a sync ("sync-models"), the worker reads the list the server allows (bounded in size), fetches what
 * is missing and drops what is no longer listed; they are then answered from the cache first.
 * A round's pages (its stops) are fetched and kept when the round is opened ("cache-pages"), so the walk goes
 * on without signal; what is recorded meanwhile waits in the page's outbox. */
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const SHELL_CACHE = `gongdan-field-shell-${VERSION}`;
const PAGE_CACHE = "gongdan-field-pages";
const OFFLINE_URL = SHELL[SHELL.length - 1];
const MODEL_CACHE = "gongdan-field-models";
const MODELS_URL = __MODELS__;
const VIEWER_URL = __VIEWER__;

function syncModels() {
  return fetch(MODELS_URL, { credentials: "same-origin", cache: "no-store" })
    .then((response) => (response.ok && !response.redirected ? response.json() : null))
    .then((list) => {
      if (!list || !Array.isArray(list.urls)) return null;
      const wanted = new Set(list.urls.map((u) => new URL(u, self.location.origin).href));
      return caches.open(MODEL_CACHE).then((cache) => cache.keys().then((held) => Promise.all([
        ...held.filter((request) => !wanted.has(request.url)).map((request) => cache.delete(request)),
        ...[...wanted].map((u) => cache.match(u, { ignoreVary: true }).then((hit) => hit || fetch(u, { credentials: "same-origin" })
          .then((response) => (response.ok && !response.redirected ? cache.put(u, response) : null)))),
      ])));
    })
    .catch(() => null);
}

function isModelRequest(url) {
  return url.pathname === new URL(VIEWER_URL, self.location.origin).pathname || url.pathname.endsWith(".glb");
}

/** Keep pages the technician will need without signal (a round's stops, asked for when the round is
 *  opened): fetched now, stored as the network-first handler stores pages it serves. */
function cachePages(urls) {
  const scope = new URL(self.registration.scope).pathname;
  const wanted = (Array.isArray(urls) ? urls : []).slice(0, 200)
    .map((u) => new URL(u, self.location.origin))
    .filter((url) => url.origin === self.location.origin && url.pathname.startsWith(scope));
  return caches.open(PAGE_CACHE).then((cache) => Promise.all(wanted.map((url) =>
    fetch(url.href, { credentials: "same-origin", cache: "no-store" })
      .then((response) => (response.ok && !response.redirected ? cache.put(url.href, response) : null))
      .catch(() => null))));
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "cache-pages") {
    const done = cachePages(event.data.urls).then(() => {
      if (event.source) event.source.postMessage({ type: "pages-cached" });
    });
    event.waitUntil(done);
    return;
  }
  if (event.data && event.data.type === "sync-models") {
    const done = syncModels().then(() => {
      if (event.source) event.source.postMessage({ type: "models-synced" });
    });
    event.waitUntil(done);
  }
});

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("gongdan-field-shell-") && name !== SHELL_CACHE)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)));
    return;
  }
  if (isModelRequest(url)) {
    event.respondWith(
      caches.open(MODEL_CACHE)
        .then((cache) => cache.match(request, { ignoreVary: true }))
        .then((hit) => hit || fetch(request)),
    );
    return;
  }
  const scope = new URL(self.registration.scope).pathname;
  const isPage = request.mode === "navigate" || url.pathname.endsWith("/activity/");
  if (!isPage || !url.pathname.startsWith(scope) || url.pathname === `${scope}sw.js`) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === "basic" && !response.redirected) {
          const copy = response.clone();
          caches.open(PAGE_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreVary: true }).then((hit) => hit || caches.match(OFFLINE_URL))),
  );
});
