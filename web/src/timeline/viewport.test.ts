import { describe, expect, it } from "vitest";
import { clampPps, fitPps, gestureTransform, MAX_PPS, MIN_PPS, revealTime, tickStep, timeToX, visibleRange, xToTime, zoomAt } from "./viewport";

const view = { pps: 50, scrollLeft: 500, width: 1000 };

describe("time ↔ pixel mapping", () => {
  it("maps both ways through zoom and scroll", () => {
    expect(timeToX(view, 10)).toBe(0);
    expect(timeToX(view, 12)).toBe(100);
    expect(xToTime(view, 100)).toBe(12);
    expect(xToTime(view, -1000)).toBe(0); // never before time 0
    expect(visibleRange(view)).toEqual([10, 30]);
  });

  it("zooms around an anchor: the time under it stays under it", () => {
    const zoomed = zoomAt(view, 100, 250); // 15 s sits at x = 250
    expect(zoomed.pps).toBe(100);
    expect(xToTime(zoomed, 250)).toBeCloseTo(15);
    expect(zoomAt({ ...view, scrollLeft: 0 }, 10, 0).scrollLeft).toBe(0);
  });

  it("clamps zoom and fits a duration in the width", () => {
    expect(clampPps(1e9)).toBe(MAX_PPS);
    expect(clampPps(0)).toBe(MIN_PPS);
    expect(fitPps(100, 1000)).toBe(10);
  });

  it("scrolls only as far as needed to reveal a time", () => {
    expect(revealTime(view, 20)).toBe(500);
    expect(revealTime(view, 40, 40)).toBe(2000 - 1000 + 40);
    expect(revealTime(view, 5, 40)).toBe(210);
  });

  it("spaces ruler labels at least 80 px apart", () => {
    expect(tickStep(50)).toBe(2);
    expect(tickStep(1000)).toBe(0.1);
    expect(tickStep(1) * 1).toBeGreaterThanOrEqual(80);
  });
});

describe("a zoom gesture's preview transform", () => {
  it("puts every time where the target view would draw it", () => {
    const base = { pps: 50, scrollLeft: 500, width: 1000 };
    const target = zoomAt(base, 120, 300);
    const { shift, scale } = gestureTransform(base, target);
    for (const time of [0, 12, 16, 33.3]) {
      const drawn = time * base.pps * scale + shift - base.scrollLeft; // layer scaled about x = 0
      expect(drawn).toBeCloseTo(timeToX(target, time));
    }
  });
});
