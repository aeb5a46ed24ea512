// Progress of a long backfill or replay on a terminal: done, rate, ETA; silent when not a TTY.
import type { Stream as DataType } from '../sources/types.js';

export interface Progress {
  update(p: { dataType: DataType; sent: number; watermark: number }): void;
  done(): void;
}

export function terminalProgress(stream: NodeJS.WriteStream, target: number, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const started = now();
  let startMark: number | undefined;
  let last = 0;
  return {
    update({ dataType, sent, watermark }) {
      startMark ??= watermark;
      const t = now();
      if (t - last < 200) return;
      last = t;
      const span = Math.max(1, target - startMark);
      const share = Math.min(1, Math.max(0, (watermark - startMark) / span));
      const rate = sent / Math.max(0.001, (t - started) / 1000);
      const eta = share > 0 ? ((t - started) / share - (t - started)) / 1000 : NaN;
      const etaText = Number.isFinite(eta) ? `${Math.round(eta)}s` : '?';
      stream.write(`\r${dataType}: ${sent} sent, ${(share * 100).toFixed(1)}% of the range, ${rate.toFixed(1)}/s, ETA ${etaText}, at ${new Date(watermark).toISOString()}   `);
    },
    done() {
      if (last) stream.write('\n');
    },
  };
}
