// The keys an editor expects, as actions (the hook in useShortcuts performs them).
export type Action =
  | "toggle"
  | "markIn"
  | "markOut"
  | "shuttleBack"
  | "stop"
  | "shuttleForward"
  | "previousFrame"
  | "nextFrame"
  | "undo"
  | "redo"
  | "delete"
  | "split"
  | "zoomIn"
  | "zoomOut"
  | "zoomFit"
  | "deselect"
  | "nudgeBack"
  | "nudgeForward"
  | "nudgeBackMore"
  | "nudgeForwardMore";

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function actionFor(press: KeyPress): Action | null {
  const command = press.ctrlKey || press.metaKey;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (command) {
    if (key === "z") return press.shiftKey ? "redo" : "undo";
    if (key === "y") return "redo";
    return null;
  }
  if (press.altKey) return null;
  switch (key) {
    case " ":
      return "toggle";
    case "i":
      return "markIn";
    case "o":
      return "markOut";
    case "j":
      return "shuttleBack";
    case "k":
      return "stop";
    case "l":
      return "shuttleForward";
    case "ArrowLeft":
      return "previousFrame";
    case "ArrowRight":
      return "nextFrame";
    case "Delete":
    case "Backspace":
      return "delete";
    case "s":
      return "split";
    case "=":
    case "+":
      return "zoomIn";
    case "-":
    case "_":
      return "zoomOut";
    case "\\":
      return "zoomFit";
    case "Escape":
      return "deselect";
    case ",":
      return "nudgeBack";
    case ".":
      return "nudgeForward";
    case "<":
      return "nudgeBackMore";
    case ">":
      return "nudgeForwardMore";
    default:
      return null;
  }
}

/** Typing in a field keeps its keys: no shortcut fires there. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "range", "submit", "reset", "color", "file"].includes(target.type);
  }
  return false;
}

/** Space and Enter on a button reached with the keyboard press that button, not the transport. */
export function isKeyboardButton(target: EventTarget | null): boolean {
  return target instanceof HTMLButtonElement && target.matches(":focus-visible");
}
