// One clip on the timeline: positioned by CSS variables (--s start, --d duration, --r row) so
// zoom and scroll never re-render it; only its own changes, selection or a drag do.
import { memo, useMemo, type CSSProperties, type KeyboardEvent, type PointerEvent } from "react";
import type { Clip, Presence } from "../store/types";
import { Thumbs, Wave } from "./ClipMedia";
import { mediaOf } from "./media";
import type { DragMode } from "./useClipDrag";

export interface Placement {
  start: number;
  duration: number;
  row: number;
}

interface Props {
  clip: Clip;
  place: Placement;
  bucket: number; // zoom rounded down to a power of two; 0 when the clip is too narrow for detail
  selected: boolean;
  grouped: boolean; // in the linked group of a selected clip
  dragging: boolean;
  refused: boolean;
  placeholder: boolean; // a local file only its owner has
  draggedBy: Presence | undefined; // someone else is dragging it
  onPress: (event: PointerEvent, clip: Clip, mode: DragMode) => void;
  onSelect: (clip: Clip, additive: boolean) => void;
}

const STATUS_TEXT: Record<string, string> = {
  processing: "Generating…",
  converting: "Converting…",
  uploading: "Uploading…",
};

export const TRIM_HANDLE_PX = 8;

/** Which part of a clip a press at `clientX` grabs: an edge (trim) or the body (move). Narrow
 *  clips are all body, so they can still be moved. */
export function edgeAt(box: { left: number; width: number }, clientX: number): DragMode {
  if (box.width < TRIM_HANDLE_PX * 3) return "move";
  const x = clientX - box.left;
  if (x <= TRIM_HANDLE_PX) return "start";
  if (x >= box.width - TRIM_HANDLE_PX) return "end";
  return "move";
}

export function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

export const ClipView = memo(function ClipView(props: Props) {
  const { clip, place, bucket, selected, grouped, dragging, refused, placeholder, draggedBy, onPress, onSelect } = props;
  const media = useMemo(() => (placeholder ? null : mediaOf({ cloudUrl: clip.cloudUrl })), [clip.cloudUrl, placeholder]);
  const classes = ["clip", clip.type, `status-${clip.status}`, `source-${clip.sourceType}`];
  if (selected) classes.push("selected");
  if (grouped) classes.push("grouped");
  if (dragging) classes.push("dragging");
  if (refused) classes.push("refused");
  if (placeholder) classes.push("placeholder");
  if (clip.linkedClipIds.length) classes.push("linked");
  if (draggedBy) classes.push("remote");
  const style = { "--s": place.start, "--d": place.duration, "--r": place.row } as CSSProperties;
  if (draggedBy) (style as Record<string, string>)["--who"] = draggedBy.colour;
  const status = STATUS_TEXT[clip.status];
  const label = `${clip.name}, ${clip.type === "video" ? "V" : "A"}${clip.trackIndex + 1}, ${seconds(clip.startTime)} to ${seconds(clip.startTime + clip.duration)}${status ? `, ${status}` : ""}${clip.status === "failed" ? ", failed" : ""}${placeholder ? `, only on ${clip.owner ?? "its owner"}'s device` : ""}`;

  const press = (event: PointerEvent<HTMLDivElement>) => {
    onSelect(clip, event.shiftKey || event.metaKey || event.ctrlKey);
    onPress(event, clip, edgeAt(event.currentTarget.getBoundingClientRect(), event.clientX));
    event.stopPropagation();
  };
  const hover = (event: PointerEvent<HTMLDivElement>) => {
    const edge = edgeAt(event.currentTarget.getBoundingClientRect(), event.clientX);
    event.currentTarget.style.cursor = edge === "move" ? "" : "ew-resize";
  };
  const key = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Enter") onSelect(clip, event.shiftKey);
  };

  return (
    <div
      role="button"
      tabIndex={0}
      aria-label={label}
      aria-pressed={selected}
      data-clip-id={clip.id}
      data-start={clip.startTime.toFixed(3)}
      data-track={clip.trackIndex}
      className={classes.join(" ")}
      style={style}
      onPointerDown={press}
      onPointerMove={hover}
      onKeyDown={key}
    >
      {bucket > 0 && media && clip.status === "ready" && clip.type === "video" && <Thumbs clip={clip} media={media} bucket={bucket} />}
      {bucket > 0 && media && clip.status === "ready" && clip.type === "audio" && <Wave clip={clip} media={media} />}
      {bucket > 0 && (
      <span className="clip-text">
        <span className="clip-name">{clip.sourceType === "generated" ? `✦ ${clip.name}` : clip.name}</span>
        {placeholder && (
          <span className="clip-detail">
            {clip.owner ?? "someone"} · {clip.name} · {seconds(clip.duration)}
          </span>
        )}
        {status && <span className="clip-detail">{status}</span>}
        {clip.status === "failed" && <span className="clip-error">{clip.error ?? "failed"}</span>}
      </span>
      )}
      {draggedBy && <span className="clip-who">{draggedBy.name}</span>}
    </div>
  );
});
