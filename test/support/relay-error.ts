// "Expect a RelayError": the one helper every test uses to catch a failure, check its code and stage, and
// check that neither its message nor its cause shows a secret (formerly eight near-copies, issue 18).
import { expect } from 'vitest';
import { isRelayError, type ErrorCode, type RelayError, type Stage } from '../../src/errors.js';
import { assertNoSecrets } from './secrets.js';

function checked(err: unknown, code?: ErrorCode, stage?: Stage): RelayError {
  if (!isRelayError(err)) throw new Error(`expected a RelayError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  assertNoSecrets(err.message, 'error message');
  if (err.cause !== undefined) assertNoSecrets(String(err.cause instanceof Error ? err.cause.message : err.cause), 'error cause');
  if (code !== undefined) expect(`${err.code}: ${err.message}`).toMatch(new RegExp(`^${code}: `));
  if (stage !== undefined) expect(err.stage).toBe(stage);
  return err;
}

/** The RelayError `p` rejects with (with `code` and `stage` if given); fails the test if `p` resolves. */
export async function expectRelayError(p: Promise<unknown>, code?: ErrorCode, stage?: Stage): Promise<RelayError> {
  const settled = await p.then(
    () => ({ resolved: true as const }),
    (err: unknown) => ({ resolved: false as const, err }),
  );
  if (settled.resolved) throw new Error(`expected a RelayError${code ? ` ${code}` : ''}, but it resolved`);
  return checked(settled.err, code, stage);
}

/** The RelayError `fn` throws (with `code` and `stage` if given); fails the test if it returns. */
export function expectRelayErrorSync(fn: () => unknown, code?: ErrorCode, stage?: Stage): RelayError {
  try {
    fn();
  } catch (err) {
    return checked(err, code, stage);
  }
  throw new Error(`expected a RelayError${code ? ` ${code}` : ''}, but it returned`);
}

/** For tests where both outcomes are legitimate: undefined when `p` resolves, else its (checked) RelayError. */
export async function relayErrorOrNothing(p: Promise<unknown>): Promise<RelayError | undefined> {
  const settled = await p.then(
    () => undefined,
    (err: unknown) => ({ err }),
  );
  return settled && checked(settled.err);
}
