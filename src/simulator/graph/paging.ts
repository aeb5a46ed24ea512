// Result sets and nextLinks of the Graph simulator. A first page runs the query; each page that has
// more after it gets an opaque $skiptoken naming (result set, offset). Tokens expire by age or on
// command; an expired or unknown token is a 400 (see server.ts for the body and why 400).
import { randomBytes } from 'node:crypto';
import type { GraphAlert } from '../../sources/graph/types.js';
import type { Predicate } from './odata.js';

export interface ResultSet {
  filter: string | undefined;
  predicate: Predicate;
  count: boolean;
  pageSize: number;
  /** Snapshot mode: the matching alerts, in serving order, as they were on the first page. */
  rows?: GraphAlert[];
  /** Live mode with shuffle: the order seed, so pages of one set agree with each other. */
  orderSeed: number;
}

interface Link {
  set: ResultSet;
  offset: number;
  issuedAt: number;
}

/** Bound on remembered links: older ones are forgotten (and then answered as expired). */
const MAX_LINKS = 200_000;

export class LinkBook {
  private readonly links = new Map<string, Link>();
  constructor(public ttlMs: number) {}

  issue(set: ResultSet, offset: number, now: number): string {
    const token = randomBytes(18).toString('base64url');
    this.links.set(token, { set, offset, issuedAt: now });
    if (this.links.size > MAX_LINKS) this.links.delete(this.links.keys().next().value!);
    return token;
  }

  /** The link behind a token, or undefined when it is unknown, too old or expired on command. */
  resolve(token: string, now: number): Link | undefined {
    const link = this.links.get(token);
    if (!link) return undefined;
    if (now - link.issuedAt > this.ttlMs) {
      this.links.delete(token);
      return undefined;
    }
    return link;
  }

  expireAll(): void {
    this.links.clear();
  }
}
