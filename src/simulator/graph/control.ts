// The Graph simulator's control endpoints under /_sim/: the programmatic handle over HTTP, for a
// simulator run as its own process (main.ts) by end-to-end tests or by hand. No auth: loopback only.
import type { GraphAlert } from '../../sources/graph/types.js';
import type { GraphGenerateOptions } from './fixtures.js';
import type { GraphAlertChanges, GraphFault, GraphQueuedFault, GraphRateLimit, GraphSimulator } from './types.js';

export interface ControlAnswer {
  status: number;
  body: unknown;
}

const OK: ControlAnswer = { status: 200, body: { ok: true } };
const fail = (status: number, message: string): ControlAnswer => ({ status, body: { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } } });

/** Answers one control request; a bad body or an unknown alert id is a 400 naming the problem. */
export function controlRoute(sim: GraphSimulator, method: string, pathname: string, raw: string): ControlAnswer {
  let body: Record<string, unknown> = {};
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return fail(400, 'control: the body is not JSON');
    }
  }
  const route = `${method} ${pathname.replace(/\/$/, '')}`;
  try {
    switch (route) {
      case 'GET /_sim/stats':
        return { status: 200, body: sim.stats };
      case 'POST /_sim/stats/reset':
        sim.resetStats();
        return OK;
      case 'GET /_sim/alerts':
        return { status: 200, body: { value: sim.all() } };
      case 'POST /_sim/alerts': {
        const added: GraphAlert[] = [];
        if (Array.isArray(body.alerts)) {
          sim.addAlerts(body.alerts as GraphAlert[]);
          added.push(...(body.alerts as GraphAlert[]));
        }
        if (body.generate && typeof body.generate === 'object') {
          const g = body.generate as GraphGenerateOptions & { count?: number };
          added.push(...sim.generate(Number(g.count ?? 0), g));
        }
        return { status: 200, body: { added: added.length, ids: added.map((a) => a.id) } };
      }
      case 'POST /_sim/alerts/update': {
        const target = Array.isArray(body.ids)
          ? (body.ids as string[])
          : { count: Number(body.count ?? 0), seed: body.seed as number | undefined, serviceSources: body.serviceSources as string[] | undefined };
        const updated = sim.updateAlerts(target, (body.changes ?? {}) as GraphAlertChanges);
        return { status: 200, body: { updated: updated.length, ids: updated.map((a) => a.id) } };
      }
      case 'POST /_sim/nextlinks/expire':
        sim.expireNextLinks();
        return OK;
      case 'POST /_sim/faults': {
        const fault = body.fault as GraphFault | undefined;
        if (!fault || typeof fault.kind !== 'string' || fault.kind === 'transform') return fail(400, 'control: "fault" must be a GraphFault with a kind (transform is programmatic only)');
        sim.injectFault(fault, body as Omit<GraphQueuedFault, 'fault'>);
        return OK;
      }
      case 'DELETE /_sim/faults':
        sim.clearFaults();
        return OK;
      case 'PUT /_sim/settings':
        if (typeof body.nextLinkTtlMs === 'number') sim.setNextLinkTtl(body.nextLinkTtlMs);
        if (body.paging === 'snapshot' || body.paging === 'live') sim.setPaging(body.paging);
        if (body.shuffle !== undefined) sim.setShuffle(body.shuffle as boolean | { seed: number });
        if (body.rateLimit !== undefined) sim.setRateLimit(body.rateLimit as GraphRateLimit | false);
        return OK;
      default:
        return fail(404, `control: no route ${route}`);
    }
  } catch (err) {
    return fail(400, `control: ${err instanceof Error ? err.message : String(err)}`);
  }
}
