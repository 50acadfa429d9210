// Time ↔ pixel mapping of the track area: `pps` pixels per second, scrolled by `scrollLeft`
// pixels (content coordinates start at time 0).
export interface Viewport {
  pps: number;
  scrollLeft: number;
  width: number; // visible width of the track area, pixels
}

export const MIN_PPS = 0.5;
export const MAX_PPS = 2000;
export const ZOOM_STEP = 1.5;

export function timeToX(view: Viewport, time: number): number {
  return time * view.pps - view.scrollLeft;
}

export function xToTime(view: Viewport, x: number): number {
  return Math.max(0, (x + view.scrollLeft) / view.pps);
}

export function clampPps(pps: number): number {
  return Math.min(MAX_PPS, Math.max(MIN_PPS, pps));
}

/** Zoom to `pps` keeping the time under `anchorX` (a visible x) where it is. */
export function zoomAt(view: Viewport, pps: number, anchorX: number): Viewport {
  const next = clampPps(pps);
  const anchorTime = (anchorX + view.scrollLeft) / view.pps;
  return { ...view, pps: next, scrollLeft: Math.max(0, anchorTime * next - anchorX) };
}

/** The zoom that shows `duration` seconds in the visible width. */
export function fitPps(duration: number, width: number): number {
  return clampPps(width / Math.max(duration, 1));
}

/** The visible time range [start, end). */
export function visibleRange(view: Viewport): [number, number] {
  return [view.scrollLeft / view.pps, (view.scrollLeft + view.width) / view.pps];
}

/** A scrollLeft that keeps `time` inside the view with `margin` pixels to spare. */
export function revealTime(view: Viewport, time: number, margin = 40): number {
  const x = time * view.pps;
  if (x < view.scrollLeft + margin) return Math.max(0, x - margin);
  if (x > view.scrollLeft + view.width - margin) return x - view.width + margin;
  return view.scrollLeft;
}

/** Ruler tick spacing (seconds) so labelled ticks are at least `minPx` apart. */
export function tickStep(pps: number, minPx = 80): number {
  const steps = [1 / 24, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((s) => s * pps >= minPx) ?? 3600;
}

/** "m:ss" or "m:ss.f" for ruler labels. */
export function rulerLabel(time: number, step: number): string {
  const minutes = Math.floor(time / 60);
  const seconds = time - minutes * 60;
  const text = step < 1 ? seconds.toFixed(step < 0.1 ? 2 : 1).padStart(step < 0.1 ? 5 : 4, "0") : String(Math.round(seconds)).padStart(2, "0");
  return `${minutes}:${text}`;
}

/**
 * A zoom gesture previewed without re-laying out the clips: the track layer, still drawn at
 * `base` (and still scrolled to base.scrollLeft), is scaled and shifted so every time lands
 * where `target` puts it. Committed (real zoom, crisp again) when the gesture pauses.
 */
export function gestureTransform(base: Viewport, target: Viewport): { shift: number; scale: number } {
  const scale = target.pps / base.pps;
  return { shift: base.scrollLeft - target.scrollLeft, scale };
}
