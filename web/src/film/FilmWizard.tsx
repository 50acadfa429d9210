// Film from an idea (issue 8 §6, seed 002): idea -> live pipeline log -> reference picker ->
// keyframe picker -> cost confirmation -> clip grid -> the finished film. The run lives on the
// server and its id in the URL (?film=RUN), so a reload or a reopened wizard lands on the step
// the run is at; film_run events and a poll while it runs keep the view current.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { useEvents, useStudio } from "../studio/context";
import type { EventRecord, Hello } from "../store/events";
import { ClipGrid } from "./ClipGrid";
import { CostStep } from "./CostStep";
import { FilmDone } from "./FilmDone";
import { films } from "./films";
import { IdeaStep } from "./IdeaStep";
import { KeyframePicker } from "./KeyframePicker";
import { LogView } from "./LogView";
import { RefPicker } from "./RefPicker";
import { STEPS, phaseLabel, runFromUrl, urlWithRun, whereIs, type Checkpoints, type FilmStatus, type Step, type Where } from "./wizard";
import "./film.css";

const POLL_MS = 800;

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function initialRun(): string | null {
  const run = runFromUrl(location.search);
  return run && run !== "new" ? run : null;
}

export function FilmWizard({ onClose }: { onClose: () => void }) {
  const { project } = useStudio();
  const [run, setRun] = useState<string | null>(initialRun);
  const [status, setStatus] = useState<FilmStatus | null>(null);
  const [checkpoints, setCheckpoints] = useState<Checkpoints | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [back, setBack] = useState<Step | null>(null); // "change keyframes" from the cost step
  const [version, setVersion] = useState(0); // bumped by every action: pictures may have changed
  const [showLog, setShowLog] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    history.replaceState(history.state, "", urlWithRun(location.href, run ?? "new"));
  }, [run]);

  const close = useCallback(() => {
    history.replaceState(history.state, "", urlWithRun(location.href, null));
    onClose();
  }, [onClose]);

  useEffect(() => {
    dialog.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [close]);

  const refresh = useCallback(async () => {
    if (!run) return;
    try {
      setStatus(await films.status(project, run));
    } catch (e) {
      setError(errorText(e));
    }
  }, [project, run]);

  const choose = useCallback((id: string | null) => {
    setStatus(null);
    setCheckpoints(null);
    setError(null);
    setBack(null);
    setShowLog(false);
    setRun(id);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- first load of the chosen run
    void refresh();
  }, [refresh]);

  const running = status?.running ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [running, refresh]);

  useEvents(
    useCallback(
      (message: Hello | EventRecord) => {
        if (message.kind === "event" && message.event.type === "film_run" && message.event.run_id === run) void refresh();
      },
      [run, refresh],
    ),
  );

  // The pictures to choose between change when the run reaches a checkpoint (or a new phase).
  const phase = status?.phase;
  useEffect(() => {
    if (!run || !phase) return;
    let live = true;
    films.checkpoints(project, run).then(
      (found) => live && setCheckpoints(found),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [project, run, phase, version]);

  const act = useCallback(
    async (action: () => Promise<unknown>) => {
      setError(null);
      try {
        await action();
      } catch (e) {
        setError(errorText(e));
      }
      setVersion((v) => v + 1);
      await refresh();
    },
    [refresh],
  );

  const where: Where | null = status ? (back && !status.running ? { step: back, working: false, stopped: false } : whereIs(status)) : null;
  const title = status?.options.idea ? String(status.options.idea) : run ? run : "A new film";

  return (
    <div className="modal film-backdrop">
      <div className="film-wizard" role="dialog" aria-modal="true" aria-label="Film from an idea" tabIndex={-1} ref={dialog}>
        <header className="film-head">
          <div className="film-title">
            <h2>Film from an idea</h2>
            {run && (
              <p className="muted film-idea" title={title}>
                {title}
              </p>
            )}
          </div>
          <Stepper at={run ? (where?.step ?? null) : "idea"} working={where?.working ?? false} stopped={where?.stopped ?? false} />
          <button className="ghost film-close" onClick={close} aria-label="Close">
            ✕
          </button>
        </header>
        {error && (
          <p className="film-error" role="alert">
            {error}
          </p>
        )}
        <div className="film-body">
          {!run && <IdeaStep project={project} onOpen={choose} />}
          {run && !status && !error && <p className="muted film-empty">Loading the run…</p>}
          {run && status && where && showLog && <LogView status={status} />}
          {run && status && where && !showLog && (
            <StepView
              project={project}
              run={run}
              status={status}
              where={where}
              checkpoints={checkpoints}
              act={act}
              onBack={setBack}
              onOpened={close}
            />
          )}
        </div>
        {run && status && (
          <footer className="film-foot">
            <button className="ghost" onClick={() => choose(null)}>
              ◂ All runs
            </button>
            <button className="ghost" aria-pressed={showLog} onClick={() => setShowLog((s) => !s)}>
              {showLog ? "Hide log" : "Show log"}
            </button>
            <span className="muted film-phase" role="status" aria-label="Run status">
              {status.running ? `Running · ${status.log.at(-1)?.text ?? phaseLabel(status.phase)}` : phaseLabel(status.phase)}
            </span>
            <div className="spacer" />
            {status.running && (
              <button className="film-danger" onClick={() => void act(() => films.cancel(project, run))}>
                Cancel run
              </button>
            )}
            {where?.stopped && (
              <button className="gen" onClick={() => void act(() => films.resume(project, run))}>
                Resume
              </button>
            )}
          </footer>
        )}
      </div>
    </div>
  );
}

interface ViewProps {
  project: string;
  run: string;
  status: FilmStatus;
  where: Where;
  checkpoints: Checkpoints | null;
  act: (action: () => Promise<unknown>) => Promise<void>;
  onBack: (step: Step | null) => void;
  onOpened: () => void;
}

function StepView({ project, run, status, where, checkpoints, act, onBack, onOpened }: ViewProps) {
  const stopped = where.stopped && (
    <p className="film-stopped" role="alert">
      Stopped: {(status.message || "the run ended").replace(/\.$/, "")}. Resume continues from here; finished work is not paid twice.
    </p>
  );
  if (where.step === "clips") {
    return (
      <>
        {stopped}
        <ClipGrid status={status} checkpoints={checkpoints} />
      </>
    );
  }
  if (where.working || where.stopped || !checkpoints) {
    return (
      <>
        {stopped}
        <LogView status={status} />
      </>
    );
  }
  switch (where.step) {
    case "refs":
      return <RefPicker project={project} run={run} checkpoints={checkpoints} status={status} act={act} />;
    case "keyframes":
      return <KeyframePicker project={project} run={run} checkpoints={checkpoints} status={status} act={act} onDone={() => onBack(null)} />;
    case "cost":
      return (
        <CostStep
          project={project}
          run={run}
          status={status}
          act={act}
          onChange={status.phase === "awaiting_pick_keyframes" ? () => onBack("keyframes") : null}
        />
      );
    case "film":
      return <FilmDone project={project} run={run} status={status} act={act} onOpened={onOpened} />;
    default:
      return <LogView status={status} />;
  }
}

function Stepper({ at, working, stopped }: { at: Step | null; working: boolean; stopped: boolean }) {
  const index = STEPS.findIndex((s) => s.step === at);
  return (
    <ol className="film-steps" aria-label="Steps">
      {STEPS.map((s, i) => {
        const state = i < index ? "done" : i === index ? (stopped ? "stopped" : working ? "working" : "current") : "todo";
        return (
          <li key={s.step} className={`film-step ${state}`} aria-current={i === index ? "step" : undefined}>
            <span className="film-step-dot" aria-hidden="true">
              {state === "done" ? "✓" : i + 1}
            </span>
            <span>{s.title}</span>
          </li>
        );
      })}
    </ol>
  );
}
