import { describe, expect, it } from "vitest";
import { withClipNames } from "./reason";

describe("withClipNames", () => {
  const byId = new Map([
    ["clip-local-b496548fe6a0", { name: "close.mp4" }],
    ["clip-local-a34a", { name: "wide.mp4" }],
  ]);

  it("names the clips the server quotes by id", () => {
    expect(withClipNames("clip 'clip-local-b496548fe6a0' would overlap clip 'clip-local-a34a' on track V1", byId)).toBe(
      "clip “close.mp4” would overlap clip “wide.mp4” on track V1",
    );
  });

  it("keeps ids it does not know and the rest of the sentence as the server wrote it", () => {
    expect(withClipNames("clip 'gone-1' is not on the timeline", byId)).toBe("clip 'gone-1' is not on the timeline");
    expect(withClipNames("track V3 does not exist", byId)).toBe("track V3 does not exist");
  });
});
