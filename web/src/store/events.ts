// The project's event stream (/api/projects/{p}/events): the current state first, then every
// event after `since`; reconnects resume from the last sequence seen, so nothing is missed.
import type { Schemas } from "../api/client";

export type EventRecord = Schemas["EventRecord"];
export type StudioEvent = EventRecord["event"];
export interface Hello {
  kind: "hello";
  project: string;
  seq: number;
  since: number;
  state: Record<string, unknown>;
}

type Handler = (message: Hello | EventRecord) => void;

export class EventStream {
  private socket: WebSocket | null = null;
  private last: number | null = null;
  private handlers = new Set<Handler>();
  private closed = false;
  private retry = 500;

  constructor(readonly project: string) {
    this.open();
  }

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private open(): void {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const since = this.last === null ? "" : `?since=${this.last}`;
    const socket = new WebSocket(`${scheme}://${location.host}/api/projects/${encodeURIComponent(this.project)}/events${since}`);
    this.socket = socket;
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as Hello | EventRecord;
      this.last = data.kind === "hello" ? data.since : data.seq;
      this.retry = 500;
      for (const handler of this.handlers) handler(data);
    };
    socket.onclose = () => {
      if (this.closed) return;
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 8000);
    };
  }
}
