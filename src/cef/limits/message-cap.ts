// Whole-message cap: shorten the largest record-derived fields first until the line fits.
//
// Why: rsyslog's default 8 KiB message size (so Sentinel's forwarder path) truncates longer lines
// blindly, which can cut an escape or a UTF-8 sequence and drop trailing keys (cef-and-syslog.md).
// Trimming here keeps every key and yields valid CEF and valid UTF-8 at any size.
import { truncateEscaped, utf8Bytes } from './truncate.js';

/** What the cap works on: the header's name and signature id and the extension values. */
export interface Trimmable {
  signatureId: string;
  name: string;
  values: string[];
  trimmable: boolean[];
}

/**
 * Remove at least `excess` bytes by "water-filling": find the largest level L such that cutting
 * every trimmable field longer than L bytes down to L removes enough, then cut them (each cut on a
 * character boundary and outside escapes, so a field may end a little below L). Fields of L bytes
 * or fewer are untouched: the largest free-text fields are trimmed first.
 */
export function fitToCap(ev: Trimmable, excess: number): void {
  const texts: string[] = [ev.signatureId, ev.name];
  const slots: number[] = [-2, -1];
  for (let i = 0; i < ev.values.length; i++) {
    if (ev.trimmable[i]) {
      texts.push(ev.values[i]!);
      slots.push(i);
    }
  }
  const sizes = texts.map(utf8Bytes);
  const total = sizes.reduce((a, b) => a + b, 0);
  let budget = Math.max(0, total - excess);
  const ascending = [...sizes].sort((a, b) => a - b);
  let level = ascending.length > 0 ? ascending[ascending.length - 1]! : 0;
  for (let j = 0; j < ascending.length; j++) {
    const left = ascending.length - j;
    const s = ascending[j]!;
    if (s * left <= budget) {
      budget -= s;
    } else {
      level = Math.floor(budget / left);
      break;
    }
  }
  for (let k = 0; k < texts.length; k++) {
    if (sizes[k]! <= level) continue;
    const cut = truncateEscaped(texts[k]!, level);
    const slot = slots[k]!;
    if (slot === -2) ev.signatureId = cut;
    else if (slot === -1) ev.name = cut;
    else ev.values[slot] = cut;
  }
}
