// Importing a file from this device: the browser reads its length and size (the file never
// leaves the machine), the server puts a local clip on the timeline for everyone (a placeholder
// with owner, name and duration), and this tab keeps the file to play it at once.
import { api, call } from "../api/client";
import type { Clip, TrackKind } from "../store/types";
import { rememberLocal } from "./localFiles";

export interface Probe {
  duration: number;
  width: number | null;
  height: number | null;
  hasVideo: boolean;
}

/** What a media element learns from the file's header. Rejects with a sentence. */
export function probe(url: string, timeoutMs = 15_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const video = document.createElement("video");
    video.preload = "metadata";
    video.muted = true;
    const timer = setTimeout(() => done(new Error("the file's length could not be read in time")), timeoutMs);
    const done = (result: Probe | Error) => {
      clearTimeout(timer);
      video.removeAttribute("src");
      video.load();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    video.onloadedmetadata = () => {
      const duration = video.duration;
      if (!Number.isFinite(duration) || duration <= 0) {
        done(new Error("this browser cannot read the file's length: is it a video or audio file?"));
        return;
      }
      const hasVideo = video.videoWidth > 0;
      done({ duration, width: hasVideo ? video.videoWidth : null, height: hasVideo ? video.videoHeight : null, hasVideo });
    };
    video.onerror = () => done(new Error("this browser cannot play the file: is it a video or audio file?"));
    video.src = url;
  });
}

/** Where an imported clip goes: after everything on V1, or on A1 for an audio file (an editor's append). */
export function appendPoint(clips: readonly Clip[], kind: TrackKind = "video", trackIndex = 0): number {
  let end = 0;
  for (const clip of clips) {
    if (clip.type === kind && clip.trackIndex === trackIndex) end = Math.max(end, clip.startTime + clip.duration);
  }
  return Math.round(end * 1000) / 1000;
}

/** Probes the file, then puts it after the clips of its track (`clips` read once the kind is known). */
export async function importLocalFile(project: string, file: File, clips: () => readonly Clip[]): Promise<string> {
  const probeUrl = URL.createObjectURL(file);
  let found: Probe;
  try {
    found = await probe(probeUrl);
  } finally {
    URL.revokeObjectURL(probeUrl);
  }
  const kind: TrackKind = found.hasVideo ? "video" : "audio"; // no video stream: an audio clip on A1
  const created = await call(
    api.POST("/api/projects/{project}/local-clips", {
      params: { path: { project } },
      body: {
        filename: file.name,
        duration: Math.round(found.duration * 1000) / 1000,
        startTime: appendPoint(clips(), kind),
        trackIndex: 0,
        type: kind,
        hasAudio: true, // metadata does not say in every browser; camera files nearly always have sound
        width: found.width,
        height: found.height,
      },
    }),
  );
  rememberLocal(created.clip_id, file);
  return created.clip_id;
}
