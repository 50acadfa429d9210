// Dragging clips: moving a clip (its linked group follows) or trimming one edge. While dragging,
// the page previews the result (snapped, clamped as the server would); on release it sends one
// command and keeps the preview until the server answers: accepted, the document already holds
// the move; refused, the clips snap back and the reason is shown.
import { useCallback, useRef, useState, type RefObject } from "react";
import type { TimelineStore } from "../store/timeline";
import type { Clip, Command, TimelineSnapshot } from "../store/types";
import { DRAG_THRESHOLD, ROW_HEIGHT } from "./geometry";
import { clampTrim, linkedGroup, previewGroupMove, type Trim } from "./group";
import { trackDeltaOf } from "./rows";
import { nearestTarget, snapDelta, snapTargets, snapTime } from "./snapping";

export type DragMode = "move" | "start" | "end";

export interface DragPreview {
  mode: DragMode;
  clipId: string;
  members: ReadonlySet<string>;
  delta: number;
  trackDelta: number;
  trim: Trim | null;
  refused: string | null;
  snap: number | null; // the time an edge snapped to (drawn as a guide)
  committing: boolean;
}

interface Options {
  store: TimelineStore;
  timeline: RefObject<TimelineSnapshot>;
  pps: RefObject<number>;
  playhead: RefObject<number>;
  snapping: RefObject<boolean>;
  onRefused: (reason: string) => void;
}

export function useClipDrag({ store, timeline, pps, playhead, snapping, onRefused }: Options) {
  const [preview, setPreview] = useState<DragPreview | null>(null);
  const active = useRef(false);

  const begin = useCallback(
    (event: PointerEvent | React.PointerEvent, clip: Clip, mode: DragMode) => {
      if (active.current || event.button !== 0) return;
      active.current = true;
      const snapshot = timeline.current;
      const members = mode === "move" ? linkedGroup(snapshot.clips, snapshot.byId, clip.id) : new Set([clip.id]);
      const targets = snapTargets(snapshot.clips, playhead.current, members);
      const edges = [...members].flatMap((id) => {
        const c = snapshot.byId.get(id);
        return c ? [c.startTime, c.startTime + c.duration] : [];
      });
      const x0 = event.clientX;
      const y0 = event.clientY;
      let moved = false;
      let latest: DragPreview | null = null;
      let frame = 0;
      let pointer = { x: x0, y: y0 };

      const compute = (): DragPreview => {
        const scale = pps.current;
        const dx = pointer.x - x0;
        const snap = snapping.current;
        if (mode === "move") {
          const raw = dx / scale;
          const delta = snap ? snapDelta(targets, edges, raw, scale) : raw;
          const rows = Math.round((pointer.y - y0) / ROW_HEIGHT);
          const move = previewGroupMove(timeline.current, members, delta, trackDeltaOf(clip.type, rows));
          const snappedTo = delta !== raw ? edges.map((e) => nearestTarget(targets, e + move.delta, scale, 0.5)).find((t) => t !== null) ?? null : null;
          return { mode, clipId: clip.id, members, ...move, trim: null, snap: snappedTo, committing: false };
        }
        const edge = mode === "start" ? clip.startTime : clip.startTime + clip.duration;
        const raw = edge + dx / scale;
        const to = snap ? snapTime(targets, raw, scale) : raw;
        const trim = clampTrim(clip, mode, to);
        return { mode, clipId: clip.id, members, delta: 0, trackDelta: 0, trim, refused: null, snap: to !== raw ? to : null, committing: false };
      };

      const onMove = (e: PointerEvent) => {
        pointer = { x: e.clientX, y: e.clientY };
        if (!moved && Math.hypot(pointer.x - x0, pointer.y - y0) < DRAG_THRESHOLD) return;
        if (!moved) {
          moved = true;
          store.setPresence({ dragging: [...members] });
        }
        if (!frame) {
          frame = requestAnimationFrame(() => {
            frame = 0;
            latest = compute();
            setPreview(latest);
          });
        }
      };

      const onUp = () => {
        window.removeEventListener("pointermove", onMove);
        window.removeEventListener("pointerup", onUp);
        window.removeEventListener("pointercancel", onUp);
        cancelAnimationFrame(frame);
        active.current = false;
        if (!moved) return;
        store.setPresence({ dragging: [] });
        const final = compute();
        const command = commandFor(clip, final);
        if (!command) {
          setPreview(null);
          return;
        }
        setPreview({ ...final, committing: true });
        void store.command(command).then((answer) => {
          setPreview(null);
          if (!answer.ok) onRefused(answer.error);
        });
      };

      window.addEventListener("pointermove", onMove);
      window.addEventListener("pointerup", onUp);
      window.addEventListener("pointercancel", onUp);
    },
    [store, timeline, pps, playhead, snapping, onRefused],
  );

  return { preview, begin };
}

/** The one command a finished drag sends (null when it ends where it started). */
export function commandFor(clip: Clip, drag: DragPreview): Command | null {
  if (drag.mode === "move") {
    if (Math.abs(drag.delta) < 1e-9 && drag.trackDelta === 0) return null;
    // Relative, as previewed: the server clamps and checks the whole group the same way.
    return { op: "move", clipId: clip.id, delta: drag.delta, trackDelta: drag.trackDelta };
  }
  const trim = drag.trim;
  if (!trim) return null;
  const to = drag.mode === "start" ? trim.start : trim.start + trim.duration;
  const from = drag.mode === "start" ? clip.startTime : clip.startTime + clip.duration;
  return Math.abs(to - from) < 1e-9 ? null : { op: "trim", clipId: clip.id, edge: drag.mode, to };
}
