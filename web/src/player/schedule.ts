// What the player shows when: the topmost ready video clip under a time, the clip after it (to
// preload), frame stepping on the source's own frame grid, and the timeline's length. Pure
// functions of the document's clips, so they are tested without a browser.
import { localUrl } from "../assets/localFiles";
import type { Clip } from "../store/types";

export const DEFAULT_FPS = 24;
const SNAP = 1e-6; // frames: the server's timecode.SNAP (a float a hair off a frame is on it)
const MEDIA_URL = /^\/api\/projects\/([^/]+)\/media\/([0-9a-f]{64})$/;

/** The asset a clip's `cloudUrl` names (the server's own media URLs only). */
export function assetOf(clip: Clip): string | null {
  const found = clip.cloudUrl ? MEDIA_URL.exec(clip.cloudUrl) : null;
  return found?.[2] ?? null;
}

/** The browser proxy of an asset: H.264 MP4, index first, a keyframe every second. */
export function proxyUrl(project: string, sha: string): string {
  return `/api/projects/${encodeURIComponent(project)}/media/${sha}/proxy`;
}

/** The owner's own file of a local clip not yet on the server (seed 000: it plays at once for
 * its owner, before and while it uploads), from this tab's imports. */
export function localSource(clip: Clip): string | null {
  return clip.sourceType === "local" && assetOf(clip) === null ? (localUrl(clip.id) ?? null) : null;
}

/** Where the player reads a clip: the server's proxy of its asset, or this tab's local file. */
export function sourceOf(clip: Clip, project: string): string | null {
  const sha = assetOf(clip);
  return sha ? proxyUrl(project, sha) : localSource(clip);
}

/** A clip the player can draw: a ready video clip with media on the server, or a local clip
 * whose file this tab holds. */
export function playable(clip: Clip): boolean {
  if (clip.type !== "video") return false;
  return (clip.status === "ready" && assetOf(clip) !== null) || localSource(clip) !== null;
}

export function clipEnd(clip: Clip): number {
  return clip.startTime + clip.duration;
}

/** The topmost playable clip covering `t` (higher track index is on top), or null in a gap. */
export function clipAt(clips: readonly Clip[], t: number): Clip | null {
  let best: Clip | null = null;
  for (const clip of clips) {
    if (!playable(clip) || t < clip.startTime - 1e-9 || t >= clipEnd(clip) - 1e-9) continue;
    if (!best || clip.trackIndex > best.trackIndex) best = clip;
  }
  return best;
}

/** What shows next: the first clip other than the one at `t` that the picture cuts to (a clip
 * starting on a higher track, the one under the current one's end, or the next after a gap), and
 * when. Null when nothing follows. */
export function nextShown(clips: readonly Clip[], t: number): { clip: Clip; at: number } | null {
  const current = clipAt(clips, t);
  const times = new Set<number>();
  for (const clip of clips) {
    if (!playable(clip)) continue;
    if (clip.startTime > t + 1e-9) times.add(clip.startTime);
    if (clipEnd(clip) > t + 1e-9) times.add(clipEnd(clip));
  }
  for (const at of [...times].sort((x, y) => x - y)) {
    const clip = clipAt(clips, at);
    if (clip && clip.id !== current?.id) return { clip, at };
  }
  return null;
}

/** Seconds into the clip's source at timeline time `t`. */
export function localTime(clip: Clip, t: number): number {
  return t - clip.startTime + clip.trimStart;
}

/** A rate written as "24", "30000/1001" or "23.976"; the default when unknown. */
export function parseFps(value: unknown): number {
  if (typeof value === "number" && value > 0) return value;
  if (typeof value !== "string") return DEFAULT_FPS;
  const [num, den] = value.split("/");
  const rate = den === undefined ? Number(num) : Number(num) / Number(den);
  if (!Number.isFinite(rate) || rate <= 0) return DEFAULT_FPS;
  const ntsc: Record<string, number> = { "23.976": 24000 / 1001, "23.98": 24000 / 1001, "29.97": 30000 / 1001, "59.94": 60000 / 1001 };
  return ntsc[value] ?? rate;
}

/** The frame whose display interval holds `seconds` (the server's timecode.frame_at). */
export function frameAt(seconds: number, fps: number): number {
  const value = seconds * fps;
  const nearest = Math.round(value);
  return Math.abs(value - nearest) <= SNAP ? nearest : Math.floor(value);
}

export function fpsOf(clip: Clip | null): number {
  return clip ? parseFps(clip.sourceFps) : DEFAULT_FPS;
}

/** The start of the previous or next frame from `t`, on the grid of the clip under it (its
 * source frames), or of the default rate in a gap. Lands on a frame's start, as the server's
 * exact frame access counts frames. */
export function stepFrame(clips: readonly Clip[], t: number, direction: 1 | -1): number {
  const clip = clipAt(clips, t);
  if (!clip) {
    const frame = frameAt(t, DEFAULT_FPS) + direction;
    const next = Math.max(0, frame / DEFAULT_FPS);
    // Stepping back into a clip's end lands on its last frame, not on the gap's grid.
    if (direction < 0) {
      const before = clipAt(clips, next);
      if (before) return lastFrameStart(before);
    }
    return next;
  }
  const fps = fpsOf(clip);
  const origin = clip.startTime - clip.trimStart;
  const frame = frameAt(localTime(clip, t), fps) + direction;
  const next = origin + frame / fps;
  if (direction < 0 && next < clip.startTime - 1e-9) {
    const before = clipAt(clips, clip.startTime - 1e-6);
    return before ? lastFrameStart(before) : Math.max(0, clip.startTime - 1 / DEFAULT_FPS);
  }
  if (direction > 0 && next >= clipEnd(clip) - 1e-9) return clipEnd(clip);
  return Math.max(0, next);
}

function lastFrameStart(clip: Clip): number {
  const fps = fpsOf(clip);
  const origin = clip.startTime - clip.trimStart;
  const end = localTime(clip, clipEnd(clip));
  const last = Math.ceil(end * fps - SNAP) - 1;
  return Math.max(clip.startTime, origin + last / fps);
}

/** Where the timeline's video ends (what "the end" of playback is). */
export function timelineEnd(clips: readonly Clip[]): number {
  let end = 0;
  for (const clip of clips) end = Math.max(end, clipEnd(clip));
  return end;
}

/** `HH:MM:SS:FF` at `fps` (non-drop), for the time display. */
export function timecode(seconds: number, fps: number): string {
  const nominal = Math.ceil(fps - 1e-9);
  const frame = frameAt(Math.max(0, seconds), fps);
  const ff = frame % nominal;
  const total = Math.floor(frame / nominal);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}:${pad(ff)}`;
}

/** The largest rectangle with the source's aspect inside the frame, centred (letterbox). */
export function fit(width: number, height: number, boxW: number, boxH: number): [number, number, number, number] {
  if (width <= 0 || height <= 0) return [0, 0, boxW, boxH];
  const scale = Math.min(boxW / width, boxH / height);
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  return [Math.round((boxW - w) / 2), Math.round((boxH - h) / 2), w, h];
}
