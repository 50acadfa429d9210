// What is drawn over the ruler and the tracks: the in/out brackets and the selected range
// (generation colour), the shared playhead, and where other people are (their colours).
import type { CSSProperties } from "react";
import type { Presence, Selection } from "../store/types";

export function RulerMarks({ selection, playhead, others }: { selection: Selection; playhead: number; others: Presence[] }) {
  const { inPoint, outPoint } = selection;
  return (
    <div className="ruler-marks" aria-hidden="true">
      {inPoint !== null && outPoint !== null && outPoint > inPoint && (
        <span className="range" style={{ "--a": inPoint, "--b": outPoint } as CSSProperties} />
      )}
      {inPoint !== null && <span className="bracket in" style={{ "--x": inPoint } as CSSProperties} />}
      {outPoint !== null && <span className="bracket out" style={{ "--x": outPoint } as CSSProperties} />}
      {others.map((p) =>
        p.playhead === undefined ? null : (
          <span key={p.clientId} className="presence-flag" style={{ "--x": p.playhead, "--who": p.colour } as CSSProperties}>
            {p.name}
          </span>
        ),
      )}
      <span className="playhead-head" style={{ "--x": playhead } as CSSProperties} />
    </div>
  );
}

export function TrackMarks({ selection, playhead, others, snap }: { selection: Selection; playhead: number; others: Presence[]; snap: number | null }) {
  const { inPoint, outPoint } = selection;
  return (
    <>
      {inPoint !== null && outPoint !== null && outPoint > inPoint && (
        <span className="range-tracks" style={{ "--a": inPoint, "--b": outPoint } as CSSProperties} aria-hidden="true" />
      )}
      {others.map((p) =>
        p.playhead === undefined ? null : (
          <span key={p.clientId} className="presence-line" style={{ "--x": p.playhead, "--who": p.colour } as CSSProperties} aria-hidden="true" />
        ),
      )}
      {snap !== null && <span className="snap-line" style={{ "--x": snap } as CSSProperties} aria-hidden="true" />}
      <span className="playhead-line" style={{ "--x": playhead } as CSSProperties} aria-hidden="true" />
    </>
  );
}
