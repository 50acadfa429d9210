import { describe, expect, it } from "vitest";
import { clipsInRange, covers, lanesOf, windowFor } from "./visible";
import { rowOf, rowsOf, trackDeltaOf } from "./rows";
import { clip } from "./fixture";

describe("virtualisation", () => {
  const clips = Array.from({ length: 1000 }, (_, i) => clip(`c${i}`, Math.floor(i / 8) * 4, 3, { trackIndex: i % 8 }));
  const lanes = lanesOf(clips);

  it("finds only the clips overlapping the range, on every track", () => {
    const found = clipsInRange(lanes, 40, 50);
    expect(found).toHaveLength(3 * 8); // clips starting at 40, 44, 48 (the one at 36 ends at 39)
    expect(found.every((c) => c.startTime < 50 && c.startTime + c.duration > 40)).toBe(true);
  });

  it("re-renders only when the visible range leaves the rendered window", () => {
    const win = windowFor(100, 110);
    expect(win).toEqual({ start: 90, end: 120 });
    expect(covers(win, 105, 115)).toBe(true);
    expect(covers(win, 115, 125)).toBe(false);
    expect(covers(win, 101, 102)).toBe(false); // zoomed far in: render less
  });
});

describe("rows", () => {
  it("stacks video tracks with V1 lowest, then audio downwards", () => {
    const rows = rowsOf({ tracks: [{ id: "v1", name: "V1" }, { id: "v2", name: "V2" }], audioTracks: [{ id: "a1", name: "A1" }] });
    expect(rows.map((r) => r.name)).toEqual(["V2", "V1", "A1"]);
    expect(rowOf(2, "video", 0)).toBe(1);
    expect(rowOf(2, "audio", 0)).toBe(2);
    expect(trackDeltaOf("video", -1)).toBe(1); // dragging up raises a video clip
    expect(trackDeltaOf("audio", 1)).toBe(1);
  });
});
