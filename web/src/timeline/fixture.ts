// Test clips (used by the Vitest files only).
import type { Clip } from "../store/types";

export function clip(id: string, startTime: number, duration: number, extra: Partial<Clip> = {}): Clip {
  return {
    id, name: id, type: "video", startTime, duration, trackIndex: 0, trimStart: 0, sourceType: "cloud",
    cloudUrl: null, linkedClipIds: [], status: "ready", hasAudio: false, ...extra,
  };
}
