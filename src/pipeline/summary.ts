// The one-line run summary both entry points log. The Azure Monitor alerts in infra/ parse this
// line (`relay <outcome> ... lag=<n>s`) from the relay Function's traces: keep its format.
import { describeError } from '../errors.js';
import type { RunSummary } from './run.js';

export function summaryLine(s: RunSummary): string {
  const parts = [`relay ${s.outcome}`, `sent=${s.sent}`, `skipped=${s.skippedDuplicates}`, `lag=${Math.round(s.lagMs / 1000)}s`, `requests=${s.requests}`, `duration=${(s.durationMs / 1000).toFixed(1)}s`];
  if (s.yielded) parts.push('yielded=another runner holds a lease');
  for (const d of s.dataTypes) if (d.stoppedForBudget) parts.push(`${d.dataType}=stopped at time budget`);
  if (s.error) parts.push(`error=${describeError(s.error)}`);
  return parts.join(' ');
}
