// Frame stepping: the clip under the playhead sets the frame grid (its source rate, its frames
// aligned to where its source starts); a gap uses 24 fps from time 0.
import type { Clip } from "../store/types";

export const DEFAULT_FPS = 24;
const EPS = 1e-6;

/** "24000/1001", "25" or "29.97" → frames per second (null when unreadable). */
export function parseFps(rate: string | undefined): number | null {
  if (!rate) return null;
  const [num, den] = rate.split("/");
  const value = Number(num) / (den === undefined ? 1 : Number(den));
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** The clip at `time` on the highest video track, else any clip there (audio). */
export function clipAt(clips: readonly Clip[], time: number): Clip | undefined {
  let best: Clip | undefined;
  for (const clip of clips) {
    if (clip.startTime > time + EPS) break; // clips are sorted by start
    if (time + EPS < clip.startTime || time >= clip.startTime + clip.duration - EPS) continue;
    if (!best) best = clip;
    else if (clip.type === "video" && (best.type !== "video" || clip.trackIndex > best.trackIndex)) best = clip;
  }
  return best;
}

/** The playhead one frame before (-1) or after (+1) `time`, on the grid of the clip there. */
export function stepFrame(clips: readonly Clip[], time: number, direction: -1 | 1): number {
  const clip = clipAt(clips, time);
  const fps = parseFps(clip?.sourceFps) ?? DEFAULT_FPS;
  const origin = clip ? clip.startTime - clip.trimStart : 0;
  const frame = Math.round((time - origin) * fps);
  return Math.max(0, origin + (frame + direction) / fps);
}

/** "hh:mm:ss:ff" at `fps` (rounded to whole frames per second for the frame field). */
export function timecode(time: number, fps = DEFAULT_FPS): string {
  const whole = Math.round(fps);
  const total = Math.round(time * fps);
  const frames = total % whole;
  const seconds = Math.floor(total / whole);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}:${pad(frames)}`;
}
