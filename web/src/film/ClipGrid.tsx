// Phase 3: one tile per segment, rendered in parallel, each with its first keyframe as poster,
// its job's status and progress (generation yellow, shimmering while it runs).
import { clipCounts, progressOf, type Checkpoints, type FilmStatus } from "./wizard";

const WORDS: Record<string, string> = {
  waiting: "waiting",
  queued: "queued",
  running: "rendering",
  succeeded: "ready",
  failed: "failed",
  canceled: "canceled",
};

export function ClipGrid({ status, checkpoints }: { status: FilmStatus; checkpoints: Checkpoints | null }) {
  const counts = clipCounts(status.segments);
  const last = status.log.at(-1);
  const assembling = last?.step === "assembly" ? progressOf(last.text) : null;
  const poster = (index: number): string | undefined => {
    const frame = checkpoints?.keyframes[index];
    return frame?.variants[frame.pick ?? 0];
  };

  return (
    <div className="film-clips">
      <p className="film-lead" role="status" aria-label="Clips">
        {counts.ready} of {counts.total} clips ready
        {counts.running > 0 ? ` · ${counts.running} rendering` : ""}
        {counts.failed > 0 ? ` · ${counts.failed} failed` : ""}
        {assembling ? ` · assembling the film ${Math.round(assembling.fraction * 100)}%` : ""}
        {status.running && status.phase !== "rendering" ? " · getting ready: what is already made comes from the cache, free" : ""}
      </p>
      <ul className="film-grid" aria-label="Clip progress">
        {status.segments.map((s) => {
          const word = WORDS[s.status] ?? s.status;
          const percent = s.status === "succeeded" ? 100 : Math.round(s.progress * 100);
          const url = poster(s.index);
          return (
            <li key={s.index} className={`film-tile ${s.status}`} aria-label={`Segment ${s.index + 1}: ${word}`}>
              <div className="film-tile-picture">
                {url ? <img src={url} alt="" /> : <div className="film-tile-blank" />}
                {(s.status === "running" || s.status === "queued") && <div className="film-shimmer" />}
                <span className="film-tile-number">{s.index + 1}</span>
              </div>
              <div className="film-tile-text">
                <span className="film-tile-status">
                  {word}
                  {s.cached ? " · cached" : ""}
                </span>
                <span className="muted">{s.status === "running" ? `${percent}%` : ""}</span>
              </div>
              <div className="film-bar small" role="progressbar" aria-label={`Segment ${s.index + 1} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
                <div className="film-bar-fill" style={{ width: `${percent}%` }} />
              </div>
              {s.error && <p className="film-tile-error">{s.error}</p>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
