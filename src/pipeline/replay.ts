// Re-sends a past time range without touching the live checkpoint (for a SIEM that lost data).
import type { Source, Stream as DataType } from '../sources/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyslogSender } from '../syslog/types.js';

export interface ReplayDeps {
  source: Source;
  sender: SyslogSender;
  logger: Logger;
  onProgress?: (p: { dataType: DataType; sent: number; watermark: number }) => void;
}

export async function replayRange(deps: ReplayDeps, dataTypes: readonly DataType[], from: number, to: number): Promise<{ sent: number; requests: number }> {
  let sent = 0;
  let requests = 0;
  for (const dataType of dataTypes) {
    let sentHere = 0;
    for await (const batch of deps.source.read({ watermark: from, sent: {} }, dataType, { from, to })) {
      const lines = batch.records.map((r) => deps.source.format(dataType, r));
      if (lines.length) await deps.sender.deliver(lines);
      sentHere += lines.length;
      requests += batch.requests;
      deps.onProgress?.({ dataType, sent: sentHere, watermark: batch.cursor.watermark });
    }
    deps.logger.info('replay.done', { dataType, sent: sentHere, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    sent += sentHere;
  }
  return { sent, requests };
}
