// The files this tab imported (seed 000, "The Local File Challenge"): a local clip plays at once
// for its owner from a blob URL, while the others see its placeholder. Per tab, never shared and
// never saved (a blob URL means nothing after a reload or on another machine).
//
// The player reads `localUrl(clipId)` to play a local clip that has no cloudUrl yet.

interface Local {
  file: File;
  url: string;
}

const files = new Map<string, Local>();
const listeners = new Set<() => void>();
let version = 0;

function changed(): void {
  version += 1;
  for (const listener of listeners) listener();
}

/** The blob URL of this tab's file for a local clip, if this tab has it. */
export function localUrl(clipId: string): string | undefined {
  return files.get(clipId)?.url;
}

export function localFile(clipId: string): File | undefined {
  return files.get(clipId)?.file;
}

/** Keeps `file` for `clipId` (replacing, and releasing, an earlier one); its blob URL. */
export function rememberLocal(clipId: string, file: File): string {
  const before = files.get(clipId);
  if (before) URL.revokeObjectURL(before.url);
  const url = URL.createObjectURL(file);
  files.set(clipId, { file, url });
  changed();
  return url;
}

export function forgetLocal(clipId: string): void {
  const before = files.get(clipId);
  if (!before) return;
  URL.revokeObjectURL(before.url);
  files.delete(clipId);
  changed();
}

/** For useSyncExternalStore: re-render when this tab's files change. */
export function subscribeLocal(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function localVersion(): number {
  return version;
}
