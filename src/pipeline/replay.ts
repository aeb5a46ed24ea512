// Re-sends a past time range without touching the live checkpoint (for a SIEM that lost data).
import type { CefFormatter } from '../cef/types.js';
import type { DataType, MdcaActivity, MdcaAlert } from '../mdca/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyslogSender } from '../syslog/types.js';
import type { BatchSource } from '../mdca/source.js';

export interface ReplayDeps {
  source: BatchSource;
  sender: SyslogSender;
  formatter: CefFormatter;
  logger: Logger;
  onProgress?: (p: { dataType: DataType; sent: number; watermark: number }) => void;
}

export async function replayRange(deps: ReplayDeps, dataTypes: DataType[], from: number, to: number): Promise<{ sent: number; requests: number }> {
  let sent = 0;
  let requests = 0;
  for (const dataType of dataTypes) {
    let sentHere = 0;
    for await (const batch of deps.source({ watermark: from, sent: {} }, dataType, { from, to })) {
      const lines = batch.records.map((r) => (dataType === 'alerts' ? deps.formatter.alert(r as MdcaAlert) : deps.formatter.activity(r as MdcaActivity)));
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
