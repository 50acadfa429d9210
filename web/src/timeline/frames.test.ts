import { describe, expect, it } from "vitest";
import { clipAt, parseFps, stepFrame, timecode } from "./frames";
import { clip } from "./fixture";

describe("frame stepping", () => {
  it("reads rates as the server writes them", () => {
    expect(parseFps("24000/1001")).toBeCloseTo(23.976, 3);
    expect(parseFps("25")).toBe(25);
    expect(parseFps(undefined)).toBeNull();
    expect(parseFps("0/0")).toBeNull();
  });

  it("steps one frame of the clip under the playhead, on that clip's frame grid", () => {
    const clips = [clip("a", 0, 2, { sourceFps: "30" }), clip("b", 2.01, 2, { sourceFps: "25", trimStart: 0.01 })];
    expect(stepFrame(clips, 1, 1)).toBeCloseTo(1 + 1 / 30);
    expect(stepFrame(clips, 1, -1)).toBeCloseTo(1 - 1 / 30);
    // b's source frames start at 2.00 on the timeline (2.01 - 0.01 trimmed)
    expect(stepFrame(clips, 3, 1)).toBeCloseTo(3.04);
    expect(stepFrame(clips, 10, 1)).toBeCloseTo(10 + 1 / 24); // a gap: 24 fps
    expect(stepFrame(clips, 0, -1)).toBe(0);
  });

  it("finds the clip on the highest video track", () => {
    const clips = [clip("low", 0, 5), clip("high", 1, 2, { trackIndex: 2 }), clip("sound", 1, 2, { type: "audio" })];
    expect(clipAt(clips, 1.5)?.id).toBe("high");
    expect(clipAt(clips, 4)?.id).toBe("low");
    expect(clipAt(clips, 6)).toBeUndefined();
  });

  it("writes timecode", () => {
    expect(timecode(61.5, 24)).toBe("00:01:01:12");
  });
});
