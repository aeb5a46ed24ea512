// MDCA alert severityValue → CEF severity (0..10), configurable.
//
// CEF bands (ArcSight spec): 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High. The retired agent wrote
// 3 for every alert in its published samples; those are activity-policy alerts, whose default MDCA
// severity is LOW, so LOW → 3 keeps the samples byte-exact. The other values sit at the top of
// their CEF band so a SIEM's "Medium"/"High" rules still match.

export const DEFAULT_SEVERITY_MAP: Readonly<Record<number, number>> = {
  0: 3, // LOW
  1: 6, // MEDIUM
  2: 8, // HIGH
  3: 1, // INFORMATIONAL
};

/** Severity for a missing or unmapped severityValue: the agent's constant. */
export const UNKNOWN_SEVERITY = 3;

/** Activities have no severity in the agent's output: always 0 (siem.md samples). */
export const ACTIVITY_SEVERITY = 0;

export function severityMapper(map: Record<number, number>): (value: unknown) => number {
  const table = new Map<number, number>();
  for (const [k, v] of Object.entries(map)) table.set(Number(k), v);
  return (value: unknown): number => (typeof value === 'number' ? (table.get(value) ?? UNKNOWN_SEVERITY) : UNKNOWN_SEVERITY);
}
