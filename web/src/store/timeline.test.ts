import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readSnapshot } from "./timeline";

function clip(doc: Y.Doc, id: string, fields: Record<string, unknown>): void {
  const map = new Y.Map<unknown>();
  doc.getMap<Y.Map<unknown>>("clips").set(id, map);
  for (const [key, value] of Object.entries(fields)) map.set(key, value);
}

describe("readSnapshot", () => {
  it("reads clips in time order with their links, tracks and the shared selection", () => {
    const doc = new Y.Doc();
    clip(doc, "b", { name: "close-up", type: "video", startTime: 8.5, duration: 4, trackIndex: 0 });
    clip(doc, "a", { name: "wide", type: "video", startTime: 0, duration: 8.5, trackIndex: 0, linkedClipIds: ["b"] });
    doc.getArray("tracks").push([{ id: "v1", name: "V1" }]);
    doc.getMap("selection").set("inPoint", 8.4);
    doc.getMap("meta").set("revision", 7);

    const snapshot = readSnapshot(doc, true, true);

    expect(snapshot.clips.map((c) => c.id)).toEqual(["a", "b"]);
    expect(snapshot.byId.get("a")?.linkedClipIds).toEqual(["b"]);
    expect(snapshot.byId.get("b")?.linkedClipIds).toEqual([]);
    expect(snapshot.tracks).toEqual([{ id: "v1", name: "V1" }]);
    expect(snapshot.selection).toEqual({ inPoint: 8.4, outPoint: null, playhead: 0 });
    expect(snapshot.revision).toBe(7);
  });
});

describe("readSnapshot with the previous snapshot", () => {
  it("keeps unchanged clips (and an unchanged list) so a playhead move re-renders no clip", () => {
    const doc = new Y.Doc();
    clip(doc, "a", { name: "wide", type: "video", startTime: 0, duration: 2, trackIndex: 0 });
    clip(doc, "b", { name: "close", type: "video", startTime: 2, duration: 2, trackIndex: 0 });
    const first = readSnapshot(doc, true, true);

    doc.getMap("selection").set("playhead", 3);
    const second = readSnapshot(doc, true, true, first, { clips: new Set(), tracks: false });
    expect(second.clips).toBe(first.clips);
    expect(second.selection.playhead).toBe(3);

    doc.getMap<Y.Map<unknown>>("clips").get("b")?.set("startTime", 5);
    const third = readSnapshot(doc, true, true, second, { clips: new Set(["b"]), tracks: false });
    expect(third.byId.get("a")).toBe(first.byId.get("a"));
    expect(third.byId.get("b")?.startTime).toBe(5);
    expect(third.byId.get("b")).not.toBe(first.byId.get("b"));
  });
});
