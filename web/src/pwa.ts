// The service worker (public/sw.js) activates as soon as a new deploy installs it; the page
// then reloads once so that it runs the new bundle instead of a mix of old and new. The first
// worker ever taking control (a first visit) is not a new deploy: no reload then.
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  let controller = navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    const replaced = controller !== null;
    controller = navigator.serviceWorker.controller;
    if (!replaced || reloading) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register("/sw.js").catch((error: unknown) => console.warn("service worker", error));
}
