import { describe, expect, it } from "vitest";
import { CHUNK_BYTES, chunkPlan, nextChunk, resumeOffset, retryDelay } from "./chunks";
import { downloadMethod, isIOS } from "./download";
import { DEFAULT_POLICY, preparation, transcodeArgs, transcodedName, wasmAvailable } from "./policy";
import { clip as fixtureClip } from "../timeline/fixture";
import { appendPoint } from "./importFile";
import { NO_FILTERS, assetQuery, facets, formatCost, formatDuration, isFiltered, type Asset } from "./query";

describe("the size threshold (seed 000: over 50 MB, 1080p H.264 in the browser)", () => {
  const policy = { ...DEFAULT_POLICY, share_threshold: 50_000_000 };
  it("keeps small files as they are and transcodes large ones where the browser can", () => {
    expect(preparation(50_000_000, policy, true)).toBe("as-is"); // "larger than": equal stays
    expect(preparation(50_000_001, policy, true)).toBe("browser");
    expect(preparation(200_000_000, policy, false)).toBe("server"); // the server's fallback
    expect(preparation(10, { ...policy, share_threshold: 0 }, true)).toBe("browser");
  });
  it("knows when WebAssembly and workers are there", () => {
    expect(wasmAvailable({ WebAssembly: {}, Worker: function Worker() {} })).toBe(true);
    expect(wasmAvailable({ WebAssembly: {} })).toBe(false);
    expect(wasmAvailable({ Worker: function Worker() {} })).toBe(false);
  });
  it("scales down to the policy's height, never up, and names the output .mp4", () => {
    const args = transcodeArgs("/in/a.mov", "out.mp4", 1080);
    expect(args).toContain("scale=-2:'min(1080,ih)'");
    expect(args.slice(args.indexOf("-c:v"), args.indexOf("-c:v") + 2)).toEqual(["-c:v", "libx264"]);
    expect(args.at(-1)).toBe("out.mp4");
    expect(transcodedName("beach day.MOV")).toBe("beach day.mp4");
    expect(transcodedName(".hidden")).toBe(".hidden.mp4");
  });
});

describe("upload chunking and resume offsets", () => {
  it("slices a file into chunks that cover it exactly once", () => {
    const plan = chunkPlan(20, 8);
    expect(plan).toEqual([
      { start: 0, end: 8 },
      { start: 8, end: 16 },
      { start: 16, end: 20 },
    ]);
    expect(chunkPlan(0, 8)).toEqual([]);
    expect(chunkPlan(3 * CHUNK_BYTES).length).toBe(3);
  });
  it("resumes where the server says, within the file", () => {
    expect(resumeOffset(12, 20)).toBe(12);
    expect(nextChunk(resumeOffset(12, 20), 20, 8)).toEqual({ start: 12, end: 20 });
    expect(resumeOffset(99, 20)).toBe(20);
    expect(nextChunk(resumeOffset(99, 20), 20, 8)).toBeNull();
    expect(resumeOffset(-1, 20)).toBe(0);
    expect(resumeOffset(Number.NaN, 20)).toBe(0);
    expect(() => nextChunk(0, 10, 0)).toThrow();
  });
  it("backs off, doubling to a cap", () => {
    expect([1, 2, 3, 4, 10].map(retryDelay)).toEqual([500, 1000, 2000, 4000, 8000]);
  });
});

describe("asset filters", () => {
  it("sends only what was chosen, trimmed", () => {
    expect(assetQuery(NO_FILTERS)).toEqual({ limit: 200 });
    expect(isFiltered(NO_FILTERS)).toBe(false);
    const filters = { kinds: ["upload" as const, "film" as const], owner: " ana ", provider: "fal", model: "", text: " jeep " };
    expect(assetQuery(filters, 50)).toEqual({ kind: ["upload", "film"], owner: "ana", provider: "fal", q: "jeep", limit: 50 });
    expect(isFiltered({ ...NO_FILTERS, text: "   " })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, kinds: ["timeline"] })).toBe(true);
  });
  it("offers the owners, providers and models the project's assets have", () => {
    const item = (owner: string | null, provider: string | null, model: string | null) =>
      ({ owner, provider, model }) as Asset;
    const found = facets([item("ben", "fal.ltx-2", "ltx-2"), item("ana", null, null), item("ben", "offline", "x")]);
    expect(found).toEqual({ owners: ["ana", "ben"], providers: ["fal.ltx-2", "offline"], models: ["ltx-2", "x"] });
  });
  it("writes durations and costs as an editor reads them", () => {
    expect(formatDuration(2)).toBe("0:02.0");
    expect(formatDuration(65.25)).toBe("1:05.3");
    expect(formatDuration(3723.5)).toBe("1:02:03.5");
    expect(formatDuration(null)).toBe("–");
    expect(formatCost("0.0885")).toBe("$0.09");
    expect(formatCost("0.004")).toBe("$0.0040");
    expect(formatCost(null)).toBeNull();
  });
});

describe("downloads", () => {
  const share = () => true;
  it("uses the share sheet on iOS and a link elsewhere", () => {
    const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15";
    const ipadOS = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15";
    expect(downloadMethod({ userAgent: iphone, canShare: share })).toBe("share");
    expect(isIOS({ userAgent: ipadOS, maxTouchPoints: 5 })).toBe(true);
    expect(isIOS({ userAgent: ipadOS, maxTouchPoints: 0 })).toBe(false);
    expect(downloadMethod({ userAgent: iphone })).toBe("link"); // an old iOS without files
    expect(downloadMethod({ userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140", canShare: share })).toBe("link");
  });
});

describe("where an imported file goes", () => {
  const clips = [
    fixtureClip("v", 0, 4),
    fixtureClip("v2", 1, 9, { trackIndex: 1 }),
    fixtureClip("a", 2, 1.5, { type: "audio" }),
  ];
  it("appends a video after V1 and an audio file after A1", () => {
    expect(appendPoint(clips)).toBe(4);
    expect(appendPoint(clips, "audio")).toBe(3.5);
    expect(appendPoint([], "audio")).toBe(0);
  });
});
