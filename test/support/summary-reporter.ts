// Prints the plain closing line "N passed, N failed, N skipped" that any CI can read.
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

/** Whether a hook of this suite or of one around it failed (a throwing beforeAll leaves its tests "skipped"). */
function setupFailed(t: TestCase): boolean {
  for (let s: TestSuite | TestModule = t.parent; ; s = s.parent) {
    if (s.errors().length > 0) return true;
    if (s.type === 'module') return false;
  }
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      const before = failed;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        // A test that never ran because its setup failed is a failure, not a skip; one skipped on purpose
        // (it.skip, it.todo, ctx.skip()) stays a skip.
        else if (t.options.mode === 'run' && setupFailed(t)) failed++;
        else skipped++;
      }
      // A hook error no test carries (an afterAll failing after passing tests) is one failure of its own.
      for (const s of [m, ...m.children.allSuites()]) {
        if (s.errors().length === 0) continue;
        const carried = [...s.children.allTests()].some((t) => t.result().state === 'failed' || (t.result().state !== 'passed' && t.options.mode === 'run'));
        if (!carried) failed++;
      }
      // A file that failed to load has no tests at all.
      if (m.state() === 'failed' && failed === before) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
