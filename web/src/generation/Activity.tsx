// The project's generations, running and recent, with status, progress, cost and errors, and
// cancel / retry. Read from the server on open and on every (re)connect of the event stream (so a
// reload shows what is running), then kept live by `job` events. Many jobs run at once.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, call, type Schemas } from "../api/client";
import { useEvents, useStudio } from "../studio/context";
import type { EventRecord, Hello } from "../store/events";
import { credits } from "./credits";
import { money } from "./GenerateBar";
import "./generation.css";

export type Job = Schemas["GenerationOut"];
const ACTIVE = new Set(["queued", "running"]);

/** A job event applied to the list; null when the job is not in it (the list is re-read). */
export function applyEvent(jobs: readonly Job[], event: Schemas["JobEvent"]): Job[] | null {
  const index = jobs.findIndex((j) => j.job_id === event.job_id);
  if (index < 0) return null;
  const job = jobs[index] as Job;
  const finished = !ACTIVE.has(event.status);
  const next: Job = {
    ...job,
    status: event.status,
    progress: event.progress ?? job.progress,
    message: event.message || job.message,
    error: event.error ?? (event.status === "failed" ? job.error : null),
    ...(finished ? { actual_cost: event.cost ?? job.actual_cost } : { estimated_cost: event.cost ?? job.estimated_cost }),
  };
  return jobs.map((j, i) => (i === index ? next : j));
}

export function Activity() {
  const { project } = useStudio();
  const [jobs, setJobsState] = useState<Job[] | null>(null);
  const jobsRef = useRef<Job[] | null>(null);
  const setJobs = useCallback((next: Job[]) => {
    jobsRef.current = next;
    setJobsState(next);
  }, []);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const reload = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(() => {
    if (reload.current) clearTimeout(reload.current);
    reload.current = setTimeout(() => {
      call(api.GET("/api/projects/{project}/generations", { params: { path: { project }, query: { limit: 50 } } })).then(
        (found) => {
          setJobs(found);
          setError(null);
        },
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      );
    }, 50);
  }, [project, setJobs]);

  useEffect(() => {
    load();
    return () => {
      if (reload.current) clearTimeout(reload.current);
    };
  }, [load]);

  useEvents(
    useCallback(
      (message: Hello | EventRecord) => {
        if (message.kind === "hello") return load(); // a (re)connect: read the whole list again
        const event = message.event;
        if (event.type !== "job") return;
        const next = jobsRef.current ? applyEvent(jobsRef.current, event) : null;
        if (next) setJobs(next);
        else load(); // a job someone just started
      },
      [load, setJobs],
    ),
  );

  const act = async (job: Job, action: "cancel" | "retry") => {
    setProblems((p) => ({ ...p, [job.job_id]: "" }));
    try {
      const params = { path: { project, job_id: job.job_id } };
      if (action === "cancel") await call(api.POST("/api/projects/{project}/generations/{job_id}/cancel", { params }));
      else await call(api.POST("/api/projects/{project}/generations/{job_id}/retry", { params }));
      load();
    } catch (e) {
      setProblems((p) => ({ ...p, [job.job_id]: e instanceof Error ? e.message : String(e) }));
    } finally {
      void credits.refresh();
    }
  };

  const [active, recent] = useMemo(() => {
    const all = jobs ?? [];
    return [all.filter((j) => ACTIVE.has(j.status)), all.filter((j) => !ACTIVE.has(j.status))];
  }, [jobs]);

  return (
    <section className="activity" aria-label="Activity">
      <h2 className="panel-title">
        Activity {active.length > 0 && <span className="badge">{active.length} running</span>}
      </h2>
      {error && <p className="error">{error}</p>}
      {jobs === null && !error && <p className="muted">Loading…</p>}
      {jobs !== null && jobs.length === 0 && <p className="muted empty">No generations yet. Mark in and out, write a prompt and press Generate.</p>}
      <ul className="jobs" aria-label="Generations">
        {[...active, ...recent].map((job) => (
          <JobRow key={job.job_id} job={job} problem={problems[job.job_id] ?? ""} onAct={(a) => void act(job, a)} />
        ))}
      </ul>
    </section>
  );
}

function JobRow({ job, problem, onAct }: { job: Job; problem: string; onAct: (action: "cancel" | "retry") => void }) {
  const running = ACTIVE.has(job.status);
  const cost = job.status === "succeeded" ? job.actual_cost : job.estimated_cost;
  const when = new Date(job.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <li className={`job ${job.status}`} aria-label={`Generation ${job.prompt ?? ""}`}>
      <div className="job-head">
        <span className={`status ${job.status}`}>{job.status}</span>
        <span className="job-prompt" title={job.prompt ?? ""}>
          {job.prompt || "(no prompt)"}
        </span>
      </div>
      {running && (
        <div className="job-progress" role="progressbar" aria-label="Progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)}>
          <div style={{ width: `${Math.round(job.progress * 100)}%` }} />
        </div>
      )}
      <div className="job-meta muted">
        {job.user} · {when} · {job.model} · {money(cost)}
        {job.frames > 0 && ` · ${job.frames} credits`}
        {job.retried_from && " · retry"}
      </div>
      {job.message && running && <div className="job-message muted">{job.message}</div>}
      {job.error && <div className="error job-error">{job.error}</div>}
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <div className="job-actions">
        {running && (
          <button type="button" onClick={() => onAct("cancel")} aria-label="Cancel">
            Cancel
          </button>
        )}
        {(job.status === "failed" || job.status === "canceled") && (
          <button type="button" onClick={() => onAct("retry")} aria-label="Retry">
            Retry
          </button>
        )}
      </div>
    </li>
  );
}
