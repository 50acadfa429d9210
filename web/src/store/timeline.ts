// A small store over the project's Yjs document. The server owns structure: edits go out as
// commands (message type 100 on the same socket) and come back as document updates; clients
// write only the shared selection (in/out, playhead) and their own presence.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { Answer, Clip, Command, Presence, Selection, TimelineSnapshot, Track } from "./types";

const COMMAND = 100;
const ANSWER_TIMEOUT_MS = 15_000;

type Listener = () => void;

export function emptySnapshot(): TimelineSnapshot {
  return {
    clips: [],
    byId: new Map(),
    tracks: [],
    audioTracks: [],
    selection: { inPoint: null, outPoint: null, playhead: 0 },
    revision: 0,
    name: "",
    synced: false,
    connected: false,
  };
}

/** What changed since the last snapshot: clip ids (null: all of them) and whether the tracks did. */
export interface Dirty {
  clips: Set<string> | null;
  tracks: boolean;
}

/**
 * Reads the document into plain, immutable values (a new object per change, for React). With
 * the previous snapshot and what changed since, unchanged clips keep their objects (and an
 * unchanged clip list keeps its array), so a playhead move does not re-render every clip.
 */
export function readSnapshot(
  doc: Y.Doc,
  synced: boolean,
  connected: boolean,
  previous?: TimelineSnapshot,
  dirty: Dirty = { clips: null, tracks: true },
): TimelineSnapshot {
  let clips: Clip[];
  let byId: ReadonlyMap<string, Clip>;
  if (previous && dirty.clips?.size === 0) {
    clips = previous.clips;
    byId = previous.byId;
  } else {
    const clipsMap = doc.getMap<Y.Map<unknown>>("clips");
    clips = [];
    clipsMap.forEach((value, id) => {
      const kept = previous && dirty.clips && !dirty.clips.has(id) ? previous.byId.get(id) : undefined;
      if (kept) return clips.push(kept);
      const clip = (value instanceof Y.Map ? value.toJSON() : value) as Clip;
      clips.push({ ...clip, id, linkedClipIds: clip.linkedClipIds ?? [] });
    });
    clips.sort((a, b) => a.startTime - b.startTime || a.id.localeCompare(b.id));
    byId = new Map(clips.map((c) => [c.id, c]));
  }
  const keepTracks = previous && !dirty.tracks;
  const selection = doc.getMap<unknown>("selection");
  const num = (key: string): number | null => {
    const v = selection.get(key);
    return typeof v === "number" ? v : null;
  };
  const meta = doc.getMap<unknown>("meta");
  return {
    clips,
    byId,
    tracks: keepTracks ? previous.tracks : (doc.getArray<Track>("tracks").toJSON() as Track[]),
    audioTracks: keepTracks ? previous.audioTracks : (doc.getArray<Track>("audioTracks").toJSON() as Track[]),
    selection: { inPoint: num("inPoint"), outPoint: num("outPoint"), playhead: num("playhead") ?? 0 },
    revision: Number(meta.get("revision") ?? 0),
    name: String(meta.get("name") ?? ""),
    synced,
    connected,
  };
}

export class TimelineStore {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  private snapshot: TimelineSnapshot = emptySnapshot();
  private listeners = new Set<Listener>();
  private presenceListeners = new Set<Listener>();
  private presence: Presence[] = [];
  private pending = new Map<string, (answer: Answer) => void>();
  private counter = 0;
  private dirty: Dirty = { clips: null, tracks: true };

  constructor(
    readonly project: string,
    user: { name: string; colour: string },
    base = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/yjs`,
  ) {
    this.provider = new WebsocketProvider(base, project, this.doc, { connect: true });
    this.provider.messageHandlers[COMMAND] = (_encoder, decoder) => {
      const answer = JSON.parse(decoding.readVarString(decoder)) as Answer & { id: string };
      this.pending.get(answer.id)?.(answer);
      this.pending.delete(answer.id);
    };
    const awareness = this.provider.awareness;
    awareness.on("change", ({ added }: { added: number[] }) => {
      // The server does not replay present states to a newcomer: greet them with ours.
      if (added.some((id) => id !== this.doc.clientID)) awareness.setLocalState(awareness.getLocalState());
      this.refreshPresence();
    });
    awareness.setLocalStateField("user", user);
    this.doc.getMap<Y.Map<unknown>>("clips").observeDeep((events) => {
      const changed = this.dirty.clips;
      if (!changed) return;
      for (const event of events) {
        if (event.path.length === 0) for (const key of event.keys.keys()) changed.add(key);
        else changed.add(String(event.path[0]));
      }
    });
    const tracksChanged = () => {
      this.dirty.tracks = true;
    };
    this.doc.getArray("tracks").observe(tracksChanged);
    this.doc.getArray("audioTracks").observe(tracksChanged);
    this.doc.on("update", () => this.refresh());
    this.provider.on("sync", () => this.refresh());
    this.provider.on("status", () => this.refresh());
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): TimelineSnapshot => this.snapshot;

  subscribePresence = (listener: Listener): (() => void) => {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  };

  getPresence = (): Presence[] => this.presence;

  /** Sends a structural edit; resolves with the server's answer (refusals carry its reason). */
  command(command: Command): Promise<Answer> {
    const ws = this.provider.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, error: "not connected to the server: the edit was not sent" });
    }
    const id = `c${++this.counter}`;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, COMMAND);
    encoding.writeVarString(encoder, JSON.stringify({ ...command, id }));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: "the server did not answer in time" });
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      ws.send(encoding.toUint8Array(encoder));
    });
  }

  /** Resolves once the document has synced with the server: anything placed relative to the
   * clips (an import appended after them) must not read the still-empty document of a fresh page. */
  whenSynced(): Promise<void> {
    if (this.provider.synced) return Promise.resolve();
    return new Promise((resolve) => {
      const on = (synced: boolean) => {
        if (!synced) return;
        this.provider.off("sync", on);
        resolve();
      };
      this.provider.on("sync", on);
    });
  }

  /** The shared in/out selection and playhead (clients may write these). */
  setSelection(change: Partial<Selection>): void {
    const selection = this.doc.getMap<unknown>("selection");
    this.doc.transact(() => {
      for (const [key, value] of Object.entries(change)) selection.set(key, value);
    });
  }

  /** This user's presence fields (what they are dragging, where they look). */
  setPresence(fields: Partial<Omit<Presence, "clientId" | "name" | "colour">>): void {
    const state = this.provider.awareness.getLocalState() ?? {};
    this.provider.awareness.setLocalState({ ...state, ...fields });
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }

  private refresh(): void {
    this.snapshot = readSnapshot(this.doc, this.provider.synced, this.provider.wsconnected, this.snapshot, this.dirty);
    this.dirty = { clips: new Set(), tracks: false };
    for (const listener of this.listeners) listener();
  }

  private refreshPresence(): void {
    const people: Presence[] = [];
    this.provider.awareness.getStates().forEach((state, clientId) => {
      const user = state["user"] as { name?: string; colour?: string } | undefined;
      if (!user?.name) return; // the server's own (empty) state
      people.push({
        clientId,
        name: user.name,
        colour: user.colour ?? "#888",
        playhead: typeof state["playhead"] === "number" ? state["playhead"] : undefined,
        dragging: Array.isArray(state["dragging"]) ? (state["dragging"] as string[]) : undefined,
      });
    });
    this.presence = people;
    for (const listener of this.presenceListeners) listener();
  }
}
