/* Gongdan field app service worker, served from /m/sw.js so it controls /m/ only.
 * The app shell (CSS, script, icon, offline page) is cached at install; pages are fetched from the
 * network first and kept, so a job opened once still opens without signal. POSTs are never touched:
 * the page's outbox (IndexedDB) holds what waits. */
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const SHELL_CACHE = `gongdan-field-shell-${VERSION}`;
const PAGE_CACHE = "gongdan-field-pages";
const OFFLINE_URL = SHELL[SHELL.length - 1];

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
      .catch(() => caches.match(request).then((hit) => hit || caches.match(OFFLINE_URL))),
  );
});
