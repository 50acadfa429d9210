// Generate from in/out, beside the player: the range (mark in/out at the playhead), a prompt, the
// model as one plain dropdown, and a Generate button that says how many frames and what it costs
// before it is pressed. The server places the clip; the bar says where (or that a new track
// comes). Refusals (credits, a span in a gap...) show the server's sentence as it is.
import { useEffect, useState, type FormEvent } from "react";
import { api, call, ApiError, type Schemas } from "../api/client";
import { useStudio, useTimeline } from "../studio/context";
import { timecode } from "../player/schedule";
import { credits, useCredits } from "./credits";
import { estimates, useEstimate } from "./estimate";
import "./generation.css";

type Model = Schemas["VideoModelOut"];
const ESTIMATE_DELAY_MS = 150;

export function money(value: string | number | null | undefined): string {
  const amount = Number(value ?? 0);
  return amount === 0 ? "free" : `$${amount.toFixed(amount < 1 ? 3 : 2)}`;
}

export function GenerateBar() {
  const { project, store } = useStudio();
  const timeline = useTimeline();
  const credit = useCredits();
  const { inPoint, outPoint, playhead } = timeline.selection;
  const [models, setModels] = useState<Model[]>([]);
  const [provider, setProvider] = useState<string>("");
  const [prompt, setPrompt] = useState("");
  const { estimate, error: estimateError } = useEstimate(); // shared with the timeline's landing
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const hasRange = inPoint !== null && outPoint !== null;

  useEffect(() => {
    call(api.GET("/api/projects/{project}/generate/models", { params: { path: { project } } })).then(
      (found) => {
        setModels(found);
        setProvider((current) => current || (found[0]?.provider ?? ""));
      },
      (error: unknown) => setModelsError(error instanceof Error ? error.message : String(error)),
    );
  }, [project]);
  useEffect(() => () => estimates.set(null), []); // nothing to draw once the bar is gone

  // The estimate follows the range, the model and every timeline change (placement may move).
  useEffect(() => {
    if (!hasRange || !provider) return estimates.set(null);
    let live = true;
    const timer = setTimeout(() => {
      const query = { provider, in_point: inPoint, out_point: outPoint };
      call(api.GET("/api/projects/{project}/generate/estimate", { params: { path: { project }, query } })).then(
        (found) => {
          if (live) estimates.set(found);
        },
        (error: unknown) => {
          if (live) estimates.set(null, error instanceof Error ? error.message : String(error));
        },
      );
    }, ESTIMATE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [project, provider, inPoint, outPoint, hasRange, timeline.revision]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    setStarted(null);
    try {
      const body = { prompt, provider: provider || null, in_point: inPoint, out_point: outPoint };
      const answer = await call(api.POST("/api/projects/{project}/generate", { params: { path: { project } }, body }));
      setStarted(`Generating ${answer.frames} frames on track V${answer.track_index + 1}.`);
      setPrompt("");
    } catch (error) {
      setRefusal(error instanceof ApiError || error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
      void credits.refresh();
    }
  };

  const range = hasRange && estimate && estimate.in_point === inPoint && estimate.out_point === outPoint ? estimate : null;
  const frames = range?.frames ?? (hasRange ? Math.max(1, Math.ceil((outPoint - inPoint) * 24 - 1e-6)) : 0);
  const short = range && credit.credits && range.credits > credit.credits.remaining;
  const model = models.find((m) => m.provider === provider);
  return (
    <form className="generate" aria-label="Generate" onSubmit={(e) => void submit(e)}>
      <div className="generate-range">
        <button type="button" onClick={() => store.setSelection({ inPoint: playhead, ...(outPoint !== null && outPoint <= playhead ? { outPoint: null } : {}) })} title="Mark in at the playhead (I)">
          [ Mark in
        </button>
        <button type="button" onClick={() => store.setSelection({ outPoint: playhead, ...(inPoint !== null && inPoint >= playhead ? { inPoint: null } : {}) })} title="Mark out at the playhead (O)">
          Mark out ]
        </button>
        {hasRange ? (
          <span className="range-text" aria-label="Selected range">
            {timecode(inPoint, 24)} → {timecode(outPoint, 24)} · {frames} frames
          </span>
        ) : (
          <span className="muted">Mark an in and an out point (I / O) around the moment to generate.</span>
        )}
        {hasRange && (
          <button type="button" className="ghost" onClick={() => store.setSelection({ inPoint: null, outPoint: null })} aria-label="Clear in and out">
            ✕
          </button>
        )}
      </div>
      <div className="generate-row">
        <textarea
          className="prompt"
          aria-label="Prompt"
          placeholder="What happens between in and out…"
          rows={1}
          value={prompt}
          maxLength={4000}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <select aria-label="Model" value={provider} onChange={(e) => setProvider(e.target.value)} title={model?.pricing}>
          {models.map((m) => (
            <option key={m.provider} value={m.provider}>
              {m.label}
            </option>
          ))}
        </select>
        <button className="generate-button" type="submit" disabled={busy || !hasRange || !prompt.trim()}>
          {busy ? "Starting…" : "Generate"}
          {hasRange && (
            <span className="generate-cost">
              {frames} frames · {range ? money(range.estimated_cost) : "…"}
            </span>
          )}
        </button>
      </div>
      {hasRange && range && (
        <p className={range.new_track ? "placement new-track" : "placement"} aria-label="Placement">
          {range.new_track
            ? `No free track above the sources: a new track V${range.track_index + 1} will be added on top.`
            : `The clip will go on track V${range.track_index + 1}${range.first_frame || range.last_frame ? ", linked to its sources" : ""}.`}
          {range.credits > 0 ? ` Takes ${range.credits} frame credits.` : " Takes no credits."}
        </p>
      )}
      {short && credit.credits && (
        <p className="error">
          This needs {range.credits} frame credits; you have {credit.credits.remaining} left today.
        </p>
      )}
      {(modelsError ?? (hasRange ? estimateError : null)) && <p className="error">{modelsError ?? estimateError}</p>}
      {refusal && (
        <p className="error" role="alert">
          {refusal}
        </p>
      )}
      {started && <p role="status" className="muted">{started}</p>}
    </form>
  );
}
