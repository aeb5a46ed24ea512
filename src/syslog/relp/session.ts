// One RELP session on one connection: the `open` handshake, `syslog` frames numbered by txnr,
// their `rsp` answers, the receiver's `serverclose`, and our own `close`.
//
// The session knows nothing of batches: send() takes one event and calls back once with its
// answer. When the session breaks (socket closed or failed, a malformed frame, `serverclose`, or
// no answer for ackTimeoutMs while frames are outstanding) it calls onBreak once and no callback
// of an unanswered frame is ever called: the sender resends those frames on a new session.
import type net from 'node:net';
import { RelayError } from '../../errors.js';
import { hostLabel, socketErrorText } from '../tcp.js';
import type { SyslogHost } from '../types.js';
import { encodeFrame, FrameParser, nextTxnr, parseResponse, RelpProtocolError, type RelpFrame, type RelpResponse } from './frame.js';

/** What we offer in `open` (librelp's client sends the same three). */
const OFFERS = 'relp_version=0\nrelp_software=mdca-siem-relay\ncommands=syslog';

type Answer = (res: RelpResponse) => void;

export class RelpSession {
  private readonly parser = new FrameParser();
  private readonly waiting = new Map<number, Answer>();
  private txnr = 0;
  private broken?: Error;
  private timer?: NodeJS.Timeout;
  /** When the receiver last answered, or the first frame went out after a quiet spell. */
  private progressAt = 0;
  private onBreak: (err: Error) => void = () => undefined;

  private constructor(
    private readonly sock: net.Socket,
    readonly host: SyslogHost,
    private readonly ackTimeoutMs: number,
  ) {
    // RELP is request/answer in small frames: with Nagle's algorithm a window's last frames wait
    // for the receiver's delayed ACK (40 ms on Linux) before they leave, per deliver() of a page.
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => this.received(chunk));
    sock.on('error', (err) => this.fail(err));
    sock.on('end', () => this.fail(new Error('the receiver closed the connection')));
    sock.on('close', () => this.fail(new Error('the connection closed')));
  }

  /**
   * Opens a session on a connected socket: `open` with our offers, answered by `200` and a
   * `commands` offer that includes `syslog`. Rejects with SYSLOG_SEND_FAILED otherwise (the
   * receiver is there but will not take RELP syslog), SYSLOG_UNREACHABLE on timeout or close.
   */
  static open(sock: net.Socket, host: SyslogHost, timeoutMs: number, ackTimeoutMs: number, signal?: AbortSignal): Promise<RelpSession> {
    const s = new RelpSession(sock, host, ackTimeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new RelayError('SYSLOG_UNREACHABLE', 'send', `RELP open to ${hostLabel(host)}: no answer in ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => finish(new RelayError('SYSLOG_UNREACHABLE', 'send', `RELP open to ${hostLabel(host)}: the run was stopped`));
      function finish(err?: Error): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        s.onBreak = () => undefined;
        if (err) {
          s.destroy();
          reject(err);
        } else resolve(s);
      }
      s.onBreak = (err) => finish(new RelayError('SYSLOG_UNREACHABLE', 'send', `RELP open to ${hostLabel(host)} failed: ${socketErrorText(err)}`, { cause: err }));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      s.request('open', OFFERS, (res) => {
        const commands = (res.offers.get('commands') ?? '').split(',');
        if (res.code !== 200) finish(new RelayError('SYSLOG_SEND_FAILED', 'send', `RELP open to ${hostLabel(host)} refused: ${res.code} ${res.text}`.trim()));
        else if (!commands.includes('syslog')) finish(new RelayError('SYSLOG_SEND_FAILED', 'send', `RELP receiver ${hostLabel(host)} does not offer the syslog command (commands=${commands.join(',')})`));
        else finish();
      });
    });
  }

  /** Called once when the session breaks (not after close()); replaces the open-phase handler. */
  whenBroken(handler: (err: Error) => void): void {
    this.onBreak = handler;
    if (this.broken) handler(this.broken);
  }

  /** Frames sent and not answered yet. */
  get inflight(): number {
    return this.waiting.size;
  }

  get alive(): boolean {
    return this.broken === undefined;
  }

  /** Sends one event; `answered` gets the receiver's response (200 = accepted). */
  send(event: Buffer, answered: Answer): void {
    this.request('syslog', event, answered);
  }

  /**
   * Runs `fn` with the socket corked: the frames it sends leave in one write (writev) instead of
   * one syscall and one packet each. Refilling the window one frame per ack made both ends handle
   * every frame as its own packet (bench/REPORT.md, syslog: RELP rows).
   */
  batch(fn: () => void): void {
    this.sock.cork();
    try {
      fn();
    } finally {
      this.sock.uncork();
    }
  }

  /**
   * Ends the session politely: `close`, its answer (or the receiver's own close), then FIN. Never
   * rejects: at worst the socket is destroyed after timeoutMs.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.broken) return;
    this.onBreak = () => undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      this.sock.once('close', done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.request('close', '', () => this.sock.end());
    });
    this.destroy();
  }

  /** Drops the session at once, without calling the break handler (the caller knows). */
  destroy(): void {
    this.onBreak = () => undefined;
    this.fail(new Error('session destroyed'));
    this.sock.destroy();
  }

  private request(command: string, data: Buffer | string, answered: Answer): void {
    if (this.broken) return;
    this.txnr = nextTxnr(this.txnr);
    this.waiting.set(this.txnr, answered);
    if (this.waiting.size === 1) {
      this.progressAt = Date.now();
      this.arm();
    }
    this.sock.write(encodeFrame(this.txnr, command, data));
  }

  private received(chunk: Buffer): void {
    let frames: RelpFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    // Answers arrive many per chunk; the frames their callbacks send go out together.
    this.batch(() => this.answer(frames));
  }

  private answer(frames: RelpFrame[]): void {
    for (const f of frames) {
      if (this.broken) return;
      if (f.command === 'serverclose') return this.fail(new Error('the receiver ended the session (serverclose)'));
      const answered = f.command === 'rsp' ? this.waiting.get(f.txnr) : undefined;
      if (!answered) return this.fail(new RelpProtocolError(`unexpected frame from the receiver: ${f.txnr} ${f.command}`));
      let res: RelpResponse;
      try {
        res = parseResponse(f.data);
      } catch (err) {
        return this.fail(err as Error);
      }
      this.waiting.delete(f.txnr);
      this.progressAt = Date.now();
      answered(res);
    }
  }

  /**
   * The ack timer: runs while frames are outstanding and fails the session after ackTimeoutMs
   * without an answer. Answers only move progressAt; the timer re-arms itself for the time left
   * when it fires (a clearTimeout/setTimeout per answer cost more CPU than the framing).
   */
  private arm(): void {
    if (this.timer || this.broken) return;
    const left = this.progressAt + this.ackTimeoutMs - Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.waiting.size === 0 || this.broken) return;
      if (Date.now() - this.progressAt >= this.ackTimeoutMs) this.fail(new Error(`no acknowledgement for ${this.ackTimeoutMs} ms (${this.waiting.size} frames outstanding)`));
      else this.arm();
    }, Math.max(1, left));
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    clearTimeout(this.timer);
    this.waiting.clear();
    this.sock.destroy();
    this.onBreak(err);
  }
}
