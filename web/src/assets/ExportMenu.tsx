// Export the live timeline: MP4 (rendered by the server, progress from its `export` events) or
// an interchange file for other editors (EDL, FCP 7 XML, FCPXML, OTIO: ready at once).
import { useCallback, useEffect, useRef, useState } from "react";
import { api, call, type Schemas } from "../api/client";
import type { EventRecord, Hello } from "../store/events";
import { useEvents, useStudio } from "../studio/context";
import { DownloadLink } from "./DownloadLink";

type ExportOut = Schemas["ExportOut"];
type Format = "mp4" | "edl" | "fcp7" | "fcpxml" | "otio";

const FORMATS: readonly { format: Format; label: string; hint: string }[] = [
  { format: "mp4", label: "MP4 video", hint: "rendered on the server, 1280×720" },
  { format: "edl", label: "EDL", hint: "CMX 3600, V1" },
  { format: "fcp7", label: "FCP XML", hint: "Final Cut Pro 7, Premiere, Resolve" },
  { format: "fcpxml", label: "FCPXML", hint: "Final Cut Pro X" },
  { format: "otio", label: "OTIO", hint: "OpenTimelineIO" },
];

export interface Exports {
  exports: ExportOut[];
  error: string | null;
  start: (format: Format) => Promise<void>;
  dismiss: (id: string) => void;
}

/** This tab's recent exports, followed through the server's `export` events. */
export function useExports(): Exports {
  const { project } = useStudio();
  const [exports, setExports] = useState<ExportOut[]>([]);
  const [error, setError] = useState<string | null>(null);

  const start = async (format: Format) => {
    setError(null);
    try {
      const record = await call(api.POST("/api/projects/{project}/exports", { params: { path: { project } }, body: { format, width: 1280, height: 720, fps: "24", track: 0 } }));
      setExports((all) => [record, ...all.filter((e) => e.id !== record.id)].slice(0, 5));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const onEvent = useCallback(
    (message: Hello | EventRecord) => {
      if (message.kind === "hello" || message.event.type !== "export") return;
      const event = message.event;
      setExports((all) => {
        if (!all.some((e) => e.id === event.export_id)) return all;
        if (event.status === "succeeded") {
          // The record has the file's name and size: fetch it once.
          void call(
            api.GET("/api/projects/{project}/exports/{export_id}", { params: { path: { project, export_id: event.export_id } } }),
          ).then((record) => setExports((now) => now.map((e) => (e.id === record.id ? record : e))));
        }
        return all.map((e) =>
          e.id === event.export_id ? { ...e, status: event.status, progress: event.progress ?? e.progress, error: event.error ?? null } : e,
        );
      });
    },
    [project],
  );
  useEvents(onEvent);
  const dismiss = useCallback((id: string) => setExports((all) => all.filter((x) => x.id !== id)), []);
  return { exports, error, start, dismiss };
}

export function ExportMenu({ start }: { start: Exports["start"] }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent) {
        if (event.key !== "Escape") return;
        setOpen(false);
        trigger.current?.focus(); // back to the opener, not lost on the page
      } else if (!menu.current?.parentElement?.contains(event.target as Node)) setOpen(false);
    };
    window.addEventListener("mousedown", close);
    window.addEventListener("keydown", close);
    return () => {
      window.removeEventListener("mousedown", close);
      window.removeEventListener("keydown", close);
    };
  }, [open]);

  return (
    <div className="export-menu">
      <button ref={trigger} aria-haspopup="menu" aria-expanded={open} aria-label="Export the timeline" onClick={() => setOpen((o) => !o)}>
        Export ▾
      </button>
      {open && (
        <div ref={menu} className="menu" role="menu" aria-label="Export formats">
          {FORMATS.map(({ format, label, hint }) => (
            <button
              key={format}
              role="menuitem"
              onClick={() => {
                setOpen(false);
                void start(format);
              }}
            >
              <span>{label}</span>
              <span className="muted small">{hint}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The exports started here: progress for an MP4, a download link when ready. */
export function ExportList({ exports, error, dismiss }: Omit<Exports, "start">) {
  if (!exports.length && !error) return null;
  return (
      <ul className="exports" aria-label="Exports">
        {error && (
          <li className="error" role="alert">
            {error}
          </li>
        )}
        {exports.map((e) => (
          <li key={e.id} className="export">
            <span className="format">{e.format.toUpperCase()}</span>
            {e.status === "succeeded" && e.url ? (
              <>
                <span className="export-name" title={e.filename}>
                  {e.filename}
                </span>
                <DownloadLink url={e.url} filename={e.filename} mime={mimeOf(e.format)} label="Download" />
              </>
            ) : e.status === "failed" ? (
              <span className="error">{e.error ?? "the export failed"}</span>
            ) : (
              <span className="export-progress">
                <span>{e.status === "queued" ? "Queued…" : `Rendering ${Math.round(e.progress * 100)}%`}</span>
                <progress max={1} value={e.progress} aria-label={`${e.format} export progress`} />
              </span>
            )}
            <button className="ghost small" aria-label={`Dismiss the ${e.format} export`} onClick={() => dismiss(e.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
  );
}

function mimeOf(format: string): string {
  return format === "mp4" ? "video/mp4" : format === "otio" ? "application/json" : format === "edl" ? "text/plain" : "application/xml";
}
