// Progress of a backfill: shown on a terminal (done, share, rate, ETA), silent when not a TTY.
import { describe, expect, it } from 'vitest';
import { terminalProgress } from '../../src/cli/progress.js';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) {
    s.text += chunk;
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('terminal progress', () => {
  it('shows sent, share of the range, rate and ETA on a TTY', () => {
    let t = 0;
    const out = stream(true);
    const p = terminalProgress(out, 1_000_000, () => t);
    t = 1000;
    p.update({ dataType: 'alerts', sent: 0, watermark: 0 });
    t = 3000;
    p.update({ dataType: 'alerts', sent: 500, watermark: 250_000 });
    p.done();
    expect(out.text).toMatch(/alerts: 500 sent, 25\.0% of the range, 166\.7\/s, ETA 9s, at 1970-01-01T00:04:10\.000Z/);
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('writes nothing when not a TTY (logs stay clean)', () => {
    const out = stream(false);
    const p = terminalProgress(out, 1_000_000, () => 5000);
    p.update({ dataType: 'alerts', sent: 10, watermark: 10 });
    p.done();
    expect(out.text).toBe('');
  });
});
