// Errors carry a stable code, the pipeline stage they came from, and their cause; never a secret.
export type Stage = 'config' | 'fetch' | 'format' | 'send' | 'checkpoint' | 'secret';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'TOKEN_REJECTED'
  | 'PERMISSION_DENIED'
  | 'INVALID_PROXY'
  | 'API_UNAVAILABLE'
  | 'API_BAD_RESPONSE'
  | 'API_TIMEOUT'
  | 'SYSLOG_UNREACHABLE'
  | 'SYSLOG_SEND_FAILED'
  | 'CHECKPOINT_CONFLICT'
  | 'CHECKPOINT_UNAVAILABLE'
  | 'LEASE_LOST'
  | 'RUN_ABORTED'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_REFERENCE_UNRESOLVED'
  | 'INTERNAL';

export class RelayError extends Error {
  readonly code: ErrorCode;
  readonly stage: Stage;
  constructor(code: ErrorCode, stage: Stage, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RelayError';
    this.code = code;
    this.stage = stage;
  }
}

export function isRelayError(err: unknown, code?: ErrorCode): err is RelayError {
  return err instanceof RelayError && (code === undefined || err.code === code);
}

/** A message safe to log or store: the error's own text, one line, no cause chain dumps. */
export function describeError(err: unknown): string {
  if (err instanceof RelayError) return `${err.code} (${err.stage}): ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
