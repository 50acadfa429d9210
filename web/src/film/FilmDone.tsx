// The finished film: a player, a download (the share sheet on iOS, where a download link does
// nothing in a home-screen app), the storyboard, and "Open on the timeline".
import { useState, type MouseEvent } from "react";
import { filmUrl, films } from "./films";
import type { FilmStatus } from "./wizard";

interface Props {
  project: string;
  run: string;
  status: FilmStatus;
  act: (action: () => Promise<unknown>) => Promise<void>;
  onOpened: () => void;
}

const IOS = /iPad|iPhone|iPod/.test(navigator.userAgent);

export function FilmDone({ project, run, status, act, onOpened }: Props) {
  const [busy, setBusy] = useState(false);
  const url = `${filmUrl(project, run)}/film`;
  const notes = Array.isArray(status.report.notes) ? (status.report.notes as unknown[]).map(String) : [];

  const share = async (event: MouseEvent) => {
    if (!IOS || !("share" in navigator)) return; // the link downloads
    event.preventDefault();
    const blob = await (await fetch(url, { credentials: "same-origin" })).blob();
    await navigator.share({ files: [new File([blob], `${run}.mp4`, { type: "video/mp4" })] });
  };

  const open = async () => {
    setBusy(true);
    let opened = false;
    await act(async () => {
      await films.open(project, run);
      opened = true;
    });
    setBusy(false);
    if (opened) onOpened();
  };

  return (
    <div className="film-done">
      <video className="film-player" src={url} controls playsInline preload="metadata" aria-label="The finished film" />
      <div className="film-done-side">
        <h3>Your film is ready</h3>
        <p className="muted">
          Spent ${Number(status.spent).toFixed(2)} · {status.outputs.length} outputs
        </p>
        <div className="film-done-actions">
          <button className="gen film-primary" onClick={() => void open()} disabled={busy}>
            {busy ? "Opening…" : "Open on the timeline"}
          </button>
          <a className="film-button" href={url} download={`${run}.mp4`} onClick={(e) => void share(e)}>
            Download MP4
          </a>
        </div>
        <p className="muted film-note">Opening replaces the project's timeline for everyone with the film's clips.</p>
        {notes.length > 0 && (
          <details className="film-notes">
            <summary>
              {notes.length} note{notes.length === 1 ? "" : "s"} from the run
            </summary>
            <ul>
              {notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </div>
  );
}
