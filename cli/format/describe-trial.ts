import type { Trial } from '../../search/index.js';
import { describeArchitecture } from './describe-architecture.js';
import { dassEpochView, genotypeText } from './describe-dass.js';
import { formatCount, formatDuration, formatFixed, oneLine } from './format-numbers.js';

/** The pieces of a one-line trial outcome; the plain reporter joins them, the dashboard colours them. */
export interface TrialOutcomeParts {
  /** `trial 3` */
  head: string;
  state: Trial['state'];
  /** `val_acc 0.8123  sparsity 0.90  sparse_flops 1.2M  12.3s` (only the measured ones; a supernet's derived genotype). */
  details: string;
  architecture: string;
  /** `group/label` when set. */
  tag?: string;
  /** Why a trial failed, was pruned or interrupted, on one line. */
  reason?: string;
}

export function trialOutcomeParts(trial: Trial): TrialOutcomeParts {
  const m = trial.metrics;
  const details: string[] = [];
  if (m) {
    details.push(`val_acc ${formatFixed(m.valAccuracy)}`);
    if (m.didNotLearn) details.push(`(${DID_NOT_LEARN}: chance accuracy and loss)`);
    if (m.testAccuracy !== undefined) details.push(`test_acc ${formatFixed(m.testAccuracy)}`);
    details.push(`sparsity ${formatFixed(m.sparsity, 2)}`, `sparse_flops ${formatCount(m.sparseFlops)}`);
  }
  const ms = trialDurationMs(trial);
  if (ms !== undefined) details.push(formatDuration(ms));
  if (m?.sparseKernels?.length) details.push(`sparse kernels: ${m.sparseKernels.map(oneLine).join(', ')}`);
  if (m?.latencyMsB1 !== undefined) details.push(`latency ${formatMs(m.latencyMsB1)} (batch 1)${m.latencyMsB128 !== undefined ? ` ${formatMs(m.latencyMsB128)} (batch 128)` : ''}`);
  // A trial measured slower than the study's maxLatencyMs completes but never ranks (search/constraints.ts).
  if (m?.infeasible) details.push(`(infeasible: ${oneLine(m.infeasible)}; not ranked)`);
  // A DASS/DARTS supernet (search/leaderboard.ts UNRANKED_ROLES) ends with the genotype it derived.
  if (trial.attributes?.['role'] === 'supernet') {
    const genotype = dassEpochView(m?.outputs)?.genotype;
    details.push(genotype ? `(supernet: not ranked) derived genotype ${genotypeText(genotype)}` : '(supernet: not ranked)');
  }
  const tag = trialTag(trial);
  return {
    head: `trial ${trial.number}`,
    state: trial.state,
    details: details.join('  '),
    architecture: oneLine(describeTrialArchitecture(trial)),
    tag: tag || undefined,
    reason: trial.error ? oneLine(trial.error) : undefined,
  };
}

/** `trial 3 completed  val_acc 0.8123  sparsity 0.90  sparse_flops 1.2M  12.3s  mlp 512-256 relu · 90% rigl` */
export function describeTrialOutcome(trial: Trial): string {
  const p = trialOutcomeParts(trial);
  const line = [`${p.head} ${p.state}`, p.details, p.tag, p.architecture].filter(Boolean).join('  ');
  return p.reason ? `${line}  — ${p.reason}` : line;
}

/** The flag of a trial that ended at chance (`metrics.didNotLearn`). */
export const DID_NOT_LEARN = 'did not learn';

/**
 * THE label of a trial's network, in every view (dashboard, plain lines, leaderboard, reports,
 * export): its architecture with the sparsity of its real masks, measured once trained.
 */
export function describeTrialArchitecture(trial: Pick<Trial, 'architecture' | 'metrics'>): string {
  const label = describeArchitecture(trial.architecture, trial.metrics?.sparsity);
  return trial.metrics?.didNotLearn ? `${label} · ${DID_NOT_LEARN}` : label;
}

/** Training time when measured, else wall time between start and finish. */
export function trialDurationMs(trial: Trial): number | undefined {
  if (trial.metrics) return trial.metrics.trainTimeMs;
  return trial.finishedAt !== undefined ? trial.finishedAt - trial.startedAt : undefined;
}

/** `group/label`, either alone, or '' (user strings, made one-line). */
export function trialTag(trial: Pick<Trial, 'group' | 'label'>): string {
  const { group, label } = trial;
  // A label that already starts with its group (`proxy s=0.5 #0` in group `proxy`) is not repeated.
  if (group && label && (label === group || label.startsWith(`${group} `))) return oneLine(label);
  return oneLine([group, label].filter(Boolean).join('/'));
}

/** `trial 3 test_acc 0.9120  test_loss 0.3011`: a best trial measured on the test split after the search. */
export function describeTestResult(r: { trialNumber: number; testAccuracy: number; testLoss: number }): string {
  return `trial ${r.trialNumber} test_acc ${formatFixed(r.testAccuracy)}  test_loss ${formatFixed(r.testLoss)}`;
}

/** `0.243 ms`, `26.7 ms`: three significant digits. */
function formatMs(ms: number): string {
  return `${Number(ms.toPrecision(3))} ms`;
}
