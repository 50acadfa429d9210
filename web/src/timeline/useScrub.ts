// Dragging the playhead on the ruler: shown at once here, written to the shared document (and
// this user's presence) at most every SCRUB_WRITE_MS, and exactly where it is let go.
import { useCallback, useEffect, useMemo, useState, type RefObject } from "react";
import type { TimelineStore } from "../store/timeline";
import { SCRUB_WRITE_MS } from "./geometry";
import { throttle } from "./throttle";

export function useScrub(store: TimelineStore, timeAt: RefObject<(clientX: number) => number>) {
  const [scrub, setScrub] = useState<number | null>(null);
  const write = useMemo(
    () =>
      throttle((playhead: number) => {
        store.setSelection({ playhead });
        store.setPresence({ playhead });
      }, SCRUB_WRITE_MS),
    [store],
  );
  useEffect(() => () => write.cancel(), [write]);

  const begin = useCallback(
    (event: React.PointerEvent) => {
      if (event.button !== 0) return;
      event.preventDefault();
      const at = (x: number) => timeAt.current(x);
      const move = (e: PointerEvent | React.PointerEvent) => {
        const t = at(e.clientX);
        setScrub(t);
        write(t);
      };
      const up = (e: PointerEvent) => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        move(e);
        write.flush();
        setScrub(null);
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
      move(event);
    },
    [timeAt, write],
  );

  return { scrub, begin };
}
