import type { EventOf, SearchEvent, TrialState } from '../../search/index.js';
import { metricValue } from '../../search/index.js';
import { describeArchitecture, describeDassEpoch, dassEpochView, describeTrialArchitecture, describeTestResult, describeTrialOutcome, formatDuration, formatFixed, oneLine, trialTag } from '../format/index.js';
import { attachLines, type Output, type Reporter, type ReporterOptions } from './reporter.js';

const ANSI: Record<TrialState, string> = { completed: '32', pruned: '33', failed: '31', interrupted: '35', running: '36', waiting: '36' };

/**
 * One line per search start/finish and trial start/finish (and per epoch with `verbose`),
 * for logs, CI and pipes; a DASS supernet's epochs (phase, α entropy, genotype) always get
 * theirs. No ANSI codes unless `color` is set.
 */
export class PlainReporter implements Reporter {
  readonly kind = 'plain' as const;

  attach(events$: Parameters<Reporter['attach']>[0], options: ReporterOptions = {}) {
    const out: Output = options.out ?? process.stdout;
    const err: Output = options.err ?? process.stderr;
    return attachLines(events$, err, (e) => {
      const line = plainLine(e, options);
      if (line === undefined) return;
      (e.type === 'search.log' && e.level !== 'info' ? err : out).write(line + '\n');
    });
  }
}

/** The line for one event, or undefined when the event prints nothing. Pure. */
export function plainLine(e: SearchEvent, options: { color?: boolean; verbose?: boolean } = {}): string | undefined {
  switch (e.type) {
    case 'search.started': return startedLine(e);
    case 'trial.started': {
      const tag = trialTag(e.trial);
      return `trial ${e.trial.number} started  ${oneLine(describeTrialArchitecture(e.trial))}${tag ? `  ${tag}` : ''}`;
    }
    case 'trial.epochEnded': {
      const m = e.metrics;
      const dass = dassEpochView(m.outputs);
      const head = `trial ${e.trialNumber} epoch ${m.epoch}/${e.totalEpochs}`;
      // A supernet's search (its α and genotype) is progress worth a line each epoch; other epochs only when verbose.
      if (!options.verbose) return dass?.genotype ? `${head}  ${describeDassEpoch(dass)}` : undefined;
      const line = `${head}  loss ${formatFixed(m.trainLoss)}  val_loss ${formatFixed(m.valLoss)}  val_acc ${formatFixed(m.valAccuracy)}  ${formatDuration(m.elapsedMs)}`;
      return dass ? `${line}  ${describeDassEpoch(dass)}` : line;
    }
    case 'trial.finished': {
      const line = describeTrialOutcome(e.trial);
      if (!options.color) return line;
      const head = `trial ${e.trial.number} ${e.trial.state}`;
      return `\u001b[${ANSI[e.trial.state]}m${head}\u001b[0m${line.slice(head.length)}`;
    }
    case 'trial.tested': return describeTestResult(e);
    case 'search.stopping': return `search stopping (${e.reason})`;
    case 'search.finished': return finishedLine(e);
    case 'search.log': return `${e.level === 'info' ? 'info' : e.level}: ${oneLine(e.message)}`;
    // Events added after this reporter was written print nothing rather than break the stream.
    default: return undefined;
  }
}

function startedLine(e: EventOf<'search.started'>): string {
  const d = e.study.definition;
  const ds = e.dataset ? `${e.dataset.name} (${e.dataset.train}/${e.dataset.validation}/${e.dataset.test})` : d.dataset.name;
  const budget = [e.maxTrials !== undefined ? `${e.maxTrials} trials` : '', e.timeLimitMinutes !== undefined ? `${e.timeLimitMinutes} min` : ''].filter(Boolean).join(', ');
  return [
    `search ${e.resumed ? 'resumed' : 'started'}`, `study ${oneLine(e.study.name)}`, `strategy ${oneLine(d.strategy.name)}`,
    `space ${oneLine(d.space.name)}`, `dataset ${oneLine(ds)}`, `backend ${oneLine(e.backend)} (${oneLine(e.backendReason)})`,
    `seed ${d.seed}`, budget && `budget ${budget}`, e.resumed ? `${e.completedBefore} trials done before` : '',
  ].filter(Boolean).join('  ');
}

function finishedLine(e: EventOf<'search.finished'>): string {
  const c = e.counts;
  const total = c.completed + c.pruned + c.failed + c.interrupted + c.running;
  const counts = (['completed', 'pruned', 'failed', 'interrupted'] as const).filter((s) => c[s]).map((s) => `${c[s]} ${s}`).join(', ');
  const objective = e.study.definition.objectives?.[0]?.metric ?? 'valAccuracy';
  const best = e.best ? `  best trial ${e.best.number} ${objective} ${formatFixed(metricValue(e.best, objective))}  ${oneLine(describeTrialArchitecture(e.best))}` : '';
  return `search finished (${e.reason})  ${total} trials${counts ? `: ${counts}` : ''}${best}`;
}
