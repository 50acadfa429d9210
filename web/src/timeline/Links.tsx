// Linked clips: dotted guides from a generated clip to each of its sources, and a lock where they
// meet. The lock glows yellow while the clip generates, blue while a member uploads; on a
// finished link, hovering or focusing the lock reveals Unlink.
import type { CSSProperties } from "react";
import type { Clip } from "../store/types";
import type { Placement } from "./ClipView";

export interface Link {
  clip: Clip; // the clip that holds linkedClipIds (the generated one)
  place: Placement;
  sources: { clip: Clip; place: Placement }[];
}

/** Where a guide to `source` stands: the generated clip's edge that faces it. */
export function guideTime(generated: Placement, source: Placement): number {
  const end = generated.start + generated.duration;
  if (source.start + source.duration <= generated.start + 1e-6) return generated.start;
  if (source.start >= end - 1e-6) return end;
  return Math.max(generated.start, Math.min(end, source.start));
}

type LinkState = "processing" | "uploading" | "ready";

export function linkState(clips: Clip[]): LinkState {
  if (clips.some((c) => c.status === "processing")) return "processing";
  if (clips.some((c) => c.status === "uploading" || c.status === "converting")) return "uploading";
  return "ready";
}

export function Links({ links, onUnlink }: { links: Link[]; onUnlink: (clip: Clip) => void }) {
  return (
    <>
      {links.map(({ clip, place, sources }) => {
        const state = linkState([clip, ...sources.map((s) => s.clip)]);
        const guides = sources.map((source) => {
          const top = Math.min(place.row, source.place.row);
          const style = { "--x": guideTime(place, source.place), "--top": top, "--rows": Math.abs(place.row - source.place.row) } as CSSProperties;
          return <span key={source.clip.id} className={`link-guide ${state}`} style={style} aria-hidden="true" />;
        });
        const lockStyle = { "--x": place.start, "--r": place.row } as CSSProperties;
        const names = sources.map((s) => s.clip.name).join(", ");
        return (
          <div key={clip.id} className="link">
            {guides}
            <span className={`link-lock ${state}`} style={lockStyle} onPointerDown={(e) => e.stopPropagation()}>
              <button
                type="button"
                className="lock"
                aria-label={`${clip.name} is linked to ${names}${state === "ready" ? "" : state === "processing" ? " (generating)" : " (uploading)"}`}
                title={`Linked to ${names}`}
              >
                <LockIcon />
              </button>
              {state === "ready" && (
                <button type="button" className="unlink" aria-label={`Unlink ${clip.name}`} onClick={() => onUnlink(clip)}>
                  Unlink
                </button>
              )}
            </span>
          </div>
        );
      })}
    </>
  );
}

function LockIcon() {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}
