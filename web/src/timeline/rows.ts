// Track rows top to bottom, as NLEs stack them: the highest video track on top, V1 just above
// the audio, then A1, A2… downwards.
import type { TimelineSnapshot, TrackKind } from "../store/types";

export interface Row {
  kind: TrackKind;
  index: number; // trackIndex within its kind
  id: string;
  name: string;
}

export function rowsOf(timeline: Pick<TimelineSnapshot, "tracks" | "audioTracks">): Row[] {
  const video = timeline.tracks.map((t, index) => ({ kind: "video" as const, index, id: t.id, name: t.name })).reverse();
  const audio = timeline.audioTracks.map((t, index) => ({ kind: "audio" as const, index, id: t.id, name: t.name }));
  return [...video, ...audio];
}

/** The row (0 = top) a clip of `kind` on `trackIndex` sits in. */
export function rowOf(videoCount: number, kind: TrackKind, trackIndex: number): number {
  return kind === "video" ? videoCount - 1 - trackIndex : videoCount + trackIndex;
}

/** How many tracks a vertical drag of `rowsMoved` rows (down is positive) moves a clip of `kind`. */
export function trackDeltaOf(kind: TrackKind, rowsMoved: number): number {
  return kind === "video" ? -rowsMoved : rowsMoved;
}
