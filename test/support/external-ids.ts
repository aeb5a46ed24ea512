// Counting delivered alerts by the id the relay writes as `externalId=` (one helper for every delivery test).

/** The 24-hex MDCA id a CEF line carries as externalId, if any. */
export function externalIdOf(line: string): string | undefined {
  return /externalId=([0-9a-f]{24})/.exec(line)?.[1];
}

/**
 * How often each id arrived. With `expected`, only those ids are counted (each starts at 0, so a missing
 * one shows as 0); `unidentified` lists the lines that carry no id at all.
 */
export function countExternalIds(lines: readonly string[], expected?: readonly string[]): { counts: Map<string, number>; unidentified: string[] } {
  const counts = new Map<string, number>((expected ?? []).map((id) => [id, 0]));
  const unidentified: string[] = [];
  for (const line of lines) {
    const id = externalIdOf(line);
    if (id === undefined) unidentified.push(line);
    else if (!expected || counts.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return { counts, unidentified };
}
