import { describe, expect, it } from "vitest";
import { actionFor, isTextField } from "./keymap";
import { throttle } from "./throttle";

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
  actionFor({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe("keys", () => {
  it("maps the editor's keys", () => {
    expect(press(" ")).toBe("toggle");
    expect(press("I")).toBe("markIn");
    expect(press("o")).toBe("markOut");
    expect([press("j"), press("k"), press("l")]).toEqual(["shuttleBack", "stop", "shuttleForward"]);
    expect(press("ArrowRight")).toBe("nextFrame");
    expect(press("Backspace")).toBe("delete");
    expect(press("s")).toBe("split");
    expect(press("z", { metaKey: true })).toBe("undo");
    expect(press("Z", { ctrlKey: true, shiftKey: true })).toBe("redo");
    expect(press("s", { ctrlKey: true })).toBeNull(); // the browser's save stays the browser's
    expect([press(","), press("."), press("<", { shiftKey: true }), press(">", { shiftKey: true })]).toEqual([
      "nudgeBack",
      "nudgeForward",
      "nudgeBackMore",
      "nudgeForwardMore",
    ]);
  });

  it("leaves text fields alone", () => {
    const input = document.createElement("input");
    expect(isTextField(input)).toBe(true);
    input.type = "checkbox";
    expect(isTextField(input)).toBe(false);
    expect(isTextField(document.createElement("textarea"))).toBe(true);
    expect(isTextField(document.createElement("div"))).toBe(false);
  });
});

describe("throttle", () => {
  it("writes at most once per interval and always the last value", () => {
    let now = 0;
    const seen: number[] = [];
    const write = throttle((v: number) => seen.push(v), 50, () => now);
    write(1);
    write(2);
    write(3);
    expect(seen).toEqual([1]);
    write.flush();
    expect(seen).toEqual([1, 3]);
    now = 100;
    write(4);
    expect(seen).toEqual([1, 3, 4]);
  });
});
