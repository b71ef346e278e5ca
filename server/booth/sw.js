// The booth's service worker: it caches the app shell ONLY (the files listed below, fixed at build time), so the
// booth opens without a network and installs as an app. It never caches an API response: RPCs are POSTs to
// /linli.v1.*/…, which pass straight through, and anything not in the shell goes to the network untouched.
const VERSION = "596c9362b22fd673";
const SHELL = ["app.js","icons/icon-192.png","icons/icon-512.png","icons/icon.svg","icons/maskable-512.png","index.html","manifest.webmanifest","styles.css","worker.js"];
const CACHE = `linli-booth-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("linli-booth-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // every RPC: the network, never a cache
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  let path = url.pathname.slice(scope.pathname.length);
  if (path === "") path = "index.html";
  if (!SHELL.includes(path)) return;
  // The shell: from the cache of this version (it is immutable per version), the network if it is missing.
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(path).then((hit) => hit || fetch(request))));
});
