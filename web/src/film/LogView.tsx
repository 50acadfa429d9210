// The live pipeline log: what the run is doing now (with a bar when the line is a count) and
// its recent lines, newest at the bottom and kept in view.
import { useEffect, useRef } from "react";
import { phaseLabel, progressOf, type FilmStatus } from "./wizard";

export function LogView({ status }: { status: FilmStatus }) {
  const list = useRef<HTMLOListElement>(null);
  const last = status.log.at(-1);
  const progress = last ? progressOf(last.text) : null;

  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [status.log.length]);

  return (
    <div className="film-log-view">
      <div className="film-now">
        {status.running && <span className="film-spinner" aria-hidden="true" />}
        <div className="film-now-text">
          <strong>{phaseLabel(status.phase)}</strong>
          <span className="muted">{status.running ? (last?.text ?? "starting…") : status.waiting ? "Waiting for you: hide the log to continue." : status.message}</span>
        </div>
      </div>
      <div
        className="film-bar"
        role="progressbar"
        aria-label="Step progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress ? Math.round(progress.fraction * 100) : undefined}
      >
        <div className={progress ? "film-bar-fill" : "film-bar-fill indeterminate"} style={progress ? { width: `${progress.fraction * 100}%` } : undefined} />
      </div>
      <ol className="film-log" role="log" aria-label="Pipeline log" ref={list}>
        {status.log.map((line, i) => (
          <li key={`${line.at}-${i}`}>
            <time className="muted">{new Date(line.at).toLocaleTimeString()}</time>
            <span>{line.text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
