// Test events: numbered syslog lines with varied PRI, RFC 5424 and 3164 headers, and non-ASCII
// text so octet counts differ from character counts.
export interface TestEvent {
  line: string;
  pri: number;
  host: string;
  app: string;
  msg: string;
}

const NOTES = ['plain', 'unicode: Zürich Ωμέγα 東京 🚀', 'escaped \\= and \\\\ and pipes | inside', 'x'.repeat(600)];

export function testEvent(i: number, tag = 'run'): TestEvent {
  const facility = 16 + (i % 8); // local0..local7
  const severity = i % 8;
  const pri = facility * 8 + severity;
  const host = `host-${i % 3}`;
  const app = `app${i % 5}`;
  const note = NOTES[i % NOTES.length]!;
  const msg = `CEF:0|MCAS|SIEM_Agent|0.1|sig-${i % 7}|Event ${i}|${i % 11}|externalId=${tag}-${i} msg=${note}`;
  const line =
    i % 4 === 3
      ? `<${pri}>Jan  2 03:04:05 ${host} ${app}: ${msg}` // RFC 3164
      : `<${pri}>1 2024-05-06T07:08:09.123Z ${host} ${app} - - - ${msg}`; // RFC 5424
  return { line, pri, host, app, msg };
}

export function testEvents(from: number, count: number, tag = 'run'): TestEvent[] {
  return Array.from({ length: count }, (_, k) => testEvent(from + k, tag));
}

/** The sequence number carried in externalId, or undefined when the line has none of this tag. */
export function seqOf(line: string, tag = 'run'): number | undefined {
  const m = new RegExp(`externalId=${tag}-(\\d+) `).exec(line);
  return m ? Number(m[1]) : undefined;
}
