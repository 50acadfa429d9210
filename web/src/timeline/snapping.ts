// Snapping: a dragged edge (or a moving clip's either edge) jumps to the nearest clip edge or the
// playhead when it comes within `thresholdPx` pixels of it.
import type { Clip } from "../store/types";

export const SNAP_PX = 8;

/** Every clip edge except those of `exclude` (the clips being dragged), and the playhead. */
export function snapTargets(clips: readonly Clip[], playhead: number, exclude: ReadonlySet<string>): number[] {
  const targets = [playhead];
  for (const clip of clips) {
    if (exclude.has(clip.id)) continue;
    targets.push(clip.startTime, clip.startTime + clip.duration);
  }
  return targets.sort((a, b) => a - b);
}

/** The target nearest to `time` within `thresholdPx` at `pps`, or null. `targets` are sorted. */
export function nearestTarget(targets: readonly number[], time: number, pps: number, thresholdPx = SNAP_PX): number | null {
  let lo = 0;
  let hi = targets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((targets[mid] ?? 0) < time) lo = mid + 1;
    else hi = mid;
  }
  let best: number | null = null;
  for (const i of [lo - 1, lo]) {
    const target = targets[i];
    if (target === undefined) continue;
    if (Math.abs(target - time) * pps <= thresholdPx && (best === null || Math.abs(target - time) < Math.abs(best - time))) best = target;
  }
  return best;
}

/** Snap one edge: the snapped time (unchanged when nothing is near). */
export function snapTime(targets: readonly number[], time: number, pps: number, thresholdPx = SNAP_PX): number {
  return nearestTarget(targets, time, pps, thresholdPx) ?? time;
}

/**
 * Snap a move by `delta` of a span of edges (the group's starts and ends): the correction of
 * whichever edge lands nearest to a target, so the whole group keeps its shape.
 */
export function snapDelta(targets: readonly number[], edges: readonly number[], delta: number, pps: number, thresholdPx = SNAP_PX): number {
  let best: number | null = null;
  for (const edge of edges) {
    const moved = edge + delta;
    const target = nearestTarget(targets, moved, pps, thresholdPx);
    if (target !== null && (best === null || Math.abs(target - moved) < Math.abs(best))) best = target - moved;
  }
  return best === null ? delta : delta + best;
}
