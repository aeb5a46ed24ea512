// The relay's heartbeat arrives in a real syslog daemon (rsyslog, generic RFC 5424 header) and parses
// as CEF with its state, lag and counts, by our strict parser and by lognormalizer.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createRelay } from '../../src/pipeline/relay.js';
import { generateAlerts } from '../../src/simulator/fixtures.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { parseCef, stripPrefix } from '../support/cef-parser.js';
import { lognormalize } from '../support/lognormalizer.js';
import { startRsyslog, type Receiver } from '../support/rsyslog.js';
import { guardedLogger } from '../support/guard-sink.js';
import { fakeToken } from '../support/secrets.js';

const token = fakeToken('heartbeat token');
let sim: Simulator;
let syslog: Receiver;

beforeAll(async () => {
  const now = Date.now();
  [sim, syslog] = await Promise.all([startSimulator({ tokens: [token], alerts: generateAlerts(5, { seed: 3, start: now - 3_600_000, end: now - 1000 }) }), startRsyslog({ mode: 'tcp-octet', raw: true })]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), syslog?.stop()]);
});

describe('heartbeat', () => {
  it('is sent once per interval as a parseable CEF event of its own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-hb-'));
    const config = loadConfig(
      { MDCA_PORTAL_URL: sim.url, MDCA_TOKEN: token, SYSLOG_HOST: '127.0.0.1', SYSLOG_PORT: String(syslog.port), SYSLOG_FRAMING: 'octet-counting', SIEM_FORMAT: 'generic', CEF_HOSTNAME: 'relay-host', RELAY_STATE_DIR: dir, RELAY_NAME: 'hb', HEARTBEAT_INTERVAL: 'PT1H' },
      'cli',
    );
    const relay = createRelay(config);
    const logger = guardedLogger();
    expect((await relay.run({ logger })).sent).toBe(5);
    await relay.run({ logger }); // within the interval: no second heartbeat
    // A marker alert relayed by a third run: once it is in, a second heartbeat of the run before would be too.
    const [marker] = generateAlerts(1, { seed: 99, timestamp: Date.now() - 1000 });
    sim.addAlerts([marker!]);
    expect((await relay.run({ logger })).sent).toBe(1);
    const lines = await syslog.waitFor((ls) => ls.some((l) => l.includes(marker!._id)));
    expect(lines).toHaveLength(7);
    const beats = lines.filter((l) => l.includes('|RELAY_HEARTBEAT|'));
    expect(beats).toHaveLength(1);
    const prefix = stripPrefix(beats[0]!);
    expect(prefix).toMatchObject({ format: '5424', pri: 164, hostname: 'relay-host', appName: 'MCAS_SIEM_Agent' });
    const parsed = parseCef(prefix.cef);
    expect(parsed.signatureId).toBe('RELAY_HEARTBEAT');
    expect(parsed.extension).toMatchObject({ outcome: 'Connected', cn1Label: 'lagSeconds', cn2Label: 'sentLastRun', cn2: '5', dvchost: 'hb', cs2: 'alerts' });
    expect(Number(parsed.extension.cn1)).toBeGreaterThanOrEqual(0);
    const [viaLognorm] = lognormalize([prefix.cef]);
    expect(viaLognorm?.ok && viaLognorm.cef.extension.outcome).toBe('Connected');
    await relay.close();
  });
});
