// Suite-wide redaction guard (a vitest setup file): fails any test, or the file's hooks, whose output
// shows a secret: stdout, stderr, console, logger sinks and child processes handed to recordForGuard.
import { format } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { assertNoSecrets, recordForGuard, takeRecorded } from './secrets.js';

export { assertNoSecrets, fakeToken, recordForGuard, registerSecret } from './secrets.js';

// Why a guard and not a review rule: a token leaks through an unexpected path (an SDK error dump, a debug line),
// so every test, whatever it tests, also tests that nothing it printed carried a registered secret, an
// Authorization value, or AccountKey= / SharedAccessSignature= / sig= values.
//
// Capture runs for the whole file, not only inside tests: output of beforeAll/afterAll (daemons starting,
// a relay run in setup) is checked in a file-level afterAll, which fails the file.

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];

let restore: (() => void) | undefined;
/** Output of the file's hooks (beforeAll, afterAll, between tests): checked once the file is done. */
let outside = '';

function capture(): () => void {
  const outWrite = process.stdout.write;
  const errWrite = process.stderr.write;
  const wrap = (original: typeof process.stdout.write, stream: NodeJS.WriteStream): typeof process.stdout.write =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      recordForGuard(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = wrap(outWrite, process.stdout);
  process.stderr.write = wrap(errWrite, process.stderr);
  // vitest routes console through its own Console, not process.stdout: wrap the methods too.
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const m of CONSOLE_METHODS) {
    const original = console[m] as (...args: unknown[]) => void;
    originals.set(m, original);
    console[m] = (...args: unknown[]) => {
      recordForGuard(format(...args));
      original.apply(console, args);
    };
  }
  return () => {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    for (const [m, fn] of originals) console[m] = fn;
  };
}

/** The output captured so far, cleared (for the guard's own tests and for inspecting output). */
export function drainCapturedOutput(): string {
  return takeRecorded();
}

// Setup-file hooks run first (before*) and last (after*), so they enclose the file's own hooks.
beforeAll(() => {
  takeRecorded();
  outside = '';
  restore = capture();
});

beforeEach(() => {
  outside += takeRecorded();
});

afterEach(() => {
  const text = takeRecorded();
  if (text !== '') assertNoSecrets(text, 'output written during the test');
});

afterAll(() => {
  restore?.();
  restore = undefined;
  const text = outside + takeRecorded();
  outside = '';
  if (text !== '') assertNoSecrets(text, 'output written outside a test (beforeAll, afterAll)');
});
