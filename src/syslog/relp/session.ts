// One RELP session on one connection: the `open` handshake, `syslog` frames numbered by txnr,
// their `rsp` answers, the receiver's `serverclose`, and our own `close`.
//
// The session knows nothing of batches: sendEvents() takes a run of events (one write) and each
// answer goes to the owner's RelpAnswers with the event it answers, in the order they arrive;
// after each chunk read from the socket the owner hears once that the window has room. When the
// session breaks (socket closed or failed, a malformed frame, an answer to a txnr that is not
// outstanding, `serverclose`, or no answer for ackTimeoutMs while frames are outstanding) it calls
// onBreak once and no unanswered event is ever reported: the sender resends those on a new session.
import type net from 'node:net';
import { RelayError } from '../../errors.js';
import { hostLabel, socketErrorText } from '../tcp.js';
import type { SyslogHost } from '../types.js';
import { encodeFrame, encodeSyslogFrames, FrameParser, nextTxnr, OK_RESPONSE, parseResponse, RelpProtocolError, type FrameSink, type OutgoingEvent, type RelpFrame, type RelpResponse } from './frame.js';

/** What we offer in `open` (librelp's client sends the same three). */
const OFFERS = 'relp_version=0\nrelp_software=mdca-siem-relay\ncommands=syslog';

type Answer = (res: RelpResponse) => void;

/** Where a session reports the answers to the events sent on it. */
export interface RelpAnswers<T> {
  /** `200 OK` to this event's frame. */
  ok(event: T): void;
  /** Any other answer to it. */
  refused(event: T, res: RelpResponse): void;
  /** Once per chunk of answers: the window has room again. */
  answered(): void;
}

const NO_ANSWERS: RelpAnswers<unknown> = { ok: () => undefined, refused: () => undefined, answered: () => undefined };

export class RelpSession<T extends OutgoingEvent> implements FrameSink {
  private readonly parser = new FrameParser();
  /** Outstanding `syslog` frames in send order: txnrs[i] answers events[i]; -1 once answered out of order. */
  private txnrs: number[] = [];
  private events: Array<T | undefined> = [];
  private first = 0;
  private outstanding = 0;
  /** Outstanding `open`/`close` requests. */
  private readonly control = new Map<number, Answer>();
  private txnr = 0;
  private broken?: Error;
  private timer?: NodeJS.Timeout;
  /** When the receiver last answered, or the first frame went out after a quiet spell. */
  private progressAt = 0;
  private onBreak: (err: Error) => void = () => undefined;
  private answers: RelpAnswers<T> = NO_ANSWERS;

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
  static open<T extends OutgoingEvent>(sock: net.Socket, host: SyslogHost, timeoutMs: number, ackTimeoutMs: number, signal?: AbortSignal): Promise<RelpSession<T>> {
    const s = new RelpSession<T>(sock, host, ackTimeoutMs);
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

  /** The owner's handlers: answers to events, and the break (called once, not after close()). */
  attach(answers: RelpAnswers<T>, onBreak: (err: Error) => void): void {
    this.answers = answers;
    this.onBreak = onBreak;
    if (this.broken) onBreak(this.broken);
  }

  /** Frames sent and not answered yet. */
  get inflight(): number {
    return this.outstanding + this.control.size;
  }

  get alive(): boolean {
    return this.broken === undefined;
  }

  /** Sends events, one `syslog` frame each, in one write. */
  sendEvents(events: readonly T[]): void {
    if (this.broken || events.length === 0) return;
    const frames = encodeSyslogFrames(this.txnr, events);
    this.starting();
    for (const e of events) {
      this.txnr = nextTxnr(this.txnr);
      this.txnrs.push(this.txnr);
      this.events.push(e);
    }
    this.outstanding += events.length;
    this.arm();
    this.sock.write(frames);
  }

  /**
   * Ends the session politely: `close`, its answer (or the receiver's own close), then FIN. Never
   * rejects: at worst the socket is destroyed after timeoutMs.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.broken) return;
    this.onBreak = () => undefined;
    this.answers = NO_ANSWERS;
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

  private request(command: string, data: string, answered: Answer): void {
    if (this.broken) return;
    this.starting();
    this.txnr = nextTxnr(this.txnr);
    this.control.set(this.txnr, answered);
    this.arm();
    this.sock.write(encodeFrame(this.txnr, command, data));
  }

  /** Before frames go out: the first after a quiet spell starts the ack clock afresh. */
  private starting(): void {
    if (this.inflight === 0) this.progressAt = Date.now();
  }

  private received(chunk: Buffer): void {
    const before = this.inflight;
    try {
      this.parser.feed(chunk, this);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (this.broken || this.inflight === before) return;
    this.progressAt = Date.now();
    this.answers.answered();
  }

  /** FrameSink: an `rsp 200 OK`. */
  ok(txnr: number): void {
    if (this.broken) return;
    // Nearly always the oldest outstanding frame: librelp answers in order.
    if (this.outstanding > 0 && this.txnrs[this.first] === txnr) return this.answers.ok(this.shift());
    this.answer(txnr, OK_RESPONSE);
  }

  /** FrameSink: any other frame. */
  frame(f: RelpFrame): void {
    if (this.broken) return;
    if (f.command === 'serverclose') return this.fail(new Error('the receiver ended the session (serverclose)'));
    if (f.command !== 'rsp') return this.fail(new RelpProtocolError(`unexpected frame from the receiver: ${f.txnr} ${f.command}`));
    let res: RelpResponse;
    try {
      res = parseResponse(f.data);
    } catch (err) {
      return this.fail(err as Error);
    }
    this.answer(f.txnr, res);
  }

  private answer(txnr: number, res: RelpResponse): void {
    const control = this.control.get(txnr);
    if (control) {
      this.control.delete(txnr);
      return control(res);
    }
    const e = this.take(txnr);
    if (e === undefined) return this.fail(new RelpProtocolError(`an answer to txnr ${txnr}, which is not outstanding`));
    if (res.code === 200) this.answers.ok(e);
    else this.answers.refused(e, res);
  }

  /** Removes and returns the oldest outstanding event. */
  private shift(): T {
    const e = this.events[this.first]!;
    this.events[this.first] = undefined;
    this.txnrs[this.first] = -1;
    this.outstanding--;
    this.first++;
    // Answered-out-of-order slots behind the oldest are skipped; the arrays are compacted now and then.
    while (this.first < this.txnrs.length && this.txnrs[this.first] === -1) this.first++;
    if (this.first > 1024 && this.first * 2 > this.txnrs.length) {
      this.txnrs = this.txnrs.slice(this.first);
      this.events = this.events.slice(this.first);
      this.first = 0;
    }
    return e;
  }

  /** Removes and returns the outstanding event sent as `txnr` (undefined if none is). */
  private take(txnr: number): T | undefined {
    for (let i = this.first; i < this.txnrs.length; i++) {
      if (this.txnrs[i] !== txnr) continue;
      if (i === this.first) return this.shift();
      const e = this.events[i]!;
      this.events[i] = undefined;
      this.txnrs[i] = -1;
      this.outstanding--;
      return e;
    }
    return undefined;
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
      if (this.inflight === 0 || this.broken) return;
      if (Date.now() - this.progressAt >= this.ackTimeoutMs) this.fail(new Error(`no acknowledgement for ${this.ackTimeoutMs} ms (${this.inflight} frames outstanding)`));
      else this.arm();
    }, Math.max(1, left));
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.control.clear();
    this.txnrs = [];
    this.events = [];
    this.first = 0;
    this.outstanding = 0;
    this.sock.destroy();
    this.onBreak(err);
  }
}
