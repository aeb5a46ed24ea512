// Contract of the syslog stage. "Delivered" is defined per transport:
// - tcp / tls: the receiver has read every byte of the batch (confirmed by a graceful half-close
//   that the peer answers with its own close, or an equivalent confirmation);
// - relp / relp-tls: the receiver answered `200 OK` to every event's frame (RELP, as rsyslog's
//   imrelp speaks it; what the ack means depends on the receiver's queue configuration);
// - udp: every datagram was handed to the kernel; no delivery guarantee (RFC 5426).
// See docs/syslog.md for what that does and does not promise.
export type SyslogProtocol = 'tcp' | 'udp' | 'tls' | 'relp' | 'relp-tls';
export type TcpFraming = 'lf' | 'octet-counting';

export interface SyslogHost {
  host: string;
  port: number;
}

/** Backoff between connection attempts (per host) and rounds over the host list (per batch). */
export interface RetryPolicy {
  /** Rounds over the host list inside one deliver() before it rejects (>= 1). */
  attempts: number;
  /** Wait after a host's first failure; doubles per consecutive failure, with jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface SyslogOptions {
  protocol: SyslogProtocol;
  /** Ordered: the first that accepts the batch gets it (fail-over). */
  hosts: SyslogHost[];
  /** tcp: default lf; tls: octet-counting (RFC 5425). */
  framing: TcpFraming;
  connectTimeoutMs: number;
  /** No progress for this long fails a delivery session: no bytes accepted while writing, or no
   *  confirmation this long after the last byte. The rest of the batch is then retried in smaller
   *  sessions (docs/syslog.md, "Slow receivers"). */
  writeTimeoutMs: number;
  /** udp: datagrams larger than this are refused (the CEF stage keeps lines within it). */
  udpMaxBytes: number;
  tls?: {
    ca?: string; // PEM bundle; system CAs when absent
    cert?: string; // PEM client certificate (mutual TLS)
    key?: string; // PEM private key
    servername?: string; // SNI and name check; defaults to the host
  };
  /** relp / relp-tls: most frames sent and not yet acknowledged (default 128, librelp's own). */
  relpWindow?: number;
  /** Default DEFAULT_RETRY in backoff.ts: 3 rounds, 250 ms doubling to 10 s. */
  retry?: RetryPolicy;
  /** tcp/tls: how long after the receiver's close a connection to it must still be open before the
   *  batch counts as confirmed (catches a receiver killed right after reading; settle-check.ts). Default 25 ms. */
  confirmSettleMs?: number;
}

export interface DeliveryReport {
  delivered: number;
  bytes: number;
  host: SyslogHost;
  confirmed: boolean; // false for udp
}

export interface SyslogSender {
  /** Sends the batch in order; resolves only when every message is delivered as defined above
   *  (over TCP/TLS possibly in several confirmed sessions). Rejects with a RelayError
   *  (SYSLOG_UNREACHABLE / SYSLOG_SEND_FAILED) otherwise, at once (the session in flight
   *  destroyed) when `signal` aborts: the run's time budget ended or the run was stopped.
   *  deliver may be called again before earlier calls settle; each call resolves when its own
   *  messages are delivered (a later call may resolve first, and over TCP/TLS the receiver may
   *  interleave the lines of overlapping calls). A caller that needs an order of confirmations
   *  (the checkpoint) keeps it itself: src/pipeline/delivery-stage.ts. */
  deliver(messages: readonly string[], signal?: AbortSignal): Promise<DeliveryReport>;
  close(): Promise<void>;
}

export interface HostStatus extends SyslogHost {
  consecutiveFailures: number;
  lastError?: string;
  lastFailureAt?: number;
  lastSuccessAt?: number;
  /** Epoch ms before which this host is skipped (backoff), when in backoff. */
  retryAt?: number;
}

/** What the sender knows about the receivers: an outage shows as state 'down' and in `outages`. */
export interface SenderStatus {
  /** unknown: nothing sent yet; up: the last batch was delivered; down: the last batch failed. */
  state: 'unknown' | 'up' | 'down';
  lastSuccessAt?: number;
  lastFailureAt?: number;
  /** One line, no secrets (describeError of the last failure). */
  lastError?: string;
  /** Batches that failed in a row (reset by a delivery). */
  consecutiveFailures: number;
  /** How many times the state went from up/unknown to down since the sender was created. */
  outages: number;
  /** Host that took the last delivered batch. */
  activeHost?: SyslogHost;
  /** tcp/tls: most events per delivery session, present once a slow receiver made it finite. */
  sessionLimit?: number;
  hosts: HostStatus[];
}

/** Notable transitions, for the logger (no secrets: hosts and error descriptions only). */
export type SenderEvent =
  | { type: 'attempt-failed'; host: SyslogHost; error: string; retryInMs: number }
  | { type: 'failover'; from: SyslogHost; to: SyslogHost }
  | { type: 'outage'; error: string }
  | { type: 'recovered'; host: SyslogHost; downForMs: number }
  /** A session ran out of time (no progress): the rest of the batch goes in sessions of at most `limit` events. */
  | { type: 'session-limit'; limit: number; error: string };

/** The sender createSender() returns: the contract plus its status. */
export interface StatusSyslogSender extends SyslogSender {
  status(): SenderStatus;
}
