// The arithmetic of a resumable upload (routes/uploads.py): bytes go up in slices with
// PUT ?offset=N; after a dropped connection the server's `received` says where to go on.

export const CHUNK_BYTES = 8 * 1024 * 1024;

export interface Range {
  start: number;
  end: number; // exclusive
}

/** The next slice to send from `offset`, or null when everything is sent. */
export function nextChunk(offset: number, size: number, chunk = CHUNK_BYTES): Range | null {
  if (chunk <= 0) throw new Error("a chunk must hold at least one byte");
  if (offset >= size) return null;
  const start = Math.max(0, offset);
  return { start, end: Math.min(size, start + chunk) };
}

/** Where to resume: what the server has (it accepts any offset up to that), never past the file. */
export function resumeOffset(serverReceived: number, size: number): number {
  if (!Number.isFinite(serverReceived) || serverReceived < 0) return 0;
  return Math.min(serverReceived, size);
}

/** Every slice of a file, for a fresh upload (tests and progress estimates). */
export function chunkPlan(size: number, chunk = CHUNK_BYTES): Range[] {
  const plan: Range[] = [];
  for (let r = nextChunk(0, size, chunk); r; r = nextChunk(r.end, size, chunk)) plan.push(r);
  return plan;
}

/** Milliseconds before retry number `attempt` (1, 2, …): doubling, capped. */
export function retryDelay(attempt: number): number {
  return Math.min(8000, 500 * 2 ** Math.max(0, attempt - 1));
}
