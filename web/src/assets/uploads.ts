// Sharing a local clip (seed 000): converting (the browser's own transcode, over the threshold)
// -> uploading (resumable, in slices, with progress) -> the server finishes it and the clip
// turns into a normal cloud clip for everyone. Per tab: the state of this tab's uploads, so the
// panel shows progress wherever it is re-rendered.
import { api, call, csrfToken, send, ApiError, type Schemas } from "../api/client";
import { nextChunk, resumeOffset, retryDelay } from "./chunks";
import { DEFAULT_POLICY, preparation, wasmAvailable, type UploadPolicy } from "./policy";

export type UploadOut = Schemas["UploadOut"];
export type Phase = "converting" | "uploading" | "processing" | "ready" | "failed";

export interface UploadState {
  clipId: string;
  phase: Phase;
  progress: number; // 0..1 of the phase
  note: string | null; // e.g. "the browser could not transcode: the server will"
  error: string | null;
}

const MAX_RETRIES = 6;
const states = new Map<string, UploadState>();
const listeners = new Set<() => void>();
let snapshot: ReadonlyMap<string, UploadState> = new Map();

function set(clipId: string, change: Partial<UploadState>): void {
  const before = states.get(clipId) ?? { clipId, phase: "uploading", progress: 0, note: null, error: null };
  states.set(clipId, { ...before, ...change });
  snapshot = new Map(states);
  for (const listener of listeners) listener();
}

export function subscribeUploads(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function uploadStates(): ReadonlyMap<string, UploadState> {
  return snapshot;
}

const policies = new Map<string, Promise<UploadPolicy>>();

export function uploadPolicy(project: string): Promise<UploadPolicy> {
  let found = policies.get(project);
  if (!found) {
    found = call(api.GET("/api/projects/{project}/upload-policy", { params: { path: { project } } })).catch(
      () => DEFAULT_POLICY,
    );
    policies.set(project, found);
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PUT one slice with upload progress (fetch has none): the upload's record after it. */
function putSlice(url: string, body: Blob, csrf: string, onProgress: (sent: number) => void): Promise<UploadOut> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as UploadOut);
      else {
        const detail = (data as { detail?: unknown } | null)?.detail;
        reject(new ApiError(xhr.status, typeof detail === "string" ? detail : `the server answered ${xhr.status}`));
      }
    };
    xhr.onerror = () => reject(new TypeError("the connection dropped"));
    xhr.send(body);
  });
}

async function csrf(): Promise<string> {
  const token = csrfToken();
  if (token) return token;
  await send("GET", "/api/auth/csrf"); // sets the cookie
  return csrfToken() ?? "";
}

/** Sends every byte of `file` to upload `id`, resuming after dropped connections from what the
 * server says it has. Resolves with the record after the last byte. */
export async function sendBytes(
  project: string,
  id: string,
  file: Blob,
  onProgress: (fraction: number) => void,
  chunk?: number,
): Promise<UploadOut> {
  const base = `/api/projects/${encodeURIComponent(project)}/uploads/${encodeURIComponent(id)}`;
  const token = await csrf();
  let offset = 0;
  let failures = 0;
  let last: UploadOut | null = null;
  for (let range = nextChunk(offset, file.size, chunk); range; range = nextChunk(offset, file.size, chunk)) {
    const start = range.start;
    try {
      last = await putSlice(`${base}?offset=${start}`, file.slice(range.start, range.end), token, (sent) =>
        onProgress(Math.min(1, (start + sent) / file.size)),
      );
      offset = range.end;
      failures = 0;
    } catch (error) {
      // 4xx other than an offset mismatch is the server's answer (not media, too large): final.
      if (error instanceof ApiError && error.status !== 409 && error.status < 500) throw error;
      if (++failures > MAX_RETRIES) throw error;
      await sleep(retryDelay(failures));
      const record = await call(
        api.GET("/api/projects/{project}/uploads/{upload_id}", { params: { path: { project, upload_id: id } } }),
      );
      offset = resumeOffset(record.received, file.size);
      onProgress(offset / file.size);
    }
  }
  if (!last) throw new Error("nothing was sent");
  return last;
}

/** Converting -> uploading -> processing (the server's inspection and, if needed, its own
 * transcode) -> ready, for `file` on local clip `clipId`. The clip's own status (synced by the
 * server) tells everyone else; this tab's state adds the byte-level progress. */
export async function shareLocalClip(project: string, clipId: string, file: File): Promise<void> {
  set(clipId, { phase: "converting", progress: 0, error: null, note: null });
  try {
    const policy = await uploadPolicy(project);
    if (file.size > policy.max_bytes) {
      throw new Error(`the file is ${file.size} bytes; uploads are limited to ${policy.max_bytes} bytes`);
    }
    const prep = preparation(file.size, policy, wasmAvailable());
    const path = { project };
    const opened = await call(
      api.POST("/api/projects/{project}/uploads", {
        params: { path },
        body: { filename: file.name, size: file.size, clip_id: clipId, converting: prep === "browser" },
      }),
    );
    const upload_id = opened.id;
    let body: File = file;
    if (prep === "browser") {
      body = await convert(project, upload_id, clipId, file, policy);
      await call(
        api.PATCH("/api/projects/{project}/uploads/{upload_id}", {
          params: { path: { project, upload_id } },
          body: { size: body.size, progress: 1 },
        }),
      );
    } else if (prep === "server") {
      set(clipId, { note: "This browser cannot transcode: the server will." });
    }
    set(clipId, { phase: "uploading", progress: 0 });
    const done = await sendBytes(project, upload_id, body, (fraction) => set(clipId, { progress: fraction }));
    set(clipId, {
      phase: done.status === "ready" ? "ready" : "processing",
      progress: done.status === "converting" ? done.progress : 1,
    });
  } catch (error) {
    set(clipId, { phase: "failed", error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

/** The browser transcode, reporting progress to everyone (throttled); on any failure the
 * original goes up instead and the server transcodes it. */
async function convert(project: string, upload_id: string, clipId: string, file: File, policy: UploadPolicy): Promise<File> {
  let reported = 0;
  const report = (fraction: number) => {
    set(clipId, { progress: fraction });
    if (fraction - reported < 0.1) return;
    reported = fraction;
    void api.PATCH("/api/projects/{project}/uploads/{upload_id}", {
      params: { path: { project, upload_id } },
      body: { progress: fraction },
    });
  };
  try {
    const { transcode } = await import("./transcode");
    return await transcode(file, policy.share_height, report);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    set(clipId, { note: `The browser could not transcode (${reason}): the server will.` });
    return file;
  }
}

/** Follows the server's word on a clip (from the live document): ends this tab's state there. */
export function settle(clipId: string, status: string, error?: string | null): void {
  const state = states.get(clipId);
  if (!state) return;
  if (status === "ready" && state.phase !== "ready") set(clipId, { phase: "ready", progress: 1 });
  if (status === "failed" && state.phase !== "failed") set(clipId, { phase: "failed", error: error ?? "the upload failed" });
}

/** Forgets a finished upload's state (the person dismissed its "complete" line). */
export function dismissUpload(clipId: string): void {
  if (!states.delete(clipId)) return;
  snapshot = new Map(states);
  for (const listener of listeners) listener();
}
