// The service worker (public/sw.js) activates as soon as a new deploy installs it; the page
// then reloads once so that it runs the new bundle instead of a mix of old and new.
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register("/sw.js").catch((error: unknown) => console.warn("service worker", error));
}
