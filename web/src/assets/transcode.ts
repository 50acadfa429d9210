// Seed 000's edge transcode: 1080p H.264 with ffmpeg.wasm before upload. This module is only
// ever imported dynamically (the ~31 MB core stays out of the main bundle and loads on the first
// large upload); the FFmpeg class runs the core in its own module Web Worker, so the page stays
// responsive. The core's files are bundled with the app (same origin, content-hashed): no CDN.
import { FFFSType, FFmpeg } from "@ffmpeg/ffmpeg";
import coreURL from "@ffmpeg/core?url";
import wasmURL from "@ffmpeg/core/wasm?url";
import { transcodeArgs, transcodedName } from "./policy";

let instance: Promise<FFmpeg> | null = null;

/** One ffmpeg per tab, loaded on first use and kept for the session (as the seed does). */
function ffmpeg(): Promise<FFmpeg> {
  instance ??= (async () => {
    const ff = new FFmpeg();
    await ff.load({ coreURL: new URL(coreURL, location.href).href, wasmURL: new URL(wasmURL, location.href).href });
    return ff;
  })();
  instance.catch(() => {
    instance = null; // a failed load may succeed later (e.g. after a network blip)
  });
  return instance;
}

let counter = 0;

/** `file` as 1080p (at most) H.264 + AAC MP4; `onProgress` gets 0..1. Throws when ffmpeg fails:
 * the caller then uploads the original and the server transcodes it. */
export async function transcode(file: File, height: number, onProgress: (fraction: number) => void): Promise<File> {
  const ff = await ffmpeg();
  const job = ++counter;
  const dir = `/in${job}`;
  const output = `out${job}.mp4`;
  const progress = ({ progress }: { progress: number }) => {
    if (Number.isFinite(progress)) onProgress(Math.min(1, Math.max(0, progress)));
  };
  ff.on("progress", progress);
  try {
    // WORKERFS reads the File where it is: the input is never copied into wasm memory.
    await ff.createDir(dir);
    await ff.mount(FFFSType.WORKERFS, { files: [file] }, dir);
    const code = await ff.exec(transcodeArgs(`${dir}/${file.name}`, output, height));
    if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
    const data = await ff.readFile(output);
    if (typeof data === "string" || data.byteLength === 0) throw new Error("ffmpeg wrote no video");
    return new File([data as Uint8Array<ArrayBuffer>], transcodedName(file.name), { type: "video/mp4" });
  } finally {
    ff.off("progress", progress);
    await ff.deleteFile(output).catch(() => undefined);
    await ff.unmount(dir).catch(() => undefined);
    await ff.deleteDir(dir).catch(() => undefined);
  }
}
