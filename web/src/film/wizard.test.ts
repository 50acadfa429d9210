import { describe, expect, it } from "vitest";
import { boundaryName, clipCounts, progressOf, referenceUse, runFromUrl, splitAtCap, unusedReference, urlWithRun, whereIs } from "./wizard";

const line = (step: string, text = step) => ({ at: "2026-12-01T10:00:00Z", step, text });

function status(phase: string, extra: Partial<Parameters<typeof whereIs>[0]> = {}) {
  return { phase, running: false, awaiting: [], log: [], picks: { refs: {}, keyframes: {}, basis: {} }, ...extra };
}

describe("whereIs: the step a run is at", () => {
  it("follows a fresh run from writing to the reference checkpoint", () => {
    expect(whereIs(status("created", { running: true }))).toEqual({ step: "refs", working: true, stopped: false });
    expect(whereIs(status("writing", { running: true })).step).toBe("refs");
    expect(whereIs(status("references", { running: true })).working).toBe(true);
    expect(whereIs(status("awaiting_pick_refs", { awaiting: ["character:mara"] }))).toEqual({ step: "refs", working: false, stopped: false });
  });

  it("heads for the keyframes once references are picked, even while cached references pass", () => {
    const picks = { refs: { "character:mara": 1 }, keyframes: {}, basis: {} };
    expect(whereIs(status("references", { running: true, picks })).step).toBe("keyframes");
    expect(whereIs(status("keyframes", { running: true, picks })).step).toBe("keyframes");
  });

  it("asks for the cost once every keyframe is picked, and for the clips once confirmed", () => {
    expect(whereIs(status("awaiting_pick_keyframes", { awaiting: ["0", "2"] })).step).toBe("keyframes");
    expect(whereIs(status("awaiting_pick_keyframes", { awaiting: [] })).step).toBe("cost");
    expect(whereIs(status("awaiting_approval")).step).toBe("cost");
    const picks = { refs: { "character:mara": 1 }, keyframes: { "0": 1 }, basis: {} };
    expect(whereIs(status("references", { running: true, picks })).step).toBe("clips");
    expect(whereIs(status("rendering", { running: true }))).toEqual({ step: "clips", working: true, stopped: false });
    expect(whereIs(status("done")).step).toBe("film");
  });

  it("puts a stopped run where its last phase was, marked stopped", () => {
    const log = [line("Phase 1 - write and reference"), line("Phase 2 - keyframes"), line("keyframes", "keyframes 2/6")];
    expect(whereIs(status("failed", { log }))).toEqual({ step: "keyframes", working: false, stopped: true });
    expect(whereIs(status("interrupted", { log: [...log, line("Phase 3 - sound, motion, assembly")] })).step).toBe("clips");
    expect(whereIs(status("failed")).step).toBe("refs");
    expect(whereIs(status("rendering")).stopped).toBe(true); // a crash left it mid-phase
  });
});

describe("progress and counts", () => {
  it("reads a count from a log line", () => {
    expect(progressOf("references 6/10")).toEqual({ label: "references", fraction: 0.6 });
    expect(progressOf("video segments 3/3")?.fraction).toBe(1);
    expect(progressOf("Phase 2 - keyframes")).toBeNull();
    expect(progressOf("nothing 0/0")).toBeNull();
  });

  it("counts clips by status", () => {
    const segments = ["succeeded", "running", "queued", "failed", "waiting"].map((s) => ({ status: s }));
    expect(clipCounts(segments)).toEqual({ ready: 1, running: 2, failed: 1, total: 5 });
  });

  it("names boundaries in film order", () => {
    expect(boundaryName(0, 4)).toBe("K0 · opening");
    expect(boundaryName(2, 4)).toBe("K2");
    expect(boundaryName(3, 4)).toBe("K3 · closing");
  });
});

describe("the image model's reference cap", () => {
  it("splits what is sent from the overflow", () => {
    expect(splitAtCap(["a", "b", "c"], 2)).toEqual({ used: ["a", "b"], unused: ["c"] });
    expect(splitAtCap(["a"], 4)).toEqual({ used: ["a"], unused: [] });
    expect(splitAtCap(["a", "b"], 0)).toEqual({ used: [], unused: ["a", "b"] });
  });

  it("knows per reference where it is sent and where the cap drops it", () => {
    const keyframes = [
      { boundary: 0, references: ["character:mara", "environment:crater", "prop:lamp"] },
      { boundary: 1, references: ["character:mara", "character:theo", "environment:base"] },
    ];
    const use = referenceUse(keyframes, 2);
    expect(use.get("character:mara")).toEqual({ sent: [0, 1], dropped: [] });
    expect(use.get("prop:lamp")).toEqual({ sent: [], dropped: [0] });
    expect(use.get("environment:base")).toEqual({ sent: [], dropped: [1] });
    expect(unusedReference(use, "prop:lamp")).toBe(true);
    expect(unusedReference(use, "prop:never-named")).toBe(true);
    expect(unusedReference(use, "character:theo")).toBe(false);
  });
});

describe("the run in the URL", () => {
  it("reads and writes ?film= keeping the rest", () => {
    expect(runFromUrl("?film=moon-1&x=2")).toBe("moon-1");
    expect(runFromUrl("")).toBeNull();
    expect(urlWithRun("http://h/projects/p1?x=2", "moon-1")).toBe("/projects/p1?x=2&film=moon-1");
    expect(urlWithRun("http://h/projects/p1?film=moon-1", null)).toBe("/projects/p1");
  });
});
