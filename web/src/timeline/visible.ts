// Virtualisation: only the clips in (or near) the visible time range are rendered. Clips on one
// track never overlap, so sorted by start they are sorted by end too: a binary search finds the
// first one that reaches into the range.
import type { Clip } from "../store/types";

export type Lanes = Map<string, Clip[]>; // "video:0" → that track's clips by start

export function laneKey(kind: string, index: number): string {
  return `${kind}:${index}`;
}

/** Clips grouped by track, each lane in start order (the snapshot's clips are sorted). */
export function lanesOf(clips: readonly Clip[]): Lanes {
  const lanes: Lanes = new Map();
  for (const clip of clips) {
    const key = laneKey(clip.type, clip.trackIndex);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = []));
    lane.push(clip);
  }
  return lanes;
}

/** The clips of every lane that overlap [start, end). */
export function clipsInRange(lanes: Lanes, start: number, end: number): Clip[] {
  const found: Clip[] = [];
  for (const lane of lanes.values()) {
    let lo = 0;
    let hi = lane.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const clip = lane[mid];
      if (clip && clip.startTime + clip.duration <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < lane.length; i++) {
      const clip = lane[i];
      if (!clip || clip.startTime >= end) break;
      found.push(clip);
    }
  }
  return found;
}

export interface Window {
  start: number;
  end: number;
}

/** Whether the rendered `window` still covers the visible range without being far too wide. */
export function covers(window: Window, start: number, end: number): boolean {
  const span = end - start;
  return window.start <= start && window.end >= end && window.end - window.start <= span * 5;
}

/** The window to render for a visible range: one visible width of margin on each side. */
export function windowFor(start: number, end: number): Window {
  const span = end - start;
  return { start: Math.max(0, start - span), end: end + span };
}
