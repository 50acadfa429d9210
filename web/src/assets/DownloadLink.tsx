// A download that works on desktop (a[download]) and on iOS (the share sheet, with the file
// fetched before the tap so that Safari still counts the tap as the gesture).
import { useEffect, useState } from "react";
import { downloadMethod, fetchFile, shareFile } from "./download";

interface Props {
  url: string;
  filename: string;
  mime?: string | null;
  label?: string;
}

export function DownloadLink({ url, filename, mime, label }: Props) {
  const share = downloadMethod(navigator) === "share";
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!share) return;
    let live = true;
    fetchFile(url, filename, mime ?? "").then(
      (f) => live && setFile(f),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [share, url, filename, mime]);
  const text = label ?? `Download ${filename}`;
  return (
    <>
      <a
        className="button download"
        href={url}
        download={filename}
        aria-label={`Download ${filename}`}
        aria-disabled={share && !file ? true : undefined}
        onClick={(event) => {
          if (!share || !file) return; // desktop: the link does it
          event.preventDefault();
          shareFile(file).then(
            (shared) => {
              if (!shared) window.location.href = url; // the sheet cannot take it: open it
            },
            (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
          );
        }}
      >
        {share && !file && !error ? "Preparing…" : text}
      </a>
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
