import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { manageDialogFocus, nextInside, topDialog } from "./focus";

// jsdom lays nothing out: every element counts as shown here.
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "getClientRects").mockReturnValue([{}] as unknown as DOMRectList);
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

function page() {
  document.body.innerHTML = `
    <button id="opener">Save</button>
    <div role="dialog" aria-modal="true" id="d">
      <input id="name" /><button id="cancel">Cancel</button><button id="ok">Save</button>
    </div>`;
  const get = (id: string) => document.getElementById(id) as HTMLElement;
  return { get, dialog: get("d") };
}

describe("dialog focus", () => {
  it("wraps Tab and Shift+Tab inside the topmost dialog", () => {
    const { get, dialog } = page();
    expect(topDialog()).toBe(dialog);
    expect(nextInside(dialog, get("ok"), false)).toBe(get("name"));
    expect(nextInside(dialog, get("name"), true)).toBe(get("ok"));
    expect(nextInside(dialog, get("cancel"), false)).toBeNull(); // the browser moves on inside
    expect(nextInside(dialog, get("opener"), false)).toBe(get("name")); // focus outside comes back in
  });

  it("gives focus back to the opener when a dialog closes", async () => {
    const { get, dialog } = page();
    dialog.remove();
    const stop = manageDialogFocus();
    get("opener").focus();
    document.body.append(dialog);
    get("name").focus();
    await Promise.resolve();
    dialog.remove();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.activeElement).toBe(get("opener"));
    stop();
  });

  it("keeps a Tab press inside the dialog", () => {
    const { get } = page();
    const stop = manageDialogFocus();
    get("ok").focus();
    const press = new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true });
    get("ok").dispatchEvent(press);
    expect(press.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(get("name"));
    stop();
  });
});
