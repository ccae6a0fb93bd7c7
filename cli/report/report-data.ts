import { SparsenasError, describeConstraints, infeasibleReason, paretoFront, rankTrials, withTestResults, type EpochMetrics, type Objective, type Store, type Study, type Trial } from '../../search/index.js';

/** Everything a report shows; plain data, so reports are pure functions of it. */
export interface ReportData {
  study: Study;
  trials: Trial[];
  /** Per-epoch metrics by trial number. */
  epochs: Record<number, EpochMetrics[]>;
  /** When the report was made (ms since epoch); injected so reports are reproducible. */
  generatedAt: number;
}

/** Gathers a study, its trials and every trial's epochs from a store. */
export async function loadReportData(store: Store, studyName: string, opts: { now?: () => number } = {}): Promise<ReportData> {
  const study = await store.getStudy(studyName);
  if (!study) {
    throw new SparsenasError('STUDY_NOT_FOUND', `study "${studyName}" not found; \`sparsenas list studies\` shows the studies of this database`);
  }
  // The test split's results of the best trials are kept on the study; reports show them with the trials.
  const trials = withTestResults(await store.getTrials(study.id), study.testResults).sort((a, b) => a.number - b.number);
  const epochs: Record<number, EpochMetrics[]> = {};
  for (const t of trials) epochs[t.number] = await store.getEpochs(t.id);
  return { study, trials, epochs, generatedAt: (opts.now ?? Date.now)() };
}

/** The objective reports rank by: the study's first. */
export function reportObjective(data: ReportData): Objective {
  return data.study.definition.objectives?.[0] ?? { metric: 'valAccuracy', direction: 'maximize' };
}

/** Facts every report format shows, computed once. */
export function reportFacts(data: ReportData) {
  const objective = reportObjective(data);
  const ranked = rankTrials(data.trials, objective);
  const front = paretoFront(data.trials);
  const counts: Record<Trial['state'], number> = { waiting: 0, running: 0, completed: 0, pruned: 0, failed: 0, interrupted: 0 };
  for (const t of data.trials) counts[t.state]++;
  return { objective, ranked, best: ranked[0], front, counts };
}

/** `searched`, `random-control/ctrl`… or `all` when a trial has neither; used to colour series. */
export function seriesOf(t: Trial): string {
  return t.group ?? t.label ?? 'trials';
}

/**
 * `nonzeros ≤ 50,000 (3 of 12 trials infeasible: never trained or measured too slow, not ranked)`,
 * or undefined when the study has no constraints.
 */
export function constraintsLine(data: ReportData): string | undefined {
  const limits = describeConstraints(data.study.definition.constraints);
  if (!limits) return undefined;
  const n = data.trials.filter((t) => infeasibleReason(t)).length;
  return `${limits} (${n} of ${data.trials.length} trials infeasible: never trained or measured too slow, not ranked)`;
}
