import { describe, expect, it } from "vitest";
import type { Clip } from "../store/types";
import { clampTrim, linkedGroup, previewGroupMove } from "./group";
import { clip } from "./fixture";

function timeline(clips: Clip[], videoTracks = 2) {
  return {
    clips,
    byId: new Map(clips.map((c) => [c.id, c])),
    tracks: Array.from({ length: videoTracks }, (_, i) => ({ id: `v${i + 1}`, name: `V${i + 1}` })),
    audioTracks: [{ id: "a1", name: "A1" }],
  };
}

describe("linked groups", () => {
  const wide = clip("wide", 2, 3);
  const close = clip("close", 8, 2);
  const gen = clip("gen", 4, 5, { trackIndex: 1, sourceType: "generated", linkedClipIds: ["wide", "close"] });
  const other = clip("other", 20, 2);
  const t = timeline([wide, gen, close, other]);

  it("finds the whole group from any member, through links either way", () => {
    expect([...linkedGroup(t.clips, t.byId, "close")].sort()).toEqual(["close", "gen", "wide"]);
    expect([...linkedGroup(t.clips, t.byId, "other")]).toEqual(["other"]);
  });

  it("clamps the delta so no member goes before 0", () => {
    const group = linkedGroup(t.clips, t.byId, "gen");
    expect(previewGroupMove(t, group, -10, 0)).toEqual({ delta: -2, trackDelta: 0, refused: null });
  });

  it("moves tracks together and refuses when a member would leave the tracks", () => {
    const group = linkedGroup(t.clips, t.byId, "wide");
    const up = previewGroupMove(t, group, 0, 1);
    expect(up.refused).toMatch(/gen would leave the video tracks/);
    const roomy = timeline([wide, gen, close, other], 3);
    expect(previewGroupMove(roomy, group, 0, 1).refused).toBeNull();
  });

  it("says when a member would land on a clip outside the group", () => {
    const group = linkedGroup(t.clips, t.byId, "gen");
    expect(previewGroupMove(t, group, 11, 0).refused).toMatch(/close would overlap other/);
    expect(previewGroupMove(t, group, 20, 0).refused).toBeNull();
  });

  it("keeps a trim inside the source and at least a frame long", () => {
    const c = clip("c", 10, 4, { trimStart: 1, sourceDuration: 6 });
    expect(clampTrim(c, "start", 5)).toEqual({ start: 9, duration: 5 });
    expect(clampTrim(c, "end", 30)).toEqual({ start: 10, duration: 5 });
    expect(clampTrim(c, "end", 2).duration).toBeCloseTo(1 / 24);
  });
});
