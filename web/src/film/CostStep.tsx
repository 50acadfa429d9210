// Cost confirmation: Phase 3's estimate (speech, video, lip sync) and the user's frame credits,
// before any clip is rendered.
import { useEffect, useState } from "react";
import type { Schemas } from "../api/client";
import { errorText } from "./FilmWizard";
import { films } from "./films";
import type { Estimate, FilmStatus } from "./wizard";

interface Props {
  project: string;
  run: string;
  status: FilmStatus;
  act: (action: () => Promise<unknown>) => Promise<void>;
  onChange: (() => void) | null;
}

function hours(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function CostStep({ project, run, status, act, onChange }: Props) {
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [credits, setCredits] = useState<Schemas["CreditsOut"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    films.estimate(project, run).then(setEstimate, (e: unknown) => setError(errorText(e)));
    films.credits().then(setCredits, () => undefined);
  }, [project, run]);

  const cost = estimate ? Number(estimate.cost) : null;
  const confirm = async () => {
    setBusy(true);
    await act(() => films.confirm(project, run));
    setBusy(false);
  };

  return (
    <div className="film-cost">
      <div className="film-cost-cards">
        <section className="film-cost-card" aria-label="Estimate">
          <h3>Estimated cost</h3>
          <p className="film-big">{cost === null ? "…" : cost === 0 ? "Free" : `${estimate?.approximate ? "≈ " : ""}$${cost.toFixed(2)}`}</p>
          {estimate && (
            <p className="muted">
              {estimate.generate} to generate · {estimate.cached} from the cache
            </p>
          )}
          {estimate && <p className="film-note">{estimate.text}</p>}
          {status.phase === "awaiting_approval" && status.message && <p className="film-note">{status.message}</p>}
        </section>
        <section className="film-cost-card" aria-label="Your credits">
          <h3>Your frame credits</h3>
          <p className="film-big">{credits ? credits.remaining.toLocaleString() : "…"}</p>
          {credits && (
            <p className="muted">
              of {credits.daily_limit.toLocaleString()} today · resets in {hours(credits.seconds_until_reset)}
            </p>
          )}
          <p className="film-note">{cost === 0 ? "Free providers take no credits." : "Paid video reserves one credit per frame."}</p>
        </section>
      </div>
      {error && (
        <p className="film-error" role="alert">
          {error}
        </p>
      )}
      <div className="film-actions">
        {onChange && (
          <button className="ghost" onClick={onChange}>
            ◂ Change keyframes
          </button>
        )}
        <div className="spacer" />
        <button className="gen film-primary" onClick={() => void confirm()} disabled={busy || estimate === null}>
          {busy ? "Starting…" : cost ? `Confirm $${cost.toFixed(2)} and render` : "Confirm and render"}
        </button>
      </div>
    </div>
  );
}
