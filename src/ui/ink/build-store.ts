// Holds the build state between the engine (which calls dispatch for every
// event, synchronously) and React (which reads it with useSyncExternalStore).
// State is always current; listeners are told at most every `intervalMs`, so a
// tool printing thousands of lines does not cost thousands of React renders.
import { type BuildAction, type BuildState, initialBuildState, reduceBuild } from './build-state.js';

export class BuildStore {
  private state: BuildState = initialBuildState;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs = 50) {}

  getState = (): BuildState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch(action: BuildAction): void {
    this.state = reduceBuild(this.state, action);
    // The end of the build is drawn at once: the view exits right after.
    if (action.type === 'finish' || this.intervalMs <= 0) {
      this.notify();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.notify(), this.intervalMs);
    }
  }

  private notify(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const listener of this.listeners) listener();
  }
}
