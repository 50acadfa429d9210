// The signed-in user's frame credits, live: loaded once, refreshed after every generation change
// (job events), every minute, and at the daily reset. One store for the page, so the top bar,
// the generate button and the red shell agree.
import { useSyncExternalStore } from "react";
import { api, call, type Schemas } from "../api/client";

export type CreditsOut = Schemas["CreditsOut"];

export interface CreditState {
  loaded: boolean;
  credits: CreditsOut | null;
  /** No frames left: every generation colour turns red. */
  exhausted: boolean;
  /** When the numbers were read (for the reset countdown). */
  readAt: number;
  error: string | null;
}

type Listener = () => void;
const REFRESH_MS = 60_000;

export class CreditStore {
  private state: CreditState = { loaded: false, credits: null, exhausted: false, readAt: 0, error: null };
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(private readonly load: () => Promise<CreditsOut> = () => call(api.GET("/api/credits"))) {}

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.refresh();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) clearTimeout(this.timer);
    };
  };

  getSnapshot = (): CreditState => this.state;

  /** Read the numbers again (coalesced: a burst of events makes at most two requests). */
  refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.load()
      .then((credits) => this.set(credits, null))
      .catch((error: unknown) => this.set(this.state.credits, error instanceof Error ? error.message : String(error)))
      .finally(() => {
        this.inFlight = null;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.inFlight;
  }

  /** Numbers the server just answered (e.g. after an admin reset). */
  set(credits: CreditsOut | null, error: string | null): void {
    this.state = {
      loaded: credits !== null,
      credits,
      exhausted: credits !== null && credits.remaining <= 0,
      readAt: Date.now(),
      error,
    };
    for (const listener of this.listeners) listener();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.listeners.size === 0) return;
    const untilReset = (this.state.credits?.seconds_until_reset ?? Infinity) * 1000 + 1000;
    this.timer = setTimeout(() => void this.refresh(), Math.min(REFRESH_MS, untilReset));
  }
}

export const credits = new CreditStore();

export function useCredits(): CreditState {
  return useSyncExternalStore(credits.subscribe, credits.getSnapshot);
}
