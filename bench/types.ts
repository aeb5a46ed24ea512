// A benchmark figure: every measured value sits next to the baseline measured in the same run.
export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** Human-readable target, e.g. ">= 200000 alerts/s"; `met` says whether this run met it. */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<Figure[]>;
}
