// What the server makes from a clip's media for the timeline (src/shotline/studio/routes/media.py):
// a JPEG strip of frames and waveform peaks. The page never decodes whole files.
import type { Clip } from "../store/types";

const MEDIA_URL = /\/api\/projects\/([^/]+)\/media\/([0-9a-f]{64})/;

export interface MediaRef {
  project: string;
  sha: string;
}

/** The asset a clip's cloudUrl names (null for local files and anything that is not ours). */
export function mediaOf(clip: Pick<Clip, "cloudUrl">): MediaRef | null {
  const found = clip.cloudUrl ? MEDIA_URL.exec(clip.cloudUrl) : null;
  return found?.[1] && found[2] ? { project: found[1], sha: found[2] } : null;
}

export const THUMB_HEIGHT = 72;

/** Frames in a clip's strip: about four a second of source, 2 to 60. */
export function stripCount(sourceDuration: number): number {
  return Math.min(60, Math.max(2, Math.ceil(sourceDuration * 4)));
}

export function thumbnailsUrl(ref: MediaRef, count: number): string {
  return `/api/projects/${ref.project}/media/${ref.sha}/thumbnails?count=${count}&height=${THUMB_HEIGHT}`;
}

/** The strip frame that shows source time `t` (frames sit in the middle of equal slices). */
export function frameIndex(t: number, sourceDuration: number, count: number): number {
  return Math.min(count - 1, Math.max(0, Math.floor((t / Math.max(sourceDuration, 1e-9)) * count)));
}

export type Peaks = [number, number][];
const BUCKETS = 1000;
const peaksCache = new Map<string, Promise<Peaks>>();

/** Waveform peaks (min, max per bucket, -1..1; empty without audio), fetched once per asset. */
export function waveform(ref: MediaRef): Promise<Peaks> {
  let found = peaksCache.get(ref.sha);
  if (!found) {
    found = fetch(`/api/projects/${ref.project}/media/${ref.sha}/waveform?buckets=${BUCKETS}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? (r.json() as Promise<{ peaks: Peaks }>) : { peaks: [] }))
      .then((body) => body.peaks)
      .catch(() => []);
    peaksCache.set(ref.sha, found);
  }
  return found;
}

/** An SVG path of the peaks over a 0..`width` × -1..1 box (drawn stretched to the source length). */
export function peaksPath(peaks: Peaks, width = peaks.length): string {
  if (!peaks.length) return "";
  const step = width / peaks.length;
  const top = peaks.map(([, max], i) => `${(i * step).toFixed(2)},${(-max).toFixed(3)}`);
  const bottom = peaks.map(([min], i) => `${(i * step).toFixed(2)},${(-min).toFixed(3)}`).reverse();
  return `M${top.join("L")}L${bottom.join("L")}Z`;
}
