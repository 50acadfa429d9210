// The generation estimate for the shared in/out and the chosen model, in one store: the generate
// bar asks the server (one request per change) and publishes the answer; the timeline reads it to
// draw where the clip will go (a free track's span, or the new track the server will add on top).
import { useSyncExternalStore } from "react";
import type { Schemas } from "../api/client";
import type { Selection } from "../store/types";

export type Estimate = Schemas["GenerationEstimateOut"];

export interface EstimateState {
  estimate: Estimate | null;
  error: string | null;
}

type Listener = () => void;
const EMPTY: EstimateState = { estimate: null, error: null };

export class EstimateStore {
  private state: EstimateState = EMPTY;
  private listeners = new Set<Listener>();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): EstimateState => this.state;

  set(estimate: Estimate | null, error: string | null = null): void {
    if (estimate === this.state.estimate && error === this.state.error) return;
    this.state = estimate || error ? { estimate, error } : EMPTY;
    this.listeners.forEach((listener) => listener());
  }
}

export const estimates = new EstimateStore();

export function useEstimate(store: EstimateStore = estimates): EstimateState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** Where the generated clip would land, for the timeline to draw. */
export type Landing =
  | { kind: "new"; name: string; start: number; end: number } // a new video track on top
  | { kind: "free"; trackIndex: number; name: string; start: number; end: number };

/** The landing the estimate says, if it is the estimate of this very in/out (never a stale one). */
export function landingOf(estimate: Estimate | null, selection: Selection, videoTracks: number): Landing | null {
  const { inPoint, outPoint } = selection;
  if (!estimate || inPoint === null || outPoint === null || outPoint <= inPoint) return null;
  if (estimate.in_point !== inPoint || estimate.out_point !== outPoint) return null;
  const name = `V${estimate.track_index + 1}`;
  if (estimate.new_track || estimate.track_index >= videoTracks) return { kind: "new", name, start: inPoint, end: outPoint };
  return { kind: "free", trackIndex: estimate.track_index, name, start: inPoint, end: outPoint };
}
