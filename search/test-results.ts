import type { TestResults, Trial } from './types.js';

/**
 * The trials as leaderboards and reports show them: a trial measured on the test split after
 * the search (`Study.testResults`) gets that `testAccuracy` / `testLoss` in its metrics, unless
 * its own metrics already have one (`training.evaluateTest`). Returns copies of the changed
 * trials; the stored trials, and the array given, are left as they are.
 */
export function withTestResults(trials: readonly Trial[], results: TestResults | undefined): Trial[] {
  if (!results) return trials.slice();
  return trials.map((t) => {
    const r = results[t.number];
    if (!r || !t.metrics || t.metrics.testAccuracy !== undefined) return t;
    return { ...t, metrics: { ...t.metrics, testAccuracy: r.testAccuracy, testLoss: r.testLoss } };
  });
}
