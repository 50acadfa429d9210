import { describe, expect, it } from "vitest";
import type { Clip } from "../store/types";
import { clipAt, fit, frameAt, nextShown, parseFps, stepFrame, timecode, timelineEnd } from "./schedule";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);

function clip(id: string, startTime: number, duration: number, trackIndex = 0, extra: Partial<Clip> = {}): Clip {
  return {
    id,
    name: id,
    type: "video",
    startTime,
    duration,
    trackIndex,
    trimStart: 0,
    sourceType: "cloud",
    cloudUrl: `/api/projects/p1/media/${SHA}`,
    linkedClipIds: [],
    status: "ready",
    hasAudio: false,
    sourceFps: "24",
    ...extra,
  };
}

describe("what the player shows", () => {
  const clips = [
    clip("a", 0, 2),
    clip("b", 2, 2, 0, { cloudUrl: `/api/projects/p1/media/${OTHER}` }),
    clip("top", 1, 0.5, 1),
    clip("busy", 3, 1, 2, { status: "processing", cloudUrl: null }),
  ];

  it("takes the topmost ready clip and shows black in gaps", () => {
    expect(clipAt(clips, 0.5)?.id).toBe("a");
    expect(clipAt(clips, 1.2)?.id).toBe("top"); // track 1 is over track 0
    expect(clipAt(clips, 1.5)?.id).toBe("a"); // a clip's end is not in it
    expect(clipAt(clips, 3.5)?.id).toBe("b"); // the processing clip above is not drawn
    expect(clipAt(clips, 4)).toBeNull();
    expect(timelineEnd(clips)).toBe(4);
  });

  it("preloads what comes at the current clip's end, or after a gap", () => {
    expect(nextShown(clips, 0.2)).toEqual({ clip: clips[2], at: 1 });
    expect(nextShown(clips, 1.7)).toEqual({ clip: clips[1], at: 2 });
    expect(nextShown([clip("late", 5, 1)], 1)).toEqual({ clip: expect.objectContaining({ id: "late" }), at: 5 });
    expect(nextShown(clips, 3.9)).toBeNull();
  });
});

describe("frames", () => {
  it("counts frames as the server does (a float a hair off a frame is on it)", () => {
    expect(frameAt(10 / 24, 24)).toBe(10);
    expect(frameAt(0.5 - 1e-12, 24)).toBe(12);
    expect(frameAt(0.49, 24)).toBe(11);
    expect(parseFps("30000/1001")).toBeCloseTo(29.97, 2);
    expect(parseFps("23.976")).toBe(24000 / 1001);
    expect(parseFps(undefined)).toBe(24);
  });

  it("steps on the source's frame grid, across cuts and gaps", () => {
    const trimmed = [clip("a", 1, 1, 0, { trimStart: 0.2, sourceFps: "25" }), clip("b", 3, 1)];
    expect(stepFrame(trimmed, 1, 1)).toBeCloseTo(1.04, 9); // 25 fps
    expect(stepFrame(trimmed, 1.02, 1)).toBeCloseTo(1.04, 9); // mid-frame: the next frame's start
    expect(stepFrame(trimmed, 1.04, -1)).toBeCloseTo(1, 9);
    expect(stepFrame(trimmed, 1.96, 1)).toBe(2); // off the clip's end
    expect(stepFrame(trimmed, 3, -1)).toBeCloseTo(3 - 1 / 24, 9); // into the gap, on 24 fps
    expect(stepFrame(trimmed, 2 + 1 / 48, -1)).toBeCloseTo(1.96, 9); // back onto a's last frame
    expect(stepFrame(trimmed, 0, -1)).toBe(0);
  });

  it("writes timecode and letterboxes", () => {
    expect(timecode(61 + 5 / 24, 24)).toBe("00:01:01:05");
    expect(fit(320, 180, 1920, 1080)).toEqual([0, 0, 1920, 1080]);
    expect(fit(720, 1280, 1920, 1080)).toEqual([656, 0, 608, 1080]);
  });
});
