// Seed 000: files over the threshold (50 MB) become 1080p H.264 in the browser before upload;
// when the browser cannot (no WebAssembly or workers, or the transcode fails) the original goes
// up and the server transcodes it by the same rule.

export interface UploadPolicy {
  share_threshold: number;
  share_height: number;
  max_bytes: number;
}

export const DEFAULT_POLICY: UploadPolicy = { share_threshold: 50 * 1000 ** 2, share_height: 1080, max_bytes: 4 * 1024 ** 3 };

export type Preparation = "as-is" | "browser" | "server";

export function preparation(size: number, policy: UploadPolicy, wasm: boolean): Preparation {
  if (size <= policy.share_threshold) return "as-is";
  return wasm ? "browser" : "server";
}

/** Whether this page can run ffmpeg.wasm (a module worker and WebAssembly). */
export function wasmAvailable(scope: { WebAssembly?: unknown; Worker?: unknown } = globalThis): boolean {
  return typeof scope.WebAssembly === "object" && typeof scope.Worker === "function";
}

/** The seed's command, with the scale only ever shrinking (a small clip keeps its size). */
export function transcodeArgs(input: string, output: string, height: number): string[] {
  return [
    "-i", input,
    "-vf", `scale=-2:'min(${height},ih)'`,
    "-c:v", "libx264", "-crf", "28", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "128k",
    "-movflags", "+faststart",
    "-y", output,
  ];
}

/** The transcoded file's name: the same stem, .mp4. */
export function transcodedName(name: string): string {
  const dot = name.lastIndexOf(".");
  return `${dot > 0 ? name.slice(0, dot) : name}.mp4`;
}
