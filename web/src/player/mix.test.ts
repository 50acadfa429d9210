import { afterEach, describe, expect, it } from "vitest";
import { forgetLocal, rememberLocal } from "../assets/localFiles";
import type { Clip } from "../store/types";
import { audible, soundOf, soundUrl, voicesAt } from "./mix";

const SHA = "a".repeat(64);

function clip(id: string, startTime: number, duration: number, extra: Partial<Clip> = {}): Clip {
  return {
    id, name: id, type: "video", startTime, duration, trackIndex: 0, trimStart: 0, sourceType: "cloud",
    cloudUrl: `/api/projects/p1/media/${SHA}`, linkedClipIds: [], status: "ready", hasAudio: true, ...extra,
  };
}

const heard = (clips: Clip[], t: number) => voicesAt(clips, t).map((v) => [v.clip.id, v.local, v.sounding]);

describe("what the player hears", () => {
  it("mixes audio-track clips under the picture; the picture's decoder plays its own sound", () => {
    const shot = clip("shot", 0, 4);
    const narration = clip("narration", 0, 10, { type: "audio", trimStart: 1 });
    expect(heard([shot, narration], 2)).toEqual([["narration", 3, true]]);
    // In a gap of the picture the sound goes on.
    expect(heard([shot, narration], 5)).toEqual([["narration", 6, true]]);
    expect(heard([shot, narration], 10)).toEqual([]);
  });

  it("loads what starts within the preload, waiting where it starts", () => {
    const music = clip("music", 5, 3, { type: "audio", trimStart: 0.5 });
    expect(heard([music], 2)).toEqual([["music", 0.5, false]]);
    expect(heard([music], 1.9)).toEqual([]); // more than 3 s ahead: not yet
    expect(heard([music], 5)).toEqual([["music", 0.5, true]]);
    expect(heard([music], 7.5)).toEqual([["music", 3, true]]);
  });

  it("hears a covered video clip; cues the picture's clip before a higher clip covers it", () => {
    const wide = clip("wide", 0, 6);
    const insert = clip("insert", 4, 1, { trackIndex: 1, hasAudio: false });
    expect(heard([wide, insert], 0.5)).toEqual([]); // the decoder has it, no cut within 3 s
    expect(heard([wide, insert], 2)).toEqual([["wide", 4, false]]);
    expect(heard([wide, insert], 4.5)).toEqual([["wide", 4.5, true]]);
    expect(heard([wide, insert], 5.5)).toEqual([]); // the picture again
  });

  it("leaves out silent, unready and other people's local clips", () => {
    expect(audible(clip("mute", 0, 2, { hasAudio: false }))).toBe(false);
    expect(audible(clip("mute audio", 0, 2, { type: "audio", hasAudio: false }))).toBe(true);
    expect(audible(clip("busy", 0, 2, { status: "processing" }))).toBe(false);
    expect(audible(clip("theirs", 0, 2, { sourceType: "local", cloudUrl: null }))).toBe(false);
  });
});

describe("where a sound is read", () => {
  afterEach(() => forgetLocal("mine"));

  it("is the server's audio of the asset, or the owner's own file", () => {
    expect(soundOf(clip("c", 0, 1), "p 1")).toBe(`/api/projects/p%201/media/${SHA}/audio`);
    expect(soundUrl("p1", SHA)).toBe(`/api/projects/p1/media/${SHA}/audio`);
    const mine = clip("mine", 0, 1, { sourceType: "local", cloudUrl: null, status: "uploading" });
    expect(soundOf(mine, "p1")).toBeNull();
    URL.createObjectURL ??= () => "blob:test";
    URL.revokeObjectURL ??= () => undefined;
    const url = rememberLocal("mine", new File(["x"], "voice.wav"));
    expect(audible(mine)).toBe(true);
    expect(soundOf(mine, "p1")).toBe(url);
  });
});
