// The reference checkpoint: per character, environment and prop, the drawn variants (or the
// user's own guide image) to choose from. What a keyframe cannot receive under the image
// model's cap is shown faded and marked unused.
import { useState } from "react";
import { films } from "./films";
import { referenceUse, unusedReference, type Checkpoints, type FilmStatus } from "./wizard";

type Ref = Checkpoints["refs"][number];
type Choice = number | "guide";

interface Props {
  project: string;
  run: string;
  checkpoints: Checkpoints;
  status: FilmStatus;
  act: (action: () => Promise<unknown>) => Promise<void>;
}

function initial(refs: Ref[]): Record<string, Choice> {
  return Object.fromEntries(refs.map((r) => [r.key, r.guide ? "guide" : (r.pick ?? 0)]));
}

export function RefPicker({ project, run, checkpoints, status, act }: Props) {
  const [choice, setChoice] = useState<Record<string, Choice>>(() => initial(checkpoints.refs));
  const [busy, setBusy] = useState(false);
  const use = referenceUse(checkpoints.keyframes, checkpoints.cap);
  const variants = Number(status.options.variants ?? 1);

  const upload = (ref: Ref, file: File | undefined) => {
    if (!file) return;
    void act(async () => {
      await films.guide(project, run, ref.key, file);
      setChoice((c) => ({ ...c, [ref.key]: "guide" }));
    });
  };

  const proceed = async () => {
    setBusy(true);
    const picks: Record<string, number> = {};
    for (const ref of checkpoints.refs) {
      const chosen = choice[ref.key];
      if (typeof chosen === "number") picks[ref.key] = chosen;
    }
    await act(async () => {
      if (Object.keys(picks).length > 0) await films.pick(project, run, "refs", picks);
      await films.resume(project, run);
    });
    setBusy(false);
  };

  return (
    <div className="film-picker">
      <p className="film-lead">
        Pick the look of each character, place and prop, or upload your own guide image. {variants} variant{variants === 1 ? "" : "s"} each; the
        image model ({checkpoints.image_model ?? "none"}) takes up to <strong>{checkpoints.cap}</strong> references per keyframe.
      </p>
      <div className="film-refs">
        {checkpoints.refs.map((ref) => {
          const unused = unusedReference(use, ref.key);
          const dropped = use.get(ref.key)?.dropped ?? [];
          return (
            <section key={ref.key} className={unused ? "film-ref unused" : "film-ref"} aria-label={ref.label}>
              <header className="film-ref-head">
                <span className={`film-kind ${ref.kind}`}>{ref.kind}</span>
                <h3>{ref.label}</h3>
                {unused && <span className="film-unused-badge">unused</span>}
              </header>
              {unused && (
                <p className="muted film-note">
                  {dropped.length > 0
                    ? `Over the cap of ${checkpoints.cap} in every keyframe that names it: not sent.`
                    : "No keyframe shows it: not sent to the image model."}
                </p>
              )}
              {!unused && dropped.length > 0 && (
                <p className="muted film-note">Not sent to {dropped.map((b) => `K${b}`).join(", ")} (over the cap of {checkpoints.cap}).</p>
              )}
              <div className="film-variants" role="radiogroup" aria-label={`${ref.label} variants`}>
                {ref.variants.map((url, i) => (
                  <button
                    key={url}
                    role="radio"
                    aria-checked={choice[ref.key] === i}
                    aria-label={`${ref.label} variant ${i + 1}`}
                    className="film-thumb"
                    onClick={() => setChoice((c) => ({ ...c, [ref.key]: i }))}
                  >
                    <img src={url} alt="" loading="lazy" />
                    <span className="film-thumb-label">v{i + 1}</span>
                  </button>
                ))}
                {ref.guide && (
                  <button
                    role="radio"
                    aria-checked={choice[ref.key] === "guide"}
                    aria-label={`${ref.label} guide image`}
                    className="film-thumb guide"
                    onClick={() => setChoice((c) => ({ ...c, [ref.key]: "guide" }))}
                  >
                    <img src={ref.guide} alt="" />
                    <span className="film-thumb-label">your guide</span>
                  </button>
                )}
                <label className="film-upload" title="Upload a guide image">
                  <input
                    type="file"
                    accept="image/png,image/jpeg,image/webp"
                    aria-label={`Upload a guide image for ${ref.label}`}
                    onChange={(e) => upload(ref, e.target.files?.[0])}
                  />
                  <span aria-hidden="true">+</span>
                  <span>Guide image</span>
                </label>
              </div>
            </section>
          );
        })}
      </div>
      <div className="film-actions">
        <span className="muted">Next: keyframes are drawn from these.</span>
        <button className="gen film-primary" onClick={() => void proceed()} disabled={busy}>
          {busy ? "Continuing…" : "Continue with these references"}
        </button>
      </div>
    </div>
  );
}
