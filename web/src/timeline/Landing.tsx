// Where a generation from in/out would put its clip (seed 000's "suggested new-track area"): a
// dashed ghost row above the top video track when the server will add one, else the free track's
// span lit. Generation-coloured, so it turns red with the rest when credits run out.
import type { CSSProperties } from "react";
import type { Landing } from "../generation/estimate";
import { rowOf } from "./rows";

export function LandingMark({ landing, videoCount }: { landing: Landing; videoCount: number }) {
  const style = { "--a": landing.start, "--b": landing.end } as Record<string, number>;
  if (landing.kind === "new") {
    return (
      <div className="landing new" style={{ ...style, "--r": -1 } as CSSProperties} role="img" aria-label={`New track ${landing.name} for the generated clip`}>
        <span className="landing-text">New {landing.name}</span>
      </div>
    );
  }
  const row = rowOf(videoCount, "video", landing.trackIndex);
  return (
    <div className="landing free" style={{ ...style, "--r": row } as CSSProperties} role="img" aria-label={`The generated clip goes on ${landing.name}`}>
      <span className="landing-text">→ {landing.name}</span>
    </div>
  );
}

/** The ghost head beside the ghost row. */
export function LandingHead({ name }: { name: string }) {
  return (
    <div role="listitem" className="track-head landing-head" aria-label={`${name}, added by the generation`}>
      <span className="track-name">{name}</span>
      <span className="track-count">new</span>
    </div>
  );
}
