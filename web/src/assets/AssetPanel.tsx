// The DAM side panel (seed 000, issue 8 §5): generated clips and images with cost, user and
// prompt; uploads; films; exports; saved timelines (preview, counts, who saved it and when) with
// load for everyone and admin delete; filters; import of local files; save and export.
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from "react";
import { api, call, type Schemas } from "../api/client";
import type { EventRecord, Hello } from "../store/events";
import { useEvents, useStudio, useTimeline } from "../studio/context";
import { ConfirmDialog } from "./ConfirmDialog";
import { DownloadLink } from "./DownloadLink";
import { ExportList, ExportMenu, useExports } from "./ExportMenu";
import { importLocalFile } from "./importFile";
import { LocalFiles } from "./LocalFiles";
import { Preview } from "./Preview";
import { SaveDialog } from "./SaveDialog";
import {
  KINDS,
  NO_FILTERS,
  assetQuery,
  facets,
  formatBytes,
  formatCost,
  formatDuration,
  isFiltered,
  type Asset,
  type AssetFilters,
  type AssetKind,
} from "./query";
import "./assets.css";

type Save = Schemas["SaveOut"];
type Confirm = { kind: "load" | "delete-save" | "remove"; asset: Asset; save?: Save };

const REFRESH_ON = new Set(["upload", "job", "timeline_saved", "timeline_loaded", "film_run", "export"]);

export function AssetPanel() {
  const { project, me, store } = useStudio();
  const timeline = useTimeline();
  const [filters, setFilters] = useState<AssetFilters>(NO_FILTERS);
  const [items, setItems] = useState<Asset[] | null>(null);
  const [choices, setChoices] = useState(facets([]));
  const [saves, setSaves] = useState<Map<string, Save>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [tick, setTick] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const path = useMemo(() => ({ project }), [project]);
  const exports = useExports();

  useEffect(() => {
    let live = true;
    const query = assetQuery(filters);
    const listing = call(api.GET("/api/projects/{project}/assets", { params: { path, query } }));
    const everything = isFiltered(filters) ? null : listing;
    Promise.all([listing, call(api.GET("/api/projects/{project}/saves", { params: { path } }))]).then(
      ([found, savedList]) => {
        if (!live) return;
        setItems(found.items);
        setSaves(new Map(savedList.map((s) => [`timeline:${s.id}`, s])));
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    everything?.then((found) => live && setChoices(facets(found.items)), () => undefined);
    return () => {
      live = false;
    };
  }, [filters, path, tick]);

  const refresh = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => setTick((t) => t + 1), 300);
  }, []);
  useEffect(() => () => void (refreshTimer.current && clearTimeout(refreshTimer.current)), []);

  const onEvent = useCallback(
    (message: Hello | EventRecord) => {
      if (message.kind === "hello") return refresh();
      const event = message.event;
      if (!REFRESH_ON.has(event.type)) return;
      if (event.type === "timeline_loaded") setNotice(`${event.by} loaded “${event.name}” for everyone.`);
      if (event.type === "timeline_saved") setNotice(`${event.by} saved “${event.name}”.`);
      refresh();
    },
    [refresh],
  );
  useEvents(onEvent);

  const importFiles = useCallback(
    async (files: Iterable<File>) => {
      for (const file of files) {
        try {
          await store.whenSynced();
          await importLocalFile(project, file, () => store.getSnapshot().clips);
          setNotice(`Imported ${file.name}: it plays here now; Upload shares it with everyone.`);
        } catch (e) {
          setNotice(null);
          setError(`${file.name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    },
    [project, store],
  );
  useDropImport(importFiles);

  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = "";
    void importFiles(files);
  };

  const act = async (c: Confirm) => {
    const saveId = c.asset.id.replace(/^timeline:/, "");
    if (c.kind === "load") {
      await call(api.POST("/api/projects/{project}/saves/{save_id}/load", { params: { path: { project, save_id: saveId } } }));
      setNotice(`Loaded “${c.asset.name}” for everyone.`);
    } else if (c.kind === "delete-save") {
      await call(api.DELETE("/api/projects/{project}/saves/{save_id}", { params: { path: { project, save_id: saveId } } }));
    } else {
      await call(api.DELETE("/api/projects/{project}/assets/{item_id}", { params: { path: { project, item_id: c.asset.id } } }));
    }
    refresh();
  };

  const filtered = isFiltered(filters);
  const total = items?.reduce((sum, i) => sum + (i.cost ? Number(i.cost) : 0), 0) ?? 0;
  return (
    <div className="assets">
      <header className="assets-head">
        <h2 className="sr-only">Assets</h2>
        <div className="assets-actions">
          <label className="button" title="Import a video or audio file from this device">
            Import file
            <input type="file" accept="video/*,audio/*" multiple className="sr-only" onChange={onPick} aria-label="Import a file" />
          </label>
          <button onClick={() => setSaving(true)}>Save</button>
          <ExportMenu start={exports.start} />
        </div>
        <p className="muted small live-summary" aria-label="Timeline contents">
          Timeline: {timeline.clips.length} {timeline.clips.length === 1 ? "clip" : "clips"} on {timeline.tracks.length + timeline.audioTracks.length}{" "}
          {timeline.tracks.length + timeline.audioTracks.length === 1 ? "track" : "tracks"}
        </p>
      </header>
      <ExportList exports={exports.exports} error={exports.error} dismiss={exports.dismiss} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <LocalFiles />
      <Filters filters={filters} choices={choices} onChange={setFilters} />
      <p className="muted small count" aria-live="polite">
        {items === null ? "Loading…" : `${items.length} ${items.length === 1 ? "asset" : "assets"}`}
        {total > 0 && ` · ${formatCost(total)} spent`}
      </p>
      {items !== null && items.length === 0 && (
        <div className="empty">
          {filtered ? (
            <>
              <p>Nothing matches these filters.</p>
              <button onClick={() => setFilters(NO_FILTERS)}>Clear the filters</button>
            </>
          ) : (
            <p>
              No assets yet. Generate a clip, import a file from this device, or save the timeline: they all land here.
            </p>
          )}
        </div>
      )}
      <ul className="asset-list" aria-label="Assets">
        {items?.map((item) => (
          <AssetCard
            key={item.id}
            item={item}
            save={saves.get(item.id)}
            canRemove={me.is_admin || item.owner === me.name}
            isAdmin={me.is_admin}
            onConfirm={setConfirm}
          />
        ))}
      </ul>
      {saving && (
        <SaveDialog
          project={project}
          suggested={`${timeline.name || "Timeline"} – ${new Date().toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}`}
          onClose={() => setSaving(false)}
          onSaved={(name) => {
            setSaving(false);
            setNotice(`Saved “${name}”.`);
            refresh();
          }}
        />
      )}
      {confirm && <ConfirmFor confirm={confirm} onConfirm={() => act(confirm)} onClose={() => setConfirm(null)} />}
    </div>
  );
}

// What each confirmation asks (loading and deleting act for everyone: say so).
const CONFIRMS: Record<Confirm["kind"], { verb: string; message: string; confirm: string; danger: boolean }> = {
  load: {
    verb: "Load",
    message: "It replaces the timeline for everyone in this project, right now. Save the current timeline first if you want to keep it.",
    confirm: "Load for everyone",
    danger: false,
  },
  "delete-save": {
    verb: "Delete",
    message: "The saved timeline and its preview are deleted for everyone. The live timeline is not changed.",
    confirm: "Delete",
    danger: true,
  },
  remove: {
    verb: "Remove",
    message: "It leaves this project's assets. Clips on the timeline that use it keep playing.",
    confirm: "Remove",
    danger: true,
  },
};

function ConfirmFor({ confirm, onConfirm, onClose }: { confirm: Confirm; onConfirm: () => Promise<void>; onClose: () => void }) {
  const { verb, message, confirm: label, danger } = CONFIRMS[confirm.kind];
  return (
    <ConfirmDialog
      title={`${verb} “${confirm.asset.name}”?`}
      message={message}
      confirm={label}
      danger={danger}
      onConfirm={onConfirm}
      onClose={onClose}
    />
  );
}

function Filters({ filters, choices, onChange }: { filters: AssetFilters; choices: ReturnType<typeof facets>; onChange: (f: AssetFilters) => void }) {
  const [open, setOpen] = useState(false);
  const chosen = filters.kinds.length + [filters.owner, filters.provider, filters.model].filter(Boolean).length;
  const toggle = (kind: AssetKind) =>
    onChange({ ...filters, kinds: filters.kinds.includes(kind) ? filters.kinds.filter((k) => k !== kind) : [...filters.kinds, kind] });
  const select = (label: string, key: "owner" | "provider" | "model", options: string[], all: string) => (
    <select aria-label={label} value={filters[key]} onChange={(e) => onChange({ ...filters, [key]: e.target.value })}>
      <option value="">{all}</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
      {filters[key] && !options.includes(filters[key]) && <option value={filters[key]}>{filters[key]}</option>}
    </select>
  );
  return (
    <div className="filters" role="search" aria-label="Filter assets">
      <div className="search-row">
        <input type="search" placeholder="Search prompts and names" aria-label="Search assets" value={filters.text} onChange={(e) => onChange({ ...filters, text: e.target.value })} />
        <button aria-expanded={open} aria-controls="asset-filters" onClick={() => setOpen(!open)} className={chosen ? "active" : ""}>
          Filters{chosen ? ` (${chosen})` : ""}
        </button>
      </div>
      {open && (
      <div id="asset-filters" className="filter-options">
      <div className="chips" role="group" aria-label="Kinds">
        {KINDS.map(({ kind, label }) => (
          <button key={kind} className="chip" aria-pressed={filters.kinds.includes(kind)} onClick={() => toggle(kind)}>
            {label}
          </button>
        ))}
      </div>
      <div className="selects">
        {select("Owner", "owner", choices.owners, "Anyone")}
        {select("Provider", "provider", choices.providers, "Any provider")}
        {select("Model", "model", choices.models, "Any model")}
      </div>
      </div>
      )}
    </div>
  );
}

const KIND_LABEL: Record<AssetKind, string> = {
  generated_clip: "Generated",
  generated_image: "Image",
  upload: "Upload",
  film: "Film",
  timeline: "Timeline",
  export: "Export",
};

function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

function isMedia(url: string | null): url is string {
  return !!url && /\/media\/[0-9a-f]{64}$/.test(url);
}

function AssetCard({
  item,
  save,
  canRemove,
  isAdmin,
  onConfirm,
}: {
  item: Asset;
  save: Save | undefined;
  canRemove: boolean;
  isAdmin: boolean;
  onConfirm: (c: Confirm) => void;
}) {
  const cost = formatCost(item.cost);
  const frames = useCallback(() => saveFrames(item.url), [item.url]);
  const video = item.mime?.startsWith("video/") || item.kind === "generated_clip" || item.kind === "film";
  let preview;
  if (item.kind === "timeline") preview = <Preview kind="flipbook" still={item.preview_url} frames={frames} label={item.name} />;
  else if (item.kind === "generated_image" && item.url) preview = <Preview kind="image" src={item.url} label={item.name} />;
  else if (video && item.url)
    preview = <Preview kind="video" src={item.url} poster={isMedia(item.url) ? `${item.url}/thumbnails?count=1&height=90` : null} label={item.name} />;
  else if (item.mime?.startsWith("audio/") && item.url) preview = <Preview kind="audio" src={item.url} label={item.name} />;
  else preview = <div className="preview icon">{KIND_LABEL[item.kind]}</div>;
  const busy = item.status && !["ready", "succeeded", "done", "finished"].includes(item.status);
  return (
    <li className={`asset kind-${item.kind}`} aria-label={`${KIND_LABEL[item.kind]}: ${item.name}`}>
      {preview}
      <div className="asset-info">
        <div className="asset-title">
          <span className="kind">{KIND_LABEL[item.kind]}</span>
          <strong title={item.name}>{item.name}</strong>
        </div>
        {item.kind === "timeline" && save && (
          <span className="small">
            {save.clips} {save.clips === 1 ? "clip" : "clips"} · {save.tracks + save.audio_tracks} tracks
          </span>
        )}
        {item.prompt && item.kind !== "timeline" && (
          <span className="prompt small" title={item.prompt}>
            {item.prompt}
          </span>
        )}
        <span className="muted small">
          {[
            item.kind === "timeline" ? `saved by ${item.owner ?? "someone"}` : item.owner,
            when(item.kind === "timeline" ? (save?.saved_at ?? item.created_at) : item.created_at),
          ]
            .filter(Boolean)
            .join(" · ")}
        </span>
        <span className="muted small">
          {[cost && <span key="c" className="cost">{cost}</span>, item.provider && `${item.provider}${item.model ? ` · ${item.model}` : ""}`, item.duration ? formatDuration(item.duration) : null, formatBytes(item.size)]
            .filter(Boolean)
            .map((part, i) => (
              <span key={i}>
                {i > 0 && " · "}
                {part}
              </span>
            ))}
        </span>
        {busy && <span className={`status small status-${item.status}`}>{item.status}</span>}
        <div className="asset-actions">
          {item.kind === "timeline" && (
            <button className="load" onClick={() => onConfirm({ kind: "load", asset: item, ...(save ? { save } : {}) })} aria-label={`Load ${item.name}`}>
              Load
            </button>
          )}
          {item.kind === "timeline" && isAdmin && (
            <button className="danger-outline" onClick={() => onConfirm({ kind: "delete-save", asset: item })} aria-label={`Delete ${item.name}`}>
              Delete
            </button>
          )}
          {item.kind === "export" && item.url && <DownloadLink url={item.url} filename={item.name} mime={item.mime} label="Download" />}
          {item.kind !== "timeline" && canRemove && (
            <button className="ghost" onClick={() => onConfirm({ kind: "remove", asset: item })} aria-label={`Remove ${item.name}`}>
              Remove
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

/** A saved timeline's preview loop: one frame of each of its shots, in order. */
async function saveFrames(url: string | null): Promise<string[]> {
  if (!url) return [];
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return [];
  const saved = (await response.json()) as { clips?: { startTime?: number; cloudUrl?: string | null; type?: string }[] };
  return (saved.clips ?? [])
    .filter((c) => c.type !== "audio" && isMedia(c.cloudUrl ?? null))
    .sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0))
    .slice(0, 12)
    .map((c) => `${c.cloudUrl}/thumbnails?count=1&height=90`);
}

/** Files dropped on the timeline or on this panel are imported (the rest of the page ignores
 * drops, so a stray drop never navigates away to the file). */
function useDropImport(importFiles: (files: File[]) => Promise<void>) {
  useEffect(() => {
    const target = (event: DragEvent) => (event.target as Element | null)?.closest?.(".bottom, .assets") ?? null;
    const hasFiles = (event: DragEvent) => [...(event.dataTransfer?.types ?? [])].includes("Files");
    const over = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = target(event) ? "copy" : "none";
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (target(event)) void importFiles([...(event.dataTransfer?.files ?? [])]);
    };
    document.addEventListener("dragover", over);
    document.addEventListener("drop", drop);
    return () => {
      document.removeEventListener("dragover", over);
      document.removeEventListener("drop", drop);
    };
  }, [importFiles]);
}
