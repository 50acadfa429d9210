import { describe, expect, it } from "vitest";
import { applyEvent, type Job } from "./Activity";
import { CreditStore, type CreditsOut } from "./credits";
import { EstimateStore, landingOf, type Estimate } from "./estimate";
import { money } from "./GenerateBar";

function balance(remaining: number): CreditsOut {
  return { user: "ana", day: "2026-01-01", daily_limit: 250, used: 250 - remaining, reserved: 0, remaining, resets_at: "2026-01-02T00:00:00Z", seconds_until_reset: 3600 };
}

describe("credits", () => {
  it("turns exhausted at zero and coalesces a burst of refreshes", async () => {
    const answers = [balance(24), balance(0)];
    let calls = 0;
    const store = new CreditStore(() => Promise.resolve(answers[calls++] ?? balance(0)));
    const stop = store.subscribe(() => undefined); // the first subscriber loads
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(1);
    expect(store.getSnapshot().exhausted).toBe(false);
    const burst = [store.refresh(), store.refresh(), store.refresh()];
    await Promise.all(burst);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(3); // one in flight, one after it: not three more
    expect(store.getSnapshot().credits?.remaining).toBe(0);
    expect(store.getSnapshot().exhausted).toBe(true);
    stop();
  });
});

describe("activity", () => {
  const job: Job = {
    job_id: "j1", clip_id: "c1", user: "ana", prompt: "dust", provider: "offline.interpolate", model: "m",
    status: "queued", progress: 0, message: "", estimated_cost: "0.05", actual_cost: null, frames: 24,
    error: null, retried_from: null, created_at: "2026-01-01T00:00:00Z", finished_at: null,
  };

  it("applies job events, and asks for a re-read for a job it does not know", () => {
    const running = applyEvent([job], { type: "job", job_id: "j1", status: "running", progress: 0.5, message: "", cost: "0.05" });
    expect(running?.[0]).toMatchObject({ status: "running", progress: 0.5 });
    const failed = applyEvent(running ?? [], { type: "job", job_id: "j1", status: "failed", message: "", cost: "0", error: "out of memory" });
    expect(failed?.[0]).toMatchObject({ status: "failed", error: "out of memory", actual_cost: "0" });
    expect(applyEvent([job], { type: "job", job_id: "other", status: "running", message: "" })).toBeNull();
    expect(money("0")).toBe("free");
    expect(money("0.05")).toBe("$0.050");
  });
});

describe("where the generated clip lands (the timeline's ghost track)", () => {
  const estimate = (over: Partial<Estimate>): Estimate => ({
    in_point: 2, out_point: 3, frames: 24, estimated_cost: "0", credits: 0, provider: "offline.interpolate",
    track_index: 1, new_track: false, first_frame: null, last_frame: null, ...over,
  });
  const range = { inPoint: 2, outPoint: 3, playhead: 0 };
  it("lights a free track's span, or a new track on top when none is free", () => {
    expect(landingOf(estimate({}), range, 2)).toEqual({ kind: "free", trackIndex: 1, name: "V2", start: 2, end: 3 });
    expect(landingOf(estimate({ track_index: 2, new_track: true }), range, 2)).toEqual({ kind: "new", name: "V3", start: 2, end: 3 });
  });
  it("draws nothing without a range or for another range's (stale) estimate", () => {
    expect(landingOf(null, range, 2)).toBeNull();
    expect(landingOf(estimate({}), { ...range, outPoint: null }, 2)).toBeNull();
    expect(landingOf(estimate({ out_point: 4 }), range, 2)).toBeNull();
  });
  it("shares one estimate with every reader and tells them when it changes", () => {
    const store = new EstimateStore();
    let told = 0;
    store.subscribe(() => told++);
    const found = estimate({});
    store.set(found);
    store.set(found); // the same answer: nobody re-renders
    expect(store.getSnapshot().estimate).toBe(found);
    store.set(null);
    expect(store.getSnapshot()).toEqual({ estimate: null, error: null });
    expect(told).toBe(2);
  });
});
