import { describe, expect, it } from "vitest";
import { clip } from "./fixture";
import { snapDelta, snapTargets, snapTime } from "./snapping";


describe("snapping", () => {
  const clips = [clip("a", 0, 4), clip("b", 10, 2), clip("dragged", 5, 2)];
  const targets = snapTargets(clips, 7.5, new Set(["dragged"]));

  it("collects other clips' edges and the playhead, not the dragged clip's", () => {
    expect(targets).toEqual([0, 4, 7.5, 10, 12]);
  });

  it("snaps an edge within the threshold in pixels, at the current zoom", () => {
    expect(snapTime(targets, 4.1, 50)).toBe(4); // 5 px away
    expect(snapTime(targets, 4.3, 50)).toBe(4.3); // 15 px away: no snap
    expect(snapTime(targets, 4.3, 10)).toBe(4); // 3 px away when zoomed out
    expect(snapTime(targets, 7.45, 100)).toBe(7.5); // the playhead
  });

  it("moves a group so the edge nearest a target lands on it", () => {
    // dragged spans 5..7; moving by 2.9 puts its end at 9.9, 10 px from b's start at 100 px/s
    expect(snapDelta(targets, [5, 7], 2.95, 100)).toBeCloseTo(3);
    expect(snapDelta(targets, [5, 7], -0.95, 100)).toBeCloseTo(-1); // start onto a's end
    expect(snapDelta(targets, [5, 7], 1.2, 100)).toBe(1.2); // nothing near
  });
});
