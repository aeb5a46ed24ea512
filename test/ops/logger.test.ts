// Structured logs: JSON lines, secrets redacted, files rotated at their size limit.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, rotatingFileSink, secretRedactor } from '../../src/ops/logger.js';
import { fakeToken } from '../support/secrets.js';

describe('logger', () => {
  it('writes one JSON object per line with the run id and fields, and redacts secrets', () => {
    const token = fakeToken('logger token');
    const lines: string[] = [];
    const log = createLogger([(_l, line) => lines.push(line)], { redact: secretRedactor(() => [token]) }).child({ runId: 'r1' });
    log.info('relay.run', { sent: 3, detail: `header was Token ${token}` });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', event: 'relay.run', runId: 'r1', sent: 3, detail: 'header was Token [REDACTED]' });
  });

  it('rotates files at the size limit and keeps a bounded number', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'relay-logs-'));
    const sink = rotatingFileSink(dir, 1000, 3);
    for (let i = 0; i < 100; i++) sink('info', JSON.stringify({ i, pad: 'x'.repeat(80) }));
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['mdca-siem-relay.log', 'mdca-siem-relay.log.1', 'mdca-siem-relay.log.2', 'mdca-siem-relay.log.3']);
    for (const f of files) expect((await readFile(path.join(dir, f))).length).toBeLessThanOrEqual(1000);
    const last = (await readFile(path.join(dir, 'mdca-siem-relay.log'), 'utf8')).trim().split('\n').at(-1)!;
    expect(JSON.parse(last).i).toBe(99);
  });
});
