// What the player hears when: as in an editor, the picture is the topmost video clip but the sound
// is every audible clip under the playhead (audio-track clips and video clips with sound, covered
// or not). The picture's decoder plays its own clip's sound; the mixer plays the others. Pure
// functions of the document's clips, tested without a browser.
import type { Clip } from "../store/types";
import { assetOf, clipAt, clipEnd, localSource, localTime, nextShown } from "./schedule";

/** Seconds ahead the mixer loads a sound and cues it where it starts (the next clip's preload). */
export const PRELOAD = 3;
const EPS = 1e-9;

/** The server's sound of an asset alone: the file when browsers play it, else its audio as M4A. */
export function soundUrl(project: string, sha: string): string {
  return `/api/projects/${encodeURIComponent(project)}/media/${sha}/audio`;
}

/** A clip with sound to mix: an audio clip, or a video clip with sound, whose media is ready on
 * the server or is this tab's own local file. */
export function audible(clip: Clip): boolean {
  if (clip.type !== "audio" && !clip.hasAudio) return false;
  return (clip.status === "ready" && assetOf(clip) !== null) || localSource(clip) !== null;
}

/** Where the mixer reads a clip's sound: the server's audio of its asset, or this tab's file. */
export function soundOf(clip: Clip, project: string): string | null {
  const sha = assetOf(clip);
  return sha ? soundUrl(project, sha) : localSource(clip);
}

function covers(clip: Clip, t: number): boolean {
  return t >= clip.startTime - EPS && t < clipEnd(clip) - EPS;
}

/** A sound the mixer holds: `sounding` ones play now from `local` seconds into their source;
 * the others are loaded and wait at `local`, where they start. */
export interface Voice {
  clip: Clip;
  local: number;
  sounding: boolean;
}

/** The sounds the mixer holds at `t`: every audible clip under `t` but the picture's own, and
 * those that start sounding within `ahead` seconds (a clip starting, or the picture's clip once
 * a higher clip covers it). Sorted by clip id, so a tick's order is stable. */
export function voicesAt(clips: readonly Clip[], t: number, ahead = PRELOAD): Voice[] {
  const picture = clipAt(clips, t);
  const cut = picture ? nextShown(clips, t) : null;
  const voices: Voice[] = [];
  for (const clip of clips) {
    if (!audible(clip) || clipEnd(clip) <= t + EPS || clip.startTime > t + ahead) continue;
    if (clip.id === picture?.id) {
      // Its decoder plays it while it is the picture; a voice waits for the cut that covers it.
      if (cut && cut.at < clipEnd(clip) - EPS && cut.at <= t + ahead) voices.push({ clip, local: localTime(clip, cut.at), sounding: false });
      continue;
    }
    const sounding = covers(clip, t);
    voices.push({ clip, local: localTime(clip, sounding ? t : clip.startTime), sounding });
  }
  return voices.sort((a, b) => (a.clip.id < b.clip.id ? -1 : a.clip.id > b.clip.id ? 1 : 0));
}
