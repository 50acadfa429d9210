// The live document's shapes (docs/collaboration.md): seconds everywhere, the seed's JSON names.

export type ClipStatus = "ready" | "processing" | "converting" | "uploading" | "failed";
export type SourceType = "local" | "cloud" | "generated";
export type TrackKind = "video" | "audio";

export interface Clip {
  id: string;
  name: string;
  type: TrackKind;
  startTime: number;
  duration: number;
  trackIndex: number;
  trimStart: number;
  sourceType: SourceType;
  cloudUrl: string | null;
  linkedClipIds: string[];
  status: ClipStatus;
  hasAudio: boolean;
  owner?: string;
  prompt?: string;
  cost?: number;
  error?: string;
  sourceDuration?: number;
  sourceFps?: string;
  width?: number;
  height?: number;
  placeholder?: boolean;
  [extra: string]: unknown;
}

export interface Track {
  id: string;
  name: string;
}

export interface Selection {
  inPoint: number | null;
  outPoint: number | null;
  playhead: number;
}

/** What a connected user shares through awareness. */
export interface Presence {
  clientId: number;
  name: string;
  colour: string;
  playhead?: number;
  dragging?: string[];
}

export interface TimelineSnapshot {
  clips: Clip[];
  byId: ReadonlyMap<string, Clip>;
  tracks: Track[];
  audioTracks: Track[];
  selection: Selection;
  revision: number;
  name: string;
  synced: boolean;
  connected: boolean;
}

/** A structural edit, sent to the server (which owns the rules). */
export type Command =
  | { op: "add"; clip: Partial<Clip> & { id: string } }
  | { op: "move"; clipId: string; startTime?: number; trackIndex?: number; delta?: number; trackDelta?: number }
  | { op: "moveToTrack"; clipId: string; trackIndex: number }
  | { op: "trim"; clipId: string; edge: "start" | "end"; to: number }
  | { op: "split"; clipId: string; at: number; newId?: string }
  | { op: "delete"; clipId: string }
  | { op: "link"; clipId: string; sourceIds: string[] }
  | { op: "unlink"; clipId: string }
  | { op: "addTrack"; kind: TrackKind; name?: string; index?: number }
  | { op: "removeTrack"; kind: TrackKind; index: number }
  | { op: "undo" }
  | { op: "redo" };

export type Answer = { ok: true; revision: number } | { ok: false; error: string };
