// Promise-state helpers for tests that step concurrent code without a clock.

/** Lets everything runnable now run (no clock involved). */
export const flush = () => new Promise<void>((r) => setImmediate(r));

/** True while `p` has not settled after everything runnable ran. */
export async function isPending(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await flush();
  return !done;
}
