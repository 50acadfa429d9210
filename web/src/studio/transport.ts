// Local playback state (each viewer plays on their own machine; the playhead they stop on is
// shared through the document). J/K/L shuttle: each J or L press doubles the speed that way.
export interface TransportState {
  playing: boolean;
  rate: number; // 1 = normal forward, negative = backwards
}

type Listener = () => void;

export class Transport {
  private state: TransportState = { playing: false, rate: 1 };
  private listeners = new Set<Listener>();

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): TransportState => this.state;

  play(rate = 1): void {
    this.set({ playing: true, rate });
  }

  pause(): void {
    this.set({ ...this.state, playing: false });
  }

  toggle(): void {
    if (this.state.playing) this.pause();
    else this.play(1);
  }

  /** J (-1), K (0), L (+1), as editors do: repeated presses speed up, K stops. */
  shuttle(direction: -1 | 0 | 1): void {
    if (direction === 0) return this.pause();
    const { playing, rate } = this.state;
    const same = playing && Math.sign(rate) === direction;
    this.play(same ? Math.max(-8, Math.min(8, rate * 2)) : direction);
  }

  private set(state: TransportState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
