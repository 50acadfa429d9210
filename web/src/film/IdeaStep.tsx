// The first step: a one-sentence idea and a few settings, beside the project's earlier runs
// (each reopens the wizard where that run stands).
import { useEffect, useState, type FormEvent } from "react";
import { errorText } from "./FilmWizard";
import { films } from "./films";
import { phaseLabel, type FilmRun } from "./wizard";

const SIZES = [
  { value: "1280x720", label: "1280 × 720 (HD)" },
  { value: "640x360", label: "640 × 360 (preview)" },
  { value: "256x144", label: "256 × 144 (draft)" },
];

export function IdeaStep({ project, onOpen }: { project: string; onOpen: (run: string) => void }) {
  const [idea, setIdea] = useState("");
  const [segments, setSegments] = useState(4);
  const [variants, setVariants] = useState(3);
  const [size, setSize] = useState("1280x720");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [runs, setRuns] = useState<FilmRun[] | null>(null);

  useEffect(() => {
    films.list(project).then(setRuns, (e: unknown) => setError(errorText(e)));
  }, [project]);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const [width, height] = size.split("x").map(Number);
    setBusy(true);
    setError(null);
    try {
      const run = await films.create(project, {
        idea: idea.trim(),
        segments,
        variants,
        width: width ?? 1280,
        height: height ?? 720,
        fps: "24",
        yolo: false,
        yes: false,
      });
      onOpen(run.id);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <div className="film-idea-step">
      <form className="film-form" onSubmit={(e) => void start(e)}>
        <label className="film-field">
          <span>Film idea</span>
          <textarea
            value={idea}
            onChange={(e) => setIdea(e.target.value)}
            rows={4}
            maxLength={4000}
            placeholder="A stranded astronaut on the moon walks around and discovers nature"
            required
          />
        </label>
        <div className="film-settings">
          <label className="film-field">
            <span>Segments</span>
            <input type="number" min={1} max={60} value={segments} onChange={(e) => setSegments(Number(e.target.value))} />
          </label>
          <label className="film-field">
            <span>Variants</span>
            <input type="number" min={1} max={8} value={variants} onChange={(e) => setVariants(Number(e.target.value))} />
          </label>
          <label className="film-field">
            <span>Size</span>
            <select value={size} onChange={(e) => setSize(e.target.value)}>
              {SIZES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted film-hint">
          The script, references and keyframes come first; you pick what the film uses and confirm the cost before any clip is rendered.
        </p>
        {error && (
          <p className="film-error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button className="gen film-primary" type="submit" disabled={busy || !idea.trim()}>
            {busy ? "Starting…" : "Write the film"}
          </button>
        </div>
      </form>
      <section className="film-runs" aria-label="Earlier runs">
        <h3>Runs in this project</h3>
        {runs === null && !error && <p className="muted">Loading…</p>}
        {runs?.length === 0 && <p className="muted">No film yet. Write one from an idea: it stays here to reopen.</p>}
        <ul>
          {runs?.map((r) => (
            <li key={r.id}>
              <button className="film-run" onClick={() => onOpen(r.id)} aria-label={`Open run ${r.id}`}>
                <span className="film-run-idea">{r.options.idea ? String(r.options.idea) : r.id}</span>
                <span className={`film-badge ${r.phase}`}>
                  {r.running ? "● " : ""}
                  {phaseLabel(r.phase)}
                </span>
                <span className="muted film-run-when">{new Date(r.updated_at).toLocaleString()}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
