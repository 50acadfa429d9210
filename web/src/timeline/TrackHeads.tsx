// The track headers (sticky on the left): name, kind, and removing an empty track.
import type { CSSProperties, ReactNode } from "react";
import type { Row } from "./rows";

export function TrackHeads({ rows, counts, onRemove, ghost = null }: { rows: Row[]; counts: ReadonlyMap<string, number>; onRemove: (row: Row) => void; ghost?: ReactNode }) {
  return (
    <div className="track-heads" role="list" aria-label="Tracks">
      {ghost}
      {rows.map((row, i) => {
        const count = counts.get(`${row.kind}:${row.index}`) ?? 0;
        return (
          <div key={`${row.kind}-${row.id}`} role="listitem" className={`track-head ${row.kind}`} style={{ "--r": i } as CSSProperties}>
            <span className="track-name">{row.name}</span>
            <span className="track-count muted">{count}</span>
            <button
              type="button"
              className="ghost track-remove"
              aria-label={`Remove track ${row.name}`}
              title={count ? "Only an empty track can be removed" : `Remove ${row.name}`}
              onClick={() => onRemove(row)}
            >
              ✕
            </button>
          </div>
        );
      })}
    </div>
  );
}
