// The film wizard's logic, apart from React: which step a run is at (so a reload, or reopening
// the wizard on an old run, lands where the run is), progress read from the pipeline's log
// lines, and which references a keyframe actually receives under the image model's cap.
import type { Schemas } from "../api/client";

export type FilmStatus = Schemas["FilmStatusOut"];
export type FilmRun = Schemas["FilmOut"];
export type Checkpoints = Schemas["CheckpointsOut"];
export type Estimate = Schemas["EstimateOut"];

export type Step = "idea" | "refs" | "keyframes" | "cost" | "clips" | "film";

export const STEPS: readonly { step: Step; title: string }[] = [
  { step: "idea", title: "Idea" },
  { step: "refs", title: "References" },
  { step: "keyframes", title: "Keyframes" },
  { step: "cost", title: "Cost" },
  { step: "clips", title: "Clips" },
  { step: "film", title: "Film" },
];

export interface Where {
  step: Step;
  /** The pipeline is making what this step shows (its log is the view). */
  working: boolean;
  /** Failed, canceled or interrupted there: the server's sentence and a resume. */
  stopped: boolean;
}

type StatusLike = Pick<FilmStatus, "phase" | "running" | "awaiting" | "log" | "picks">;

function picked(picks: FilmStatus["picks"], what: "refs" | "keyframes"): boolean {
  const found = picks[what];
  return typeof found === "object" && found !== null && Object.keys(found).length > 0;
}

/** The phase a stopped run last reported ("Phase 2 - keyframes" -> keyframes). */
function lastPhase(log: FilmStatus["log"]): Step {
  for (let i = log.length - 1; i >= 0; i--) {
    const match = /^Phase (\d)/.exec(log[i]?.step ?? "");
    if (match) return match[1] === "3" ? "clips" : match[1] === "2" ? "keyframes" : "refs";
  }
  return "refs";
}

/** Where a run stands, as the wizard shows it. A resumed run passes through the phases it has
 * done (cache hits), so the picks already made say where it is heading. */
export function whereIs(status: StatusLike): Where {
  const { phase, running } = status;
  const at = (step: Step, working = running): Where => ({ step, working, stopped: false });
  switch (phase) {
    case "awaiting_pick_refs":
      return at("refs", false);
    case "awaiting_pick_keyframes":
      return at(status.awaiting.length === 0 ? "cost" : "keyframes", false);
    case "awaiting_approval":
      return at("cost", false);
    case "done":
      return at("film", false);
    case "rendering":
      break;
    case "created":
    case "writing":
    case "references":
    case "keyframes": {
      if (!running) break;
      if (picked(status.picks, "keyframes")) return at("clips");
      if (phase === "keyframes" || picked(status.picks, "refs")) return at("keyframes");
      return at("refs");
    }
    default:
      break;
  }
  if (phase === "rendering" && running) return at("clips");
  return { step: phase === "rendering" ? "clips" : lastPhase(status.log), working: false, stopped: true };
}

const PHASES: Record<string, string> = {
  created: "Starting",
  writing: "Writing the script",
  references: "Drawing references",
  awaiting_pick_refs: "Pick references",
  keyframes: "Drawing keyframes",
  awaiting_pick_keyframes: "Pick keyframes",
  awaiting_approval: "Confirm the cost",
  rendering: "Rendering clips",
  interrupted: "Interrupted",
  done: "Finished",
  failed: "Stopped",
};

export function phaseLabel(phase: string): string {
  return PHASES[phase] ?? phase;
}

/** "references 6/10" -> 0.6 of "references"; null for a line that is no count. */
export function progressOf(text: string): { label: string; fraction: number } | null {
  const match = /^(.*\S)\s+(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return null;
  const done = Number(match[2]);
  const total = Number(match[3]);
  if (!(total > 0)) return null;
  return { label: match[1] ?? "", fraction: Math.min(1, done / total) };
}

/** The items a model receives and those past its cap (shown faded, marked unused). */
export function splitAtCap<T>(items: readonly T[], cap: number): { used: T[]; unused: T[] } {
  const limit = Math.max(0, cap);
  return { used: items.slice(0, limit), unused: items.slice(limit) };
}

export interface ReferenceUse {
  /** Boundaries whose keyframe receives this reference. */
  sent: number[];
  /** Boundaries that name it past the cap: not sent there. */
  dropped: number[];
}

/** For each reference key, where it reaches a keyframe and where the cap drops it. A key no
 * boundary names at all is absent (never sent). */
export function referenceUse(keyframes: readonly Pick<Schemas["KeyframeOut"], "boundary" | "references">[], cap: number): Map<string, ReferenceUse> {
  const use = new Map<string, ReferenceUse>();
  for (const frame of keyframes) {
    const { used, unused } = splitAtCap(frame.references, cap);
    for (const [keys, into] of [
      [used, "sent"],
      [unused, "dropped"],
    ] as const) {
      for (const key of keys) {
        const entry = use.get(key) ?? { sent: [], dropped: [] };
        entry[into].push(frame.boundary);
        use.set(key, entry);
      }
    }
  }
  return use;
}

/** Whether a reference reaches no keyframe at all (its card is shown faded, "unused"). */
export function unusedReference(use: Map<string, ReferenceUse>, key: string): boolean {
  const entry = use.get(key);
  return entry === undefined || entry.sent.length === 0;
}

/** "K0", and which ends of the film it sits at. */
export function boundaryName(boundary: number, count: number): string {
  if (boundary === 0) return "K0 · opening";
  if (boundary === count - 1) return `K${boundary} · closing`;
  return `K${boundary}`;
}

export interface ClipCounts {
  ready: number;
  running: number;
  failed: number;
  total: number;
}

export function clipCounts(segments: readonly Pick<Schemas["SegmentOut"], "status">[]): ClipCounts {
  const counts = { ready: 0, running: 0, failed: 0, total: segments.length };
  for (const s of segments) {
    if (s.status === "succeeded") counts.ready++;
    else if (s.status === "running" || s.status === "queued") counts.running++;
    else if (s.status === "failed" || s.status === "canceled") counts.failed++;
  }
  return counts;
}

/** The run a reload comes back to lives in the URL (?film=RUN, or ?film=new for the idea). */
export function runFromUrl(search: string): string | null {
  return new URLSearchParams(search).get("film");
}

export function urlWithRun(href: string, run: string | null): string {
  const url = new URL(href);
  if (run === null) url.searchParams.delete("film");
  else url.searchParams.set("film", run);
  return url.pathname + url.search + url.hash;
}
