// The timeline editor: tracks (video stacked above audio, V1 lowest), a ruler with zoom and
// scroll, clips with frames and waveforms, drags previewed here and decided by the server, the
// shared playhead and in/out, linked groups and other people's presence.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type CSSProperties } from "react";
import { localUrl, localVersion, subscribeLocal } from "../assets/localFiles";
import { landingOf, useEstimate } from "../generation/estimate";
import { usePresence, useStudio, useTimeline } from "../studio/context";
import type { Clip, Command, Presence } from "../store/types";
import { ClipView, type Placement } from "./ClipView";
import { clipAt, parseFps, stepFrame, timecode, DEFAULT_FPS } from "./frames";
import { HEAD_WIDTH, ROW_HEIGHT, RULER_HEIGHT } from "./geometry";
import { linkedGroup } from "./group";
import { LandingHead, LandingMark } from "./Landing";
import type { Action } from "./keymap";
import { Links, type Link } from "./Links";
import { RulerMarks, TrackMarks } from "./Marks";
import { withClipNames } from "./reason";
import { paintRuler } from "./ruler";
import { rowOf, rowsOf, type Row } from "./rows";
import { Toast, type Notice } from "./Toast";
import { TrackHeads } from "./TrackHeads";
import { useClipDrag, type DragPreview } from "./useClipDrag";
import { useScrub } from "./useScrub";
import { useShortcuts } from "./useShortcuts";
import { clampPps, fitPps, gestureTransform, revealTime, visibleRange, zoomAt, ZOOM_STEP, type Viewport } from "./viewport";
import { clipsInRange, covers, lanesOf, windowFor, type Window } from "./visible";
import "./timeline.css";

const TAIL_SECONDS = 30; // room after the last clip to drag into
const MIN_FIT_SECONDS = 20;
const ZOOM_SETTLE_MS = 150; // a wheel zoom commits after this long without wheel events
const DETAIL_PX = 28; // narrower clips are drawn as plain bars (no name, frames or waveform) // "fit" never zooms in further than this much time across

export function Timeline() {
  const { store, transport } = useStudio();
  const timeline = useTimeline();
  const presence = usePresence();
  useSyncExternalStore(subscribeLocal, localVersion); // this tab's own files: no placeholder for them
  const scroller = useRef<HTMLDivElement>(null);
  const ruler = useRef<HTMLCanvasElement>(null);
  const [pps, setPps] = useState(40);
  const view = useRef<Viewport>({ pps: 40, scrollLeft: 0, width: 800 });
  const [win, setWin] = useState<Window>({ start: 0, end: 120 });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<Notice | null>(null);
  const [snapping, setSnapping] = useState(true);

  // Refs that long-lived handlers (drags, wheel, keys) read without re-subscribing.
  const timelineRef = useRef(timeline);
  const tell = useCallback((text: string) => setNotice({ id: Date.now(), text: withClipNames(text, timelineRef.current.byId) }), []);
  const closeNotice = useCallback(() => setNotice(null), []);
  const send = useCallback(
    async (command: Command) => {
      const answer = await store.command(command);
      if (!answer.ok) tell(answer.error);
      return answer.ok;
    },
    [store, tell],
  );

  const ppsRef = useRef(pps);
  const snappingRef = useRef(snapping);
  const timeAt = useRef((clientX: number) => {
    const box = scroller.current?.getBoundingClientRect();
    return Math.max(0, (clientX - (box?.left ?? 0) - HEAD_WIDTH + view.current.scrollLeft) / view.current.pps);
  });
  const { scrub, begin: beginScrub } = useScrub(store, timeAt);
  const playhead = scrub ?? timeline.selection.playhead;
  const playheadRef = useRef(playhead);
  useEffect(() => {
    timelineRef.current = timeline;
    snappingRef.current = snapping;
    playheadRef.current = playhead;
  });

  const { preview, begin: beginDrag } = useClipDrag({ store, timeline: timelineRef, pps: ppsRef, playhead: playheadRef, snapping: snappingRef, onRefused: tell });

  // ---- viewport: scroll, zoom, which clips to render ----
  const refreshView = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    view.current = { pps: ppsRef.current, scrollLeft: el.scrollLeft, width: Math.max(1, el.clientWidth - HEAD_WIDTH) };
    if (ruler.current) paintRuler(ruler.current, view.current);
    const [start, end] = visibleRange(view.current);
    setWin((w) => (covers(w, start, end) ? w : windowFor(start, end)));
  }, []);

  // A wheel zoom is previewed by transforming the track layer (no restyle of every clip) and
  // committed when the wheel pauses or the preview scale passes 2× either way.
  const lanesRef = useRef<HTMLDivElement>(null);
  const rulerRow = useRef<HTMLDivElement>(null);
  const gesture = useRef<{ base: Viewport; timer: ReturnType<typeof setTimeout> | undefined } | null>(null);
  const layers = () => [lanesRef.current, rulerRow.current?.querySelector<HTMLElement>(".ruler-marks") ?? null];

  const commitZoom = useCallback(() => {
    const g = gesture.current;
    if (!g) return;
    clearTimeout(g.timer);
    gesture.current = null;
    if (view.current.pps !== g.base.pps) setPps(view.current.pps); // the layout effect clears the preview
    else for (const el of layers()) if (el) el.style.transform = "";
  }, []);

  const zoom = useCallback(
    (next: number, anchorX?: number, preview = false) => {
      if (!preview) commitZoom();
      const current = view.current;
      const playheadX = playheadRef.current * current.pps - current.scrollLeft;
      const anchor = anchorX ?? (playheadX >= 0 && playheadX <= current.width ? playheadX : current.width / 2);
      view.current = zoomAt(current, next, anchor);
      ppsRef.current = view.current.pps;
      if (!preview) return setPps(view.current.pps);
      const g = (gesture.current ??= { base: current, timer: undefined });
      const { shift, scale } = gestureTransform(g.base, view.current);
      for (const el of layers()) if (el) el.style.transform = `translateX(${shift}px) scaleX(${scale})`;
      if (ruler.current) paintRuler(ruler.current, view.current);
      clearTimeout(g.timer);
      if (scale > 2 || scale < 0.5) commitZoom();
      else g.timer = setTimeout(commitZoom, ZOOM_SETTLE_MS);
    },
    [commitZoom],
  );

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let frame = 0;
    const onScroll = () => {
      if (gesture.current) return; // the preview owns the view until it commits
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        refreshView();
      });
    };
    const onWheel = (event: WheelEvent) => {
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        const box = el.getBoundingClientRect();
        zoom(ppsRef.current * Math.exp(-event.deltaY * 0.002), event.clientX - box.left - HEAD_WIDTH, true);
      } else if (Math.abs(event.deltaY) > Math.abs(event.deltaX) && el.scrollHeight <= el.clientHeight) {
        event.preventDefault(); // nothing to scroll vertically: the wheel scrolls time
        el.scrollLeft += event.deltaY;
      }
    };
    const resize = new ResizeObserver(() => refreshView());
    resize.observe(el);
    el.addEventListener("scroll", onScroll, { passive: true });
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      el.removeEventListener("scroll", onScroll);
      el.removeEventListener("wheel", onWheel);
    };
  }, [refreshView, zoom]);

  useLayoutEffect(() => {
    // The sheet has its new width now: drop the gesture preview and put the anchor back.
    const el = scroller.current;
    if (!el) return;
    for (const layer of [lanesRef.current, rulerRow.current?.querySelector<HTMLElement>(".ruler-marks")]) if (layer) layer.style.transform = "";
    el.scrollLeft = view.current.scrollLeft;
    refreshView();
  }, [pps, refreshView]);

  const lanes = useMemo(() => lanesOf(timeline.clips), [timeline.clips]);
  const lastEnd = useMemo(() => timeline.clips.reduce((m, c) => Math.max(m, c.startTime + c.duration), 0), [timeline.clips]);
  const contentSeconds = Math.max(lastEnd, playhead, timeline.selection.outPoint ?? 0) + TAIL_SECONDS;
  const fit = useCallback(() => zoom(fitPps(Math.max(lastEnd * 1.05, MIN_FIT_SECONDS), view.current.width), 0), [zoom, lastEnd]);
  const fitted = useRef(false);
  useEffect(() => {
    // Open showing the whole edit (once the document has arrived).
    if (fitted.current || !timeline.synced) return;
    fitted.current = true;
    fit();
  }, [timeline.synced, fit]);

  // ---- what to draw ----
  const rows = useMemo(() => rowsOf(timeline), [timeline]);
  const videoCount = timeline.tracks.length;
  const counts = useMemo(() => new Map([...lanes].map(([key, clips]) => [key, clips.length])), [lanes]);

  const highlighted = useMemo(() => {
    const ids = new Set<string>();
    for (const id of selected) if (timeline.byId.has(id)) for (const member of linkedGroup(timeline.clips, timeline.byId, id)) ids.add(member);
    return ids;
  }, [selected, timeline.clips, timeline.byId]);

  const others = useMemo(() => presence.filter((p) => p.clientId !== store.doc.clientID), [presence, store]);
  const draggedBy = useMemo(() => {
    const map = new Map<string, Presence>();
    for (const p of others) for (const id of p.dragging ?? []) map.set(id, p);
    return map;
  }, [others]);

  const rendered = useMemo(() => {
    const found = clipsInRange(lanes, win.start, win.end);
    const ids = new Set(found.map((c) => c.id));
    for (const id of [...(preview?.members ?? []), ...selected]) {
      const clip = timeline.byId.get(id);
      if (clip && !ids.has(id)) found.push(clip);
    }
    return found;
  }, [lanes, win, preview?.members, selected, timeline.byId]);

  const place = useCallback((clip: Clip): Placement => placement(clip, videoCount, preview), [videoCount, preview]);

  const links = useMemo(() => {
    const found: Link[] = [];
    for (const clip of rendered) {
      const sources = clip.linkedClipIds.map((id) => timeline.byId.get(id)).filter((c): c is Clip => c !== undefined);
      if (sources.length) found.push({ clip, place: place(clip), sources: sources.map((s) => ({ clip: s, place: place(s) })) });
    }
    return found;
  }, [rendered, timeline.byId, place]);

  // ---- actions ----
  const select = useCallback((clip: Clip, additive: boolean) => {
    setSelected((current) => {
      if (additive) {
        const next = new Set(current);
        if (next.has(clip.id)) next.delete(clip.id);
        else next.add(clip.id);
        return next;
      }
      return current.has(clip.id) ? current : new Set([clip.id]);
    });
  }, []);

  const setPlayhead = useCallback(
    (time: number) => {
      store.setSelection({ playhead: time });
      const el = scroller.current;
      const left = revealTime(view.current, time);
      if (el && left !== view.current.scrollLeft) el.scrollLeft = left;
    },
    [store],
  );

  /** , and . move the selected clips one frame (with Shift ten), as Final Cut Pro's nudge:
   *  one move per linked group (the server moves the group), refused moves say why. */
  function nudge(action: "nudgeBack" | "nudgeForward" | "nudgeBackMore" | "nudgeForwardMore") {
    if (!selected.size) return tell("Select a clip first (click it, or Tab to it and press Enter).");
    const frames = (action.startsWith("nudgeBack") ? -1 : 1) * (action.endsWith("More") ? 10 : 1);
    const moved = new Set<string>();
    for (const id of selected) {
      const clip = timeline.byId.get(id);
      if (!clip || moved.has(id)) continue;
      for (const member of linkedGroup(timeline.clips, timeline.byId, id)) moved.add(member);
      void send({ op: "move", clipId: id, delta: frames / (parseFps(clip.sourceFps) ?? DEFAULT_FPS) });
    }
  }

  const perform = (action: Action) => {
    const now = timeline.selection;
    switch (action) {
      case "toggle":
        return transport.toggle();
      case "shuttleBack":
        return transport.shuttle(-1);
      case "stop":
        return transport.shuttle(0);
      case "shuttleForward":
        return transport.shuttle(1);
      case "markIn":
        return store.setSelection({ inPoint: playhead, outPoint: now.outPoint !== null && now.outPoint <= playhead ? null : now.outPoint });
      case "markOut":
        return store.setSelection({ outPoint: playhead, inPoint: now.inPoint !== null && now.inPoint >= playhead ? null : now.inPoint });
      case "previousFrame":
      case "nextFrame":
        return setPlayhead(stepFrame(timeline.clips, playhead, action === "nextFrame" ? 1 : -1));
      case "undo":
      case "redo":
        return void send({ op: action });
      case "nudgeBack":
      case "nudgeForward":
      case "nudgeBackMore":
      case "nudgeForwardMore":
        return nudge(action);
      case "delete":
        for (const id of selected) void send({ op: "delete", clipId: id });
        return setSelected(new Set());
      case "split": {
        const under = timeline.clips.filter((c) => c.startTime + 1e-6 < playhead && playhead < c.startTime + c.duration - 1e-6);
        const chosen = under.some((c) => selected.has(c.id)) ? under.filter((c) => selected.has(c.id)) : under;
        if (!chosen.length) return tell("No clip under the playhead to split.");
        for (const clip of chosen) void send({ op: "split", clipId: clip.id, at: playhead });
        return;
      }
      case "zoomIn":
        return zoom(clampPps(ppsRef.current * ZOOM_STEP));
      case "zoomOut":
        return zoom(clampPps(ppsRef.current / ZOOM_STEP));
      case "zoomFit":
        return fit();
      case "deselect":
        return setSelected(new Set());
    }
  };
  useShortcuts(perform);

  const addTrack = (kind: "video" | "audio") => void send({ op: "addTrack", kind });
  const removeTrack = (row: Row) => void send({ op: "removeTrack", kind: row.kind, index: row.index });
  const unlink = useCallback((clip: Clip) => void send({ op: "unlink", clipId: clip.id }), [send]);

  const { estimate } = useEstimate();
  const landing = landingOf(estimate, timeline.selection, videoCount);
  const ghostRows = landing?.kind === "new" ? 1 : 0; // the new track's row, above the top one
  const fps = parseFps(clipAt(timeline.clips, playhead)?.sourceFps) ?? DEFAULT_FPS;
  const sheetStyle = {
    "--pps": pps,
    "--head": `${HEAD_WIDTH}px`,
    "--ruler": `${RULER_HEIGHT}px`,
    "--row-h": `${ROW_HEIGHT}px`,
    "--video-rows": videoCount,
    width: HEAD_WIDTH + contentSeconds * pps,
    height: RULER_HEIGHT + (rows.length + ghostRows) * ROW_HEIGHT,
  } as CSSProperties;
  const bucket = 2 ** Math.floor(Math.log2(pps));

  return (
    <div className="timeline" aria-label="Timeline" role="region">
      <div className="timeline-bar" role="toolbar" aria-label="Timeline tools">
        <output className="timecode" aria-label="Playhead time">
          {timecode(playhead, fps)}
        </output>
        <button type="button" aria-label="Zoom out" title="Zoom out (−, or Ctrl/⌘ + wheel)" aria-keyshortcuts="-" onClick={() => perform("zoomOut")}>
          −
        </button>
        <button type="button" aria-label="Zoom in" title="Zoom in (+, or Ctrl/⌘ + wheel)" aria-keyshortcuts="+" onClick={() => perform("zoomIn")}>
          +
        </button>
        <button type="button" title="Show the whole timeline (\)" aria-keyshortcuts="\" onClick={fit}>
          Fit
        </button>
        <button type="button" aria-pressed={snapping} title="Snap to clip edges and the playhead" onClick={() => setSnapping((s) => !s)}>
          Snap
        </button>
        <button type="button" title="Split at the playhead (S)" aria-keyshortcuts="S" onClick={() => perform("split")}>
          Split
        </button>
        <button type="button" title="Delete the selected clips (Delete)" aria-keyshortcuts="Delete" disabled={!selected.size} onClick={() => perform("delete")}>
          Delete
        </button>
        <span className="spacer" />
        <button type="button" onClick={() => addTrack("video")}>
          + Video track
        </button>
        <button type="button" onClick={() => addTrack("audio")}>
          + Audio track
        </button>
      </div>
      <div className="timeline-scroller" ref={scroller}>
        <div className="timeline-sheet" style={sheetStyle}>
          <div className="ruler-row" ref={rulerRow} onPointerDown={beginScrub} role="slider" aria-label="Playhead" aria-valuemin={0} aria-valuenow={Number(playhead.toFixed(3))} aria-valuetext={timecode(playhead, fps)} tabIndex={0}>
            <div className="ruler-corner" onPointerDown={(e) => e.stopPropagation()}>
              {timeline.synced ? `${timeline.clips.length} clip${timeline.clips.length === 1 ? "" : "s"}` : timeline.connected ? "loading…" : "connecting…"}
            </div>
            <canvas className="ruler-canvas" ref={ruler} />
            <RulerMarks selection={timeline.selection} playhead={playhead} others={others} />
          </div>
          <div className="timeline-body">
            <TrackHeads rows={rows} counts={counts} onRemove={removeTrack} ghost={landing?.kind === "new" ? <LandingHead name={landing.name} /> : null} />
            <div className={ghostRows ? "lanes with-landing" : "lanes"} ref={lanesRef} onPointerDown={() => setSelected(new Set())}>
              {rows.map((row, i) => (
                <div key={`${row.kind}-${row.id}`} className={`lane ${row.kind}`} style={{ "--r": i } as CSSProperties} />
              ))}
              {landing && <LandingMark landing={landing} videoCount={videoCount} />}
              <TrackMarks selection={timeline.selection} playhead={playhead} others={others} snap={preview?.snap ?? null} />
              {rendered.map((clip) => (
                <ClipView
                  key={clip.id}
                  clip={clip}
                  place={placementMemo(clip, videoCount, preview)}
                  bucket={clip.duration * bucket >= DETAIL_PX ? bucket : 0}
                  selected={selected.has(clip.id)}
                  grouped={highlighted.has(clip.id)}
                  dragging={preview?.members.has(clip.id) ?? false}
                  refused={(preview?.members.has(clip.id) ?? false) && preview?.refused != null}
                  placeholder={(clip.placeholder === true || (clip.sourceType === "local" && !clip.cloudUrl)) && localUrl(clip.id) === undefined}
                  draggedBy={draggedBy.get(clip.id)}
                  onPress={beginDrag}
                  onSelect={select}
                />
              ))}
              <Links links={links} onUnlink={unlink} />
              {timeline.synced && timeline.clips.length === 0 && (
                <p className="timeline-empty">
                  <strong>The timeline is empty.</strong> Start with <em>Import file</em> in the assets panel (or drop a video here), or let <em>Film from an idea</em> write and
                  shoot a film for you. You can also mark in (I) and out (O) on the ruler and generate a shot.
                </p>
              )}
            </div>
          </div>
        </div>
      </div>
      <Toast notice={notice} onClose={closeNotice} />
    </div>
  );
}

/** Where a clip is drawn: its own place, or where the drag in progress puts it. */
function placement(clip: Clip, videoCount: number, preview: DragPreview | null): Placement {
  if (preview?.members.has(clip.id)) {
    if (preview.trim) return { start: preview.trim.start, duration: preview.trim.duration, row: rowOf(videoCount, clip.type, clip.trackIndex) };
    return { start: clip.startTime + preview.delta, duration: clip.duration, row: rowOf(videoCount, clip.type, clip.trackIndex + preview.trackDelta) };
  }
  return { start: clip.startTime, duration: clip.duration, row: rowOf(videoCount, clip.type, clip.trackIndex) };
}

// Placements are objects: keep one per clip while its numbers stay the same (ClipView is memo).
const placements = new WeakMap<Clip, Placement>();
function placementMemo(clip: Clip, videoCount: number, preview: DragPreview | null): Placement {
  const next = placement(clip, videoCount, preview);
  const kept = placements.get(clip);
  if (kept && kept.start === next.start && kept.duration === next.duration && kept.row === next.row) return kept;
  placements.set(clip, next);
  return next;
}
