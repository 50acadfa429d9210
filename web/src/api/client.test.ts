import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, call, send } from "./client";

describe("requests without an answer", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("say the server cannot be reached, in words", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    await expect(call(api.GET("/api/auth/me"))).rejects.toThrow(/cannot reach the server/);
    const failure = await send("GET", "/api/projects").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(0);
  });
});
