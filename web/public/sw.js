// shotline's service worker: takes over at once on a new deploy (skipWaiting + claim) and keeps
// the app shell for offline start. API calls, sockets and media always go to the network.
const CACHE = "shotline-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(["/", "/manifest.webmanifest", "/icon.svg"])));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/yjs/")) return;
  if (event.request.mode === "navigate") {
    // Network first: a new deploy's index.html wins; the cached shell only when offline.
    event.respondWith(fetch(event.request).catch(() => caches.match("/")));
    return;
  }
  if (url.pathname.startsWith("/assets/") && !url.pathname.endsWith(".wasm")) {
    // Hashed file names never change content: cache first. The 32 MB ffmpeg core stays in the
    // HTTP cache only (it loads on the first large upload, not at start).
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then((response) => {
            const copy = response.clone();
            if (response.ok) caches.open(CACHE).then((cache) => cache.put(event.request, copy));
            return response;
          }),
      ),
    );
  }
});
