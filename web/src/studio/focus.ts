// Keyboard focus around modal dialogs, for every dialog of the studio at once (the asset
// dialogs, the film wizard, the credits dialog): Tab and Shift+Tab stay inside the topmost open
// `[role=dialog][aria-modal=true]`, and when a dialog closes with focus left on nothing, focus
// goes back to the control that had it before the dialog opened (its opener).

const TABBABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "[tabindex]:not([tabindex='-1'])",
].join(", ");

function visible(el: HTMLElement): boolean {
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
}

/** The controls Tab visits inside `root`, in order. */
export function tabbables(root: Element): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => el.tabIndex >= 0 && visible(el));
}

/** The dialog on top (the last one in the document), if one is open. */
export function topDialog(doc: Document = document): HTMLElement | null {
  const open = [...doc.querySelectorAll<HTMLElement>("[role=dialog][aria-modal=true]")].filter(visible);
  return open.at(-1) ?? null;
}

/** Where Tab (or Shift+Tab) from `active` goes inside `dialog`: null to let the browser move. */
export function nextInside(dialog: HTMLElement, active: Element | null, backwards: boolean): HTMLElement | null {
  const order = tabbables(dialog);
  const first = order[0];
  const last = order.at(-1);
  if (!first || !last) return dialog; // nothing to visit: focus stays on the dialog itself
  if (!active || !dialog.contains(active)) return backwards ? last : first;
  if (backwards && active === first) return last;
  if (!backwards && active === last) return first;
  if (active === dialog) return backwards ? last : first;
  return null;
}

/** Installs the trap and the return of focus; returns the uninstaller. */
export function manageDialogFocus(doc: Document = document): () => void {
  let opener: HTMLElement | null = null; // the last control focused outside every dialog
  let wasOpen = false;

  const onFocusIn = (event: FocusEvent) => {
    const target = event.target;
    if (target instanceof HTMLElement && !target.closest("[role=dialog]")) opener = target;
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== "Tab" || event.defaultPrevented) return;
    const dialog = topDialog(doc);
    if (!dialog) return;
    const next = nextInside(dialog, doc.activeElement, event.shiftKey);
    if (!next) return;
    event.preventDefault();
    next.focus();
  };
  const observer = new MutationObserver(() => {
    const open = topDialog(doc) !== null;
    if (wasOpen && !open) {
      const lost = !doc.activeElement || doc.activeElement === doc.body;
      if (lost && opener?.isConnected) opener.focus();
    }
    wasOpen = open;
  });
  doc.addEventListener("focusin", onFocusIn);
  doc.addEventListener("keydown", onKey);
  observer.observe(doc.body, { childList: true, subtree: true });
  return () => {
    doc.removeEventListener("focusin", onFocusIn);
    doc.removeEventListener("keydown", onKey);
    observer.disconnect();
  };
}
