// Downloads that work everywhere (issue 8 §7): an <a download> on desktop; on iOS, where a
// download of a blob goes nowhere useful, the share sheet with the file (Save to Files/Photos).

export interface NavigatorLike {
  userAgent: string;
  maxTouchPoints?: number;
  canShare?: (data: { files: File[] }) => boolean;
}

/** iPhone, iPad, and iPadOS that calls itself a Mac (but has touch). */
export function isIOS(nav: NavigatorLike): boolean {
  return /iPad|iPhone|iPod/.test(nav.userAgent) || (/Macintosh/.test(nav.userAgent) && (nav.maxTouchPoints ?? 0) > 1);
}

export type DownloadMethod = "share" | "link";

export function downloadMethod(nav: NavigatorLike): DownloadMethod {
  return isIOS(nav) && typeof nav.canShare === "function" ? "share" : "link";
}

/** The file, fetched ahead: Safari wants share() inside the tap itself, so the bytes must be
 * here before the person taps (an await on the network in between loses the gesture). */
export async function fetchFile(url: string, filename: string, mime: string): Promise<File> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`the download failed (${response.status})`);
  return new File([await response.blob()], filename, { type: mime || "application/octet-stream" });
}

/** Opens the share sheet with the file; false when the sheet cannot take it (the caller then
 * lets the link do its default). Closing the sheet is not an error. */
export async function shareFile(file: File): Promise<boolean> {
  if (!navigator.canShare?.({ files: [file] })) return false;
  try {
    await navigator.share({ files: [file], title: file.name });
  } catch (error) {
    if ((error as DOMException).name !== "AbortError") throw error;
  }
  return true;
}
