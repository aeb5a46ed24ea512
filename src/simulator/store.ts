// In-memory record store of the simulator: records plus the moment each becomes visible to the API.
import type { DataType, MdcaActivity, MdcaAlert } from '../sources/mdca/types.js';

type AnyRecord = MdcaAlert | MdcaActivity;

interface Stored {
  record: AnyRecord;
  /** Simulator-clock ms from which list calls return it (late arrival = visibleAt long after timestamp). */
  visibleAt: number;
  /** Insertion order: the stable tie-break when two records share a sort key. */
  seq: number;
}

export class RecordStore {
  private readonly items: Record<DataType, Stored[]> = { alerts: [], activities: [] };
  private seq = 0;
  /** Kept sorted by (timestamp, insertion) so a date-sorted page needs no sort per request. */
  private sorted: Partial<Record<DataType, boolean>> = {};

  add(dataType: DataType, records: AnyRecord[], visibleAt: number): void {
    const list = this.items[dataType];
    for (const record of records) {
      if (typeof record._id !== 'string' || typeof record.timestamp !== 'number') {
        throw new Error('simulator: every record needs a string _id and a numeric timestamp');
      }
      list.push({ record: structuredClone(record), visibleAt, seq: this.seq++ });
    }
    this.sorted[dataType] = false;
  }

  /** Records visible at `now`, by timestamp then insertion order. */
  visible(dataType: DataType, now: number): Array<{ record: AnyRecord; seq: number }> {
    return this.ordered(dataType).filter((s) => s.visibleAt <= now);
  }

  private ordered(dataType: DataType): Stored[] {
    const list = this.items[dataType];
    if (!this.sorted[dataType]) {
      list.sort((a, b) => a.record.timestamp - b.record.timestamp || a.seq - b.seq);
      this.sorted[dataType] = true;
    }
    return list;
  }

  /** Visible records with timestamp >= `from`, in order (binary search to the first one). */
  *visibleFrom(dataType: DataType, now: number, from: number): Generator<{ record: AnyRecord; seq: number }> {
    const list = this.ordered(dataType);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.record.timestamp < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length; i++) if (list[i]!.visibleAt <= now) yield list[i]!;
  }

  all(dataType: DataType): AnyRecord[] {
    return this.items[dataType].map((s) => s.record);
  }
}
