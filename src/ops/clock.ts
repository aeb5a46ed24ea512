// Time as a dependency: the source stage waits through this, so tests and benchmarks can use a
// controllable clock instead of sleeping for real minutes.
export interface Clock {
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A clock whose time only moves when someone sleeps: `sleep(ms)` jumps straight to the wake-up time
 * (the earliest pending wake-up first), so an hour of rate limiting takes milliseconds. Network
 * time counts as zero, which is what a benchmark of the pacing policy alone wants.
 */
export function virtualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  const sleepers: Array<{ at: number; resolve: () => void }> = [];
  let pumping = false;
  const pump = () => {
    if (pumping) return;
    pumping = true;
    setImmediate(() => {
      pumping = false;
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers.shift();
      if (!next) return;
      t = Math.max(t, next.at);
      next.resolve();
      if (sleepers.length > 0) pump();
    });
  };
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        sleepers.push({ at: t + Math.max(0, ms), resolve });
        pump();
      }),
  };
}
