// Suite-wide redaction guard (a vitest setup file): fails any test whose stdout, stderr or console output shows a secret.
import { format } from 'node:util';
import { afterEach, beforeEach } from 'vitest';
import { assertNoSecrets } from './secrets.js';

export { assertNoSecrets, fakeToken, registerSecret } from './secrets.js';

// Why a guard and not a review rule: a token leaks through an unexpected path (an SDK error dump, a debug line),
// so every test, whatever it tests, also tests that nothing it printed carried a registered secret, an
// Authorization value, or AccountKey= / SharedAccessSignature= / sig= values.

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];

let captured: string[] = [];
let restore: (() => void) | undefined;

function capture(): () => void {
  const outWrite = process.stdout.write;
  const errWrite = process.stderr.write;
  const wrap = (original: typeof process.stdout.write, stream: NodeJS.WriteStream): typeof process.stdout.write =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
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
      captured.push(format(...args));
      original.apply(console, args);
    };
  }
  return () => {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    for (const [m, fn] of originals) console[m] = fn;
  };
}

/** The output captured so far in the current test, cleared (for the guard's own tests and for inspecting output). */
export function drainCapturedOutput(): string {
  const text = captured.join('');
  captured = [];
  return text;
}

beforeEach(() => {
  captured = [];
  restore = capture();
});

afterEach(() => {
  restore?.();
  restore = undefined;
  const text = drainCapturedOutput();
  if (text !== '') assertNoSecrets(text, 'output written during the test');
});
