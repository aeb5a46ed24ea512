// RELAY_SCHEDULE: the NCRONTAB expression Azure Functions' timer takes (six fields, seconds first,
// UTC), validated at start-up so the Function and the CLI refuse the same values.
//
// Checked by hand rather than with cron-parser: cron-parser (and luxon under it) would add to the
// Function's cold start, and it accepts what NCrontab refuses (five fields, `L`, `#`, `?`, 7 for
// Sunday, steps larger than the field). What passes here, cron-parser parses too (a test checks it),
// so the CLI's run loop can compute the next tick from it.

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

// NCrontab's fields (CrontabFieldImpl): day of week is 0-6 with Sunday 0; month and day names are 3 letters.
const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function value(spec: FieldSpec, token: string): number | string {
  if (/^\d{1,2}$/.test(token)) {
    const n = Number(token);
    return n >= spec.min && n <= spec.max ? n : `${n} is outside ${spec.min}-${spec.max}${spec.name === 'day-of-week' ? ' (Sunday is 0)' : ''}`;
  }
  const i = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  if (i >= 0) return spec.min + i;
  return `"${token}" is not a number${spec.names ? ' or a 3-letter name' : ''}`;
}

/** The values one field selects, or why it is wrong. */
function parseField(spec: FieldSpec, text: string): Set<number> | string {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) return `"${item}" is not a value, range or step`;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    // A step larger than the field's span selects only its start: always a typo (*/99 minutes).
    if (step < 1 || step > spec.max - spec.min) return `step ${m[2]} is outside 1-${spec.max - spec.min}`;
    let from: number | string;
    let to: number | string;
    if (m[1] === '*') [from, to] = [spec.min, spec.max];
    else {
      const [a, b, extra] = m[1]!.split('-');
      if (extra !== undefined || a === '') return `"${item}" is not a value, range or step`;
      from = value(spec, a!);
      // "5/15" is NCrontab's "from 5 to the end, every 15".
      to = b !== undefined ? value(spec, b) : m[2] !== undefined ? spec.max : from;
      if (typeof from === 'string') return from;
      if (typeof to === 'string') return to;
      if (from > to) return `range ${m[1]} runs backwards`;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/** Every problem with an NCRONTAB expression (empty when the timer can run it). */
export function scheduleProblems(expression: string): string[] {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    return [`"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; NCRONTAB takes 6, seconds first: second minute hour day month day-of-week (e.g. 0 */5 * * * *)`];
  }
  const problems: string[] = [];
  const sets = FIELDS.map((spec, i) => {
    const r = parseField(spec, parts[i]!);
    if (typeof r === 'string') problems.push(`${spec.name} field "${parts[i]}": ${r}`);
    return typeof r === 'string' ? undefined : r;
  });
  const [, , , days, months] = sets;
  if (days && months && ![...months].some((mo) => [...days].some((d) => d <= DAYS_IN_MONTH[mo - 1]!))) {
    problems.push(`"${expression}" never fires: no selected month has the selected day`);
  }
  return problems;
}

/** The NCRONTAB the relay's timer runs on when RELAY_SCHEDULE is not set. */
export const DEFAULT_SCHEDULE = '0 */1 * * * *';

/**
 * The schedule to register the Function's timer with. A value this module refuses is replaced by the
 * default: the host would otherwise fail to index the app (taking the status endpoint down with it)
 * with a message that does not name the setting; instead each tick runs, loadConfig refuses
 * RELAY_SCHEDULE by name, and the invocation fails (so the failure alert fires).
 */
export function timerSchedule(value: string | undefined): string {
  const v = value?.trim();
  return v && scheduleProblems(v).length === 0 ? v : DEFAULT_SCHEDULE;
}
