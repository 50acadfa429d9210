import { describe, expect, it } from "vitest";
import { Transport } from "./transport";

describe("Transport", () => {
  it("shuttles like an editor: L doubles forward, J reverses, K stops", () => {
    const t = new Transport();
    t.shuttle(1);
    expect(t.getSnapshot()).toEqual({ playing: true, rate: 1 });
    t.shuttle(1);
    t.shuttle(1);
    expect(t.getSnapshot().rate).toBe(4);
    t.shuttle(-1);
    expect(t.getSnapshot()).toEqual({ playing: true, rate: -1 });
    t.shuttle(0);
    expect(t.getSnapshot().playing).toBe(false);
    t.toggle();
    expect(t.getSnapshot()).toEqual({ playing: true, rate: 1 });
  });
});
