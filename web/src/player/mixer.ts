// The sound beside the picture: one <audio> element per clip the mix holds (voicesAt), following
// the player's clock by the same drift rule as the picture's decoders. The browser mixes the
// elements. They live in a hidden host in the page (data-clip-id), so tools and tests find them.
import type { Clip } from "../store/types";
import { soundOf, voicesAt } from "./mix";

/** Playing forward at 1× (the only speed with sound), playing at another speed, or stopped. */
export type Motion = "rolling" | "shuttling" | "stopped";
const CUE = 0.01; // seconds: a waiting sound is put this close to where it will start

interface Held {
  audio: HTMLAudioElement;
  source: string;
  failed: boolean; // the element cannot play its source (no sound, a network error): left quiet
}

export class Mixer {
  private held = new Map<string, Held>();
  private blocked = false; // the browser refused sound without a gesture: play muted

  constructor(
    private readonly host: HTMLElement,
    private readonly project: string,
    private readonly drift: number,
  ) {}

  /** Bring the held sounds to timeline time `t`: rolling, the ones under it play (within the
   * drift of the clock); the others wait paused, cued where they start or, stopped, where the
   * playhead is (shuttling leaves them where they are: a seek a frame would be wasted); sounds
   * no longer needed are released. */
  sync(clips: readonly Clip[], t: number, motion: Motion): void {
    const wanted = new Set<string>();
    for (const { clip, local, sounding } of voicesAt(clips, t)) {
      const held = this.hold(clip);
      if (!held) continue;
      wanted.add(clip.id);
      const audio = held.audio;
      audio.muted = this.blocked;
      const play = motion === "rolling" && sounding && !held.failed;
      const slack = play ? this.drift : motion === "shuttling" && sounding ? Infinity : CUE;
      // Seek only with metadata and not mid-seek (else every tick would restart the seek).
      if (audio.readyState >= 1 && !audio.seeking && Math.abs(audio.currentTime - local) > slack) audio.currentTime = local;
      if (!play) {
        if (!audio.paused) audio.pause();
      } else if (audio.paused && !(audio.duration > 0 && local >= audio.duration)) {
        void audio.play().catch((error: unknown) => {
          // Autoplay rules: without a gesture only muted media plays; a later tick tries again.
          if (error instanceof DOMException && error.name === "NotAllowedError") this.blocked = true;
        });
      }
    }
    for (const id of [...this.held.keys()]) if (!wanted.has(id)) this.release(id);
  }

  pause(): void {
    for (const { audio } of this.held.values()) audio.pause();
  }

  destroy(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }

  private hold(clip: Clip): Held | null {
    const source = soundOf(clip, this.project);
    if (!source) return null;
    const before = this.held.get(clip.id);
    if (before?.source === source) return before;
    if (before) this.release(clip.id); // a local clip now uploaded: read the server's copy
    const audio = document.createElement("audio");
    audio.preload = "auto";
    audio.dataset.clipId = clip.id;
    const held: Held = { audio, source, failed: false };
    audio.addEventListener("error", () => (held.failed = true));
    audio.src = source;
    this.host.append(audio);
    this.held.set(clip.id, held);
    return held;
  }

  private release(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    held.audio.pause();
    held.audio.removeAttribute("src");
    held.audio.load(); // drops the connection and the decoder
    held.audio.remove();
  }
}
