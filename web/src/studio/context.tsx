// What every panel of a project's studio shares: who is signed in, the live timeline store and
// the event stream. Panels read them through these hooks, never through globals.
import { createContext, useContext, useEffect, useSyncExternalStore } from "react";
import type { Schemas } from "../api/client";
import type { EventStream, EventRecord, Hello } from "../store/events";
import type { TimelineStore } from "../store/timeline";
import type { Presence, TimelineSnapshot } from "../store/types";
import type { Transport, TransportState } from "./transport";

export type User = Schemas["UserOut"];

export interface Studio {
  project: string;
  me: User;
  store: TimelineStore;
  events: EventStream;
  transport: Transport;
}

export const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error("useStudio outside a project");
  return studio;
}

export function useTimeline(): TimelineSnapshot {
  const { store } = useStudio();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export function usePresence(): Presence[] {
  const { store } = useStudio();
  return useSyncExternalStore(store.subscribePresence, store.getPresence);
}

/** Calls `handler` for the stream's hello (current state) and for every event after it. */
export function useEvents(handler: (message: Hello | EventRecord) => void): void {
  const { events } = useStudio();
  useEffect(() => events.on(handler), [events, handler]);
}

export function useTransport(): TransportState {
  const { transport } = useStudio();
  return useSyncExternalStore(transport.subscribe, transport.getSnapshot);
}
