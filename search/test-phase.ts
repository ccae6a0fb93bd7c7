import type { StudyDefinition } from './config.js';
import type { Evaluator } from './evaluator.js';
import type { EventBus } from './events.js';
import type { Store } from './store.js';
import type { Study, TestResults, Trial } from './types.js';
import { hostname } from 'node:os';
import { describeError } from './errors.js';
import { locateTrialArtifacts, missingArtifacts } from './artifact-location.js';
import { metricValue, rankTrials } from './leaderboard.js';

/** Where a trial's trained weights go (`EvaluationRequest.artifactDir`) under the study's artifacts root. */
export function trialArtifactDir(artifactsRoot: string, trialNumber: number): string {
  return `${artifactsRoot}/trial-${trialNumber}`;
}

export interface TestPhaseOptions {
  store: Store;
  /** The worker holding the test phase (`Study.tester`): each result is written only while it still does. */
  tester: string;
  evaluator: Evaluator;
  bus: EventBus;
  definition: StudyDefinition;
  /** The study as stored now: its `testResults` say which trials were measured already (resume). */
  study: Study;
  trials: readonly Trial[];
  artifactsRoot?: string;
  /** Aborting skips the trials not measured yet; a resume measures them. */
  signal?: AbortSignal;
  /** Event timestamps (results carry the store's clock). */
  now: () => number;
  /** Names the evaluator in warnings. */
  evaluatorName: string;
}

/**
 * The best `testTopK` completed trials (by the first objective) not measured on the test split
 * yet: by an earlier run of this study, or by their own training (`training.evaluateTest`).
 */
export function pendingTests(definition: StudyDefinition, study: Study, trials: readonly Trial[]): Trial[] {
  const k = definition.testTopK ?? 1;
  if (k <= 0) return [];
  const objective = definition.objectives[0]!;
  const results = study.testResults ?? {};
  return rankTrials(trials, objective)
    .filter((t) => t.architecture && metricValue(t, objective.metric) !== undefined)
    .slice(0, k)
    .filter((t) => results[t.number] === undefined && t.metrics?.testAccuracy === undefined);
}

/**
 * The end of a search: the best `testTopK` completed trials by the first objective (validation
 * metrics only, so the test split never influences selection) are measured on the test split,
 * once each, from their saved weights, by the one worker holding the test phase. Results go to
 * the study (`testResults`; trials stay immutable), one transaction per trial so a crash loses
 * none and a worker that lost the test phase writes none, each announced as `trial.tested`.
 * Trials measured before (an earlier run of a resumed study, or `training.evaluateTest`) are
 * not measured again.
 * A trial that cannot be measured (no weights, an evaluator error) is a warning, not a failure.
 */
export async function testBestTrials(o: TestPhaseOptions): Promise<TestResults> {
  const log = (message: string) => o.bus.publish({ type: 'search.log', at: o.now(), level: 'warn', message });
  let results: TestResults = { ...(o.study.testResults ?? {}) };
  const pending = pendingTests(o.definition, o.study, o.trials);
  if (!pending.length) return results;
  const which = pending.length > 1 ? `trials ${pending.map((t) => t.number).join(', ')} were` : `trial ${pending[0]!.number} was`;
  if (!o.evaluator.evaluateTest) {
    log(`the best ${which} not measured on the test split: evaluator ${o.evaluatorName} cannot evaluate saved weights (it has no evaluateTest); set testTopK: 0 to silence this`);
    return results;
  }
  if (!o.artifactsRoot) {
    log(`the best ${which} not measured on the test split: no trained weights were saved (an in-memory database keeps no artifacts); search with a database file to get test accuracy`);
    return results;
  }
  // A trial trained on another host has its weights there unless the hosts share --artifacts.
  const workers = await o.store.getWorkers(o.study.id);
  const here = hostname();
  for (const t of pending) {
    if (o.signal?.aborted) {
      log(`stopped before measuring trial ${t.number} on the test split; \`sparsenas resume --study ${o.study.name}\` measures it`);
      break;
    }
    const found = locateTrialArtifacts(t, workers, [o.artifactsRoot]);
    if (!found.dir && found.savedOn && found.savedOn.host !== here) {
      log(`trial ${t.number} was not measured on the test split: ${missingArtifacts(t, found, here)} (\`sparsenas resume --study ${o.study.name}\` there measures it)`);
      continue;
    }
    let measured: { testAccuracy: number; testLoss: number };
    try {
      measured = await o.evaluator.evaluateTest({
        studyName: o.study.name, trialNumber: t.number, architecture: t.architecture!, dataset: o.definition.dataset,
        training: { ...o.definition.training, ...(t.training ?? {}) }, seed: t.seed, artifactDir: found.dir ?? trialArtifactDir(o.artifactsRoot, t.number),
      });
    } catch (err) {
      log(`trial ${t.number} was not measured on the test split: ${describeError(err)}`);
      continue;
    }
    const { testAccuracy, testLoss } = measured;
    if (!Number.isFinite(testAccuracy) || !Number.isFinite(testLoss)) {
      log(`trial ${t.number} was not measured on the test split: evaluator ${o.evaluatorName} returned test accuracy ${testAccuracy} and loss ${testLoss}`);
      continue;
    }
    const stored = await o.store.transact(o.study.id, async (tx) => {
      const study = await tx.getStudy();
      // Another worker took the test phase over (this one was presumed dead): it measures the rest.
      if (study.tester !== o.tester) return undefined;
      const merged = { ...(study.testResults ?? {}), [t.number]: { testAccuracy, testLoss, evaluatedAt: tx.now } };
      await tx.updateStudy({ testResults: merged });
      return merged;
    });
    if (!stored) {
      log(`another worker took over the test phase; trial ${t.number}'s measurement here was discarded`);
      break;
    }
    results = stored;
    o.bus.publish({ type: 'trial.tested', at: o.now(), trialNumber: t.number, testAccuracy, testLoss });
  }
  return results;
}
