// The compositor: one 1920x1080 canvas, two <video> elements (the clip showing and the next one,
// already loaded and seeked, so a cut swaps elements instead of waiting on the network or a
// seek). Playing, a local clock drives the picture and the video elements follow it; stopped,
// the canvas shows the server's exact frame for the time (browsers seek to "about" a time).
// The picture's decoder plays its clip's sound; the mixer plays every other audible clip's.
import type { Clip } from "../store/types";
import { Mixer } from "./mixer";
import { clipAt, fit, fpsOf, frameAt, localSource, localTime, nextShown, playable, sourceOf, timelineEnd } from "./schedule";

function shape(c: Clip): string {
  return `${c.id},${c.startTime},${c.duration},${c.trimStart},${c.trackIndex},${c.cloudUrl ?? ""}`;
}

export const WIDTH = 1920;
export const HEIGHT = 1080;
const DRIFT = 0.2; // seconds a playing element may stray from the clock before it is re-seeked

interface Slot {
  video: HTMLVideoElement;
  source: string | null; // the URL the element plays
  clipId: string | null;
}

/** What the canvas shows now (tests and the UI read it). */
export type Shown = "black" | "video" | "exact" | "held";

export interface EngineStats {
  draws: number; // video frames drawn while playing
  holds: number; // ticks while playing where the active element had no frame (picture held)
  longestHoldMs: number;
  swaps: number; // cuts served by the preloaded element
  coldLoads: number; // cuts that had to load their clip (nothing preloaded)
}

export class PlayerEngine {
  time = 0;
  shown: Shown = "black";
  readonly stats: EngineStats = { draws: 0, holds: 0, longestHoldMs: 0, swaps: 0, coldLoads: 0 };
  onEnd: (() => void) | null = null;
  onShown: ((shown: Shown, time: number) => void) | null = null;

  private clips: readonly Clip[] = [];
  private revision = 0;
  private signature = "";
  private slots: [Slot, Slot];
  private current = 0;
  private playing = false;
  private rate = 1;
  private clockTime = 0;
  private clockStart = 0;
  private frame = 0;
  private holdSince: number | null = null;
  private exactKey: string | null = null; // the time+revision whose exact frame is on the canvas
  private exactWanted: string | null = null;
  private audioBlocked = false; // the browser refused sound without a gesture: play muted
  private exactFrame = "";
  private ctx: CanvasRenderingContext2D;
  private mixer: Mixer;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    videos: [HTMLVideoElement, HTMLVideoElement],
    private readonly project: string,
    soundHost: HTMLElement,
  ) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("no 2D canvas");
    this.ctx = ctx;
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    this.slots = [
      { video: videos[0], source: null, clipId: null },
      { video: videos[1], source: null, clipId: null },
    ];
    for (const { video } of this.slots) {
      video.preload = "auto";
      video.muted = true;
      video.playsInline = true;
    }
    this.mixer = new Mixer(soundHost, project, DRIFT);
    this.black();
    this.frame = requestAnimationFrame(this.tick);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    for (const { video } of this.slots) {
      video.pause();
      video.removeAttribute("src");
      video.load();
    }
    this.mixer.destroy();
  }

  setClips(clips: readonly Clip[], revision: number): void {
    if (clips === this.clips) return;
    this.clips = clips;
    // Every document update makes new clip objects (a playhead move too): the exact frame is
    // asked again only when what the picture is made of changed.
    const signature = `${revision}|${clips.filter(playable).map(shape).join(";")}`;
    if (signature === this.signature) return;
    this.signature = signature;
    this.revision = revision;
    this.exactKey = null;
  }

  get end(): number {
    return timelineEnd(this.clips);
  }

  /** Jump to `t` (a scrub, a step, another person's playhead). */
  seek(t: number): void {
    this.time = Math.max(0, t);
    this.clockTime = this.time;
    this.clockStart = performance.now();
  }

  play(rate: number): void {
    if (!this.playing && rate > 0 && this.time >= this.end - 1e-3) this.time = 0; // play again
    this.playing = true;
    this.rate = rate;
    this.seek(this.time);
    this.exactKey = null;
  }

  pause(): void {
    this.playing = false;
    for (const slot of this.slots) slot.video.pause();
    this.mixer.pause();
  }

  private tick = (now: number): void => {
    this.frame = requestAnimationFrame(this.tick);
    if (this.playing) {
      // A frame's timestamp may precede the performance.now() taken at play: never negative.
      const elapsed = Math.max(0, now - this.clockStart) / 1000;
      const t = this.clockTime + elapsed * this.rate;
      const end = this.end;
      if ((this.rate > 0 && t >= end) || (this.rate < 0 && t <= 0)) {
        this.time = Math.min(Math.max(t, 0), end);
        this.pause();
        this.onEnd?.();
      } else {
        this.time = t;
      }
    }
    this.render(now);
  };

  private render(now: number): void {
    const t = this.time;
    // Sound only at 1× forward (an editor mutes shuttling and reverse play).
    this.mixer.sync(this.clips, t, !this.playing ? "stopped" : this.rate === 1 ? "rolling" : "shuttling");
    const active = clipAt(this.clips, t);
    const slot = active ? this.slotFor(active) : null;
    const following = nextShown(this.clips, t);
    const spare = this.slots[1 - this.current] as Slot;
    if (following && (!active || following.clip.id !== active.id)) {
      this.load(spare, following.clip, localTime(following.clip, following.at));
    }
    for (const other of this.slots) {
      if (other !== slot) {
        other.video.muted = true;
        if (!other.video.paused) other.video.pause();
      }
    }
    if (!active || !slot) {
      this.holdSince = null;
      this.black();
      return;
    }
    const video = slot.video;
    const local = localTime(active, t);
    const frame = 1 / fpsOf(active);
    if (this.playing && this.rate > 0) {
      video.muted = this.audioBlocked || this.rate !== 1 || !active.hasAudio;
      if (video.playbackRate !== this.rate) video.playbackRate = this.rate;
      if (!video.seeking && Math.abs(video.currentTime - local) > DRIFT) video.currentTime = local;
      if (video.paused) {
        void video.play().catch((error: unknown) => {
          // Autoplay rules: without a gesture only muted media plays; a later tick tries again.
          if (error instanceof DOMException && error.name === "NotAllowedError") this.audioBlocked = true;
        });
      }
    } else {
      video.muted = true;
      if (!video.paused) video.pause();
      // Aim at the middle of the frame: a seek to a frame's very start may show the one before.
      const middle = (frameAt(local, 1 / frame) + 0.5) * frame;
      if (!video.seeking && Math.abs(video.currentTime - middle) > frame / 2) video.currentTime = middle;
    }
    if (!this.playing && localSource(active) === null) {
      // (The server has no frame of a file only this tab holds: its video frame is the one.)
      this.holdSince = null;
      this.showExact(t);
      if (this.exactKey === this.key(t)) return; // the server's frame stays
    }
    if (video.readyState >= 2 && !video.seeking) {
      this.draw(video, video.videoWidth, video.videoHeight);
      this.setShown("video");
      if (this.playing) {
        this.stats.draws++;
        if (this.holdSince !== null) this.stats.longestHoldMs = Math.max(this.stats.longestHoldMs, now - this.holdSince);
        this.holdSince = null;
      }
    } else if (this.playing) {
      this.stats.holds++; // keep the last picture rather than flash black
      this.holdSince ??= now;
      this.setShown("held");
    }
  }

  /** The slot showing `clip`: the one that has it (preloaded), else the current one, loaded. */
  private slotFor(clip: Clip): Slot {
    const mine = this.slots[this.current] as Slot;
    if (mine.clipId === clip.id) return mine;
    const other = this.slots[1 - this.current] as Slot;
    if (other.clipId === clip.id) {
      this.current = 1 - this.current;
      if (this.playing) this.stats.swaps++;
      return other;
    }
    if (this.playing) this.stats.coldLoads++;
    this.load(mine, clip, localTime(clip, this.time));
    return mine;
  }

  private load(slot: Slot, clip: Clip, local: number): void {
    if (slot.clipId === clip.id) return;
    const source = sourceOf(clip, this.project);
    if (!source) return;
    slot.clipId = clip.id;
    const video = slot.video;
    if (slot.source !== source) {
      slot.source = source;
      video.src = source;
      video.addEventListener("loadedmetadata", () => (video.currentTime = local), { once: true });
      video.load();
    } else {
      video.currentTime = local;
    }
  }

  private key(t: number): string {
    return `${t}@${this.revision}`;
  }

  /** Ask the server for the exact frame at `t` (once per time and document revision). */
  private showExact(t: number): void {
    const key = this.key(t);
    if (this.exactWanted === key || this.exactKey === key) return;
    this.exactWanted = key;
    // The full float: six decimals of 2/24 fall short of frame 2 (the server counts exactly).
    const url = `/api/projects/${encodeURIComponent(this.project)}/timeline/frame?t=${t}`;
    void fetch(url, { credentials: "same-origin" })
      .then(async (answer) => {
        if (this.exactWanted !== key || this.playing) return;
        if (answer.status === 204) {
          this.black();
        } else if (answer.ok) {
          const image = await createImageBitmap(await answer.blob());
          if (this.exactWanted !== key || this.playing) return;
          this.draw(image, image.width, image.height);
          image.close();
          this.exactFrame = `${answer.headers.get("X-Clip-Id") ?? ""}#${answer.headers.get("X-Frame-Index") ?? ""}`;
        } else {
          return; // keep the video's frame; a later change asks again
        }
        if (answer.status === 204) this.exactFrame = "";
        this.exactKey = key;
        this.setShown("exact");
      })
      .catch(() => undefined);
  }

  private draw(source: CanvasImageSource, width: number, height: number): void {
    const [x, y, w, h] = fit(width, height, WIDTH, HEIGHT);
    const ctx = this.ctx;
    if (w !== WIDTH || h !== HEIGHT) {
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, WIDTH, HEIGHT);
    }
    ctx.drawImage(source, x, y, w, h);
  }

  private black(): void {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, WIDTH, HEIGHT);
    this.setShown("black");
  }

  /** Also written on the canvas (data-shown, data-time, data-frame) for tests and tools. */
  private setShown(shown: Shown): void {
    const data = this.canvas.dataset;
    data.time = this.time.toFixed(6);
    data.frame = shown === "exact" ? this.exactFrame : "";
    if (this.playing) data.stats = JSON.stringify(this.stats);
    if (shown === this.shown && data.shown === shown) return;
    this.shown = shown;
    data.shown = shown;
    this.onShown?.(shown, this.time);
  }
}
