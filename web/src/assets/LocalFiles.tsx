// The timeline's local clips (seed 000): the owner's play at once from this tab's file and can be
// shared with Upload; everyone else sees a striped placeholder with owner, file name and length.
import { useEffect, useSyncExternalStore, type ChangeEvent } from "react";
import type { Clip } from "../store/types";
import { useStudio, useTimeline } from "../studio/context";
import { localFile, localUrl, localVersion, rememberLocal, subscribeLocal } from "./localFiles";
import { Preview } from "./Preview";
import { formatDuration } from "./query";
import { dismissUpload, settle, shareLocalClip, subscribeUploads, uploadStates, type UploadState } from "./uploads";

export function LocalFiles() {
  const { project, me } = useStudio();
  const timeline = useTimeline();
  useSyncExternalStore(subscribeLocal, localVersion);
  const states = useSyncExternalStore(subscribeUploads, uploadStates);
  const local = timeline.clips.filter((c) => c.sourceType === "local");
  // This tab's uploads that finished: shown as complete until dismissed by a reload.
  const shared = [...states.values()]
    .map((s) => ({ state: s, clip: timeline.byId.get(s.clipId) }))
    .filter((x): x is { state: UploadState; clip: Clip } => !!x.clip && x.clip.sourceType !== "local");
  useEffect(() => {
    for (const clip of timeline.clips) {
      if (clip.status === "failed") settle(clip.id, "failed", clip.error);
      else if (clip.status === "ready" && clip.sourceType !== "local") settle(clip.id, "ready");
    }
  }, [timeline.clips]);
  if (!local.length && !shared.length) return null;
  return (
    <section className="local-files" aria-label="Local files">
      <h3>Local files on the timeline</h3>
      <ul>
        {local.map((clip) => (
          <LocalClip key={clip.id} clip={clip} mine={clip.owner === me.name} state={states.get(clip.id)} project={project} />
        ))}
        {shared.map(({ clip }) => (
          <li key={clip.id} className="local-clip done" aria-label={`${clip.name} by ${clip.owner ?? "someone"}`}>
            <div className="local-info">
              <strong>{clip.name}</strong>
              <span className="upload-status done" role="status">
                {clip.status === "ready" ? "Complete: shared with everyone" : statusText(clip, undefined, true)}
              </span>
            </div>
            <button className="ghost small" aria-label={`Dismiss ${clip.name}`} onClick={() => dismissUpload(clip.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function statusText(clip: Clip, state: UploadState | undefined, mine: boolean): string {
  const pct = (f: number | undefined | null) => (typeof f === "number" ? ` ${Math.round(f * 100)}%` : "");
  if (state && state.phase !== "ready" && state.phase !== "failed" && clip.sourceType === "local") {
    const label = { converting: "Converting…", uploading: "Uploading…", processing: "Processing on the server…" }[state.phase];
    return `${label}${pct(state.progress)}`;
  }
  const progress = typeof clip["uploadProgress"] === "number" ? (clip["uploadProgress"] as number) : null;
  if (clip.status === "converting") return `Converting…${pct(progress)}`;
  if (clip.status === "uploading") return `Uploading…${pct(progress)}`;
  if (clip.status === "failed") return clip.error ? `Failed: ${clip.error}` : "The upload failed";
  return mine ? "Only on this device: Upload shares it" : `Only on ${clip.owner ?? "its owner"}'s device`;
}

function LocalClip({ clip, mine, state, project }: { clip: Clip; mine: boolean; state: UploadState | undefined; project: string }) {
  const url = mine ? localUrl(clip.id) : undefined;
  const busy = clip.status === "converting" || clip.status === "uploading" || (state && ["converting", "uploading", "processing"].includes(state.phase));
  const owner = clip.owner ?? "someone";
  const reselect = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) rememberLocal(clip.id, file);
    event.target.value = "";
  };
  const progress = state && busy ? state.progress : typeof clip["uploadProgress"] === "number" ? (clip["uploadProgress"] as number) : null;
  return (
    <li className={`local-clip ${busy ? "busy" : ""}`} aria-label={`${clip.name} by ${owner}`}>
      {url ? (
        <Preview kind="video" src={url} label={clip.name} />
      ) : (
        <div className="striped" role="img" aria-label={`Placeholder: ${clip.name}, ${owner}'s local file, ${formatDuration(clip.duration)}`}>
          <span>{owner}</span>
          <span className="filename">{clip.name}</span>
          <span>{formatDuration(clip.duration)}</span>
        </div>
      )}
      <div className="local-info">
        <strong title={clip.name}>{clip.name}</strong>
        <span className="muted small">
          {owner} · {formatDuration(clip.duration)}
        </span>
        <span className={`upload-status ${clip.status}`} role="status">
          {statusText(clip, state, mine)}
        </span>
        {busy && progress !== null && <progress className="upload-progress" max={1} value={progress} aria-label={`${clip.name} upload progress`} />}
        {state?.note && <span className="muted small">{state.note}</span>}
        {state?.phase === "failed" && state.error && (
          <span className="error small" role="alert">
            {state.error}
          </span>
        )}
        {mine && (
          <div className="row">
            {url ? (
              <button
                className="upload"
                disabled={!!busy}
                onClick={() => void shareLocalClip(project, clip.id, localFile(clip.id) as File).catch(() => undefined)}
              >
                {clip.status === "failed" || state?.phase === "failed" ? "Retry upload" : "Upload"}
              </button>
            ) : (
              <label className="button">
                Re-select the file
                <input type="file" accept="video/*,audio/*" className="sr-only" onChange={reselect} aria-label={`Re-select ${clip.name}`} />
              </label>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
