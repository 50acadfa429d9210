// The editor's keys, on the whole page (not while typing in a field).
import { useEffect, useRef } from "react";
import { actionFor, isKeyboardButton, isTextField, type Action } from "./keymap";

export function useShortcuts(perform: (action: Action) => void): void {
  const latest = useRef(perform);
  useEffect(() => {
    latest.current = perform;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTextField(event.target)) return;
      const action = actionFor(event);
      if (!action) return;
      if ((event.key === " " || event.key === "Enter") && isKeyboardButton(event.target)) return;
      if (event.target instanceof Element && event.target.closest("[role=dialog]")) return; // a modal's own keys
      event.preventDefault();
      latest.current(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
