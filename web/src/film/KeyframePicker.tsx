// The keyframe checkpoint: the N+1 boundary frames on a strip in film order, each with its
// variants, and under it the references it is drawn from (past the model's cap: faded, unused).
import { useState } from "react";
import { films } from "./films";
import { boundaryName, splitAtCap, type Checkpoints, type FilmStatus } from "./wizard";

interface Props {
  project: string;
  run: string;
  checkpoints: Checkpoints;
  status: FilmStatus;
  act: (action: () => Promise<unknown>) => Promise<void>;
  onDone: () => void;
}

export function KeyframePicker({ project, run, checkpoints, act, onDone }: Props) {
  const frames = checkpoints.keyframes;
  const [choice, setChoice] = useState<Record<number, number>>(() => Object.fromEntries(frames.map((k) => [k.boundary, k.pick ?? 0])));
  const [busy, setBusy] = useState(false);
  const refs = new Map(checkpoints.refs.map((r) => [r.key, r]));
  const picture = (key: string): string | undefined => {
    const ref = refs.get(key);
    return ref?.guide ?? ref?.variants[ref.pick ?? 0];
  };

  const proceed = async () => {
    setBusy(true);
    const picks = Object.fromEntries(frames.map((k) => [`K${k.boundary}`, choice[k.boundary] ?? 0]));
    await act(async () => {
      await films.pick(project, run, "keyframes", picks);
      onDone();
    });
    setBusy(false);
  };

  return (
    <div className="film-picker">
      <p className="film-lead">
        Pick each boundary frame. Segment <em>n</em> moves from K<em>n−1</em> to K<em>n</em>, so each frame is shared by the clips on both sides of it.
      </p>
      <ol className="film-strip" aria-label="Keyframes in film order">
        {frames.map((frame) => {
          const { used, unused } = splitAtCap(frame.references, checkpoints.cap);
          const name = `K${frame.boundary}`;
          return (
            <li key={frame.boundary} className="film-frame">
              <h3>{boundaryName(frame.boundary, frames.length)}</h3>
              <div className="film-variants column" role="radiogroup" aria-label={`${name} variants`}>
                {frame.variants.map((url, i) => (
                  <button
                    key={url}
                    role="radio"
                    aria-checked={choice[frame.boundary] === i}
                    aria-label={`${name} variant ${i + 1}`}
                    className="film-thumb"
                    onClick={() => setChoice((c) => ({ ...c, [frame.boundary]: i }))}
                  >
                    <img src={url} alt="" loading="lazy" />
                    <span className="film-thumb-label">v{i + 1}</span>
                  </button>
                ))}
              </div>
              <ul className="film-chips" aria-label={`${name} references`}>
                {[...used.map((key) => ({ key, sent: true })), ...unused.map((key) => ({ key, sent: false }))].map(({ key, sent }) => {
                  const label = refs.get(key)?.label ?? key;
                  const url = picture(key);
                  return (
                    <li key={key} className={sent ? "film-chip" : "film-chip unused"} title={sent ? label : `${label}: over the cap, not sent`}>
                      {url && <img src={url} alt="" />}
                      <span>{label}</span>
                      {!sent && <span className="film-unused-badge">unused</span>}
                    </li>
                  );
                })}
              </ul>
            </li>
          );
        })}
      </ol>
      <div className="film-actions">
        <span className="muted">Next: the cost of the clips, before anything is rendered.</span>
        <button className="gen film-primary" onClick={() => void proceed()} disabled={busy}>
          {busy ? "Saving…" : "Continue with these keyframes"}
        </button>
      </div>
    </div>
  );
}
