// Linked groups and the preview of moving one: the same rules as the server's core
// (shotline.timeline.edits.move_clip): the time delta is clamped so no member starts before 0;
// a member that would leave its kind's tracks refuses the whole move; landing on a clip outside
// the group would be refused by the server (shown as a collision while dragging).
import type { Clip, TimelineSnapshot } from "../store/types";

/** The clip and every clip reachable through links, in either direction. */
export function linkedGroup(clips: readonly Clip[], byId: ReadonlyMap<string, Clip>, clipId: string): Set<string> {
  const neighbours = new Map<string, Set<string>>();
  const connect = (a: string, b: string) => {
    let set = neighbours.get(a);
    if (!set) neighbours.set(a, (set = new Set()));
    set.add(b);
  };
  for (const clip of clips) {
    for (const other of clip.linkedClipIds) {
      if (!byId.has(other)) continue;
      connect(clip.id, other);
      connect(other, clip.id);
    }
  }
  const group = new Set([clipId]);
  const frontier = [clipId];
  while (frontier.length) {
    for (const other of neighbours.get(frontier.pop() ?? "") ?? []) {
      if (!group.has(other)) {
        group.add(other);
        frontier.push(other);
      }
    }
  }
  return group;
}

export interface GroupMove {
  delta: number; // seconds, after clamping
  trackDelta: number;
  refused: string | null; // why the server would refuse it (null: it looks fine)
}

const EPS = 1e-6;

export function previewGroupMove(
  timeline: Pick<TimelineSnapshot, "clips" | "byId" | "tracks" | "audioTracks">,
  members: ReadonlySet<string>,
  delta: number,
  trackDelta: number,
): GroupMove {
  const clips = [...members].map((id) => timeline.byId.get(id)).filter((c): c is Clip => c !== undefined);
  if (!clips.length) return { delta: 0, trackDelta: 0, refused: "nothing to move" };
  const earliest = Math.min(...clips.map((c) => c.startTime));
  const clamped = Math.max(delta, -earliest);
  for (const clip of clips) {
    const count = (clip.type === "audio" ? timeline.audioTracks : timeline.tracks).length;
    const track = clip.trackIndex + trackDelta;
    if (track < 0 || track >= count) {
      return { delta: clamped, trackDelta, refused: `linked clip ${clip.name} would leave the ${clip.type} tracks` };
    }
  }
  for (const clip of clips) {
    const start = clip.startTime + clamped;
    const end = start + clip.duration;
    const track = clip.trackIndex + trackDelta;
    const hit = timeline.clips.find(
      (o) => !members.has(o.id) && o.type === clip.type && o.trackIndex === track && o.startTime < end - EPS && start < o.startTime + o.duration - EPS,
    );
    if (hit) return { delta: clamped, trackDelta, refused: `${clip.name} would overlap ${hit.name}` };
  }
  return { delta: clamped, trackDelta, refused: null };
}

export interface Trim {
  start: number;
  duration: number;
}

/** Where a trimmed edge may go: not before the source's first frame, not past its last, and
 *  at least `minDuration` of clip left. */
export function clampTrim(clip: Clip, edge: "start" | "end", to: number, minDuration = 1 / 24): Trim {
  const end = clip.startTime + clip.duration;
  if (edge === "start") {
    const earliest = Math.max(0, clip.startTime - clip.trimStart);
    const start = Math.min(Math.max(to, earliest), end - minDuration);
    return { start, duration: end - start };
  }
  const source = clip.sourceDuration;
  const latest = source === undefined ? Infinity : clip.startTime - clip.trimStart + source;
  const newEnd = Math.max(Math.min(to, latest), clip.startTime + minDuration);
  return { start: clip.startTime, duration: newEnd - clip.startTime };
}
