import { EventBus, SpaceError } from '../../search/index.js';
import type {
  Candidate, EvaluationRequest, Evaluator, Json, Metrics, SearchEvent, SearchSpace, Strategy, StrategyContext, Trial, TrialReporter,
} from '../../search/index.js';
import { architecture, fullMetrics } from './fixtures.js';

/** One dimension, `units` in 1..64; the architecture is the fixture MLP of that width. */
export const fakeSpace: SearchSpace = {
  name: 'fake',
  dimensions: [{ name: 'units', kind: 'int', low: 1, high: 64 }],
  check(sample) {
    const u = sample['units'];
    if (!(typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= 64)) return new SpaceError('units', `units must be an integer in [1, 64], got ${JSON.stringify(u)}`);
    return undefined;
  },
  freeze(sample) {
    const problem = this.check(sample);
    if (problem) throw problem;
    return architecture(sample['units'] as number);
  },
};

export type Step = Candidate | Error | undefined;

/**
 * Plays a script: each ask returns the next step (a candidate, a thrown error, or
 * undefined = exhausted). Its state is the cursor, so snapshot/restore can be checked.
 */
export class ScriptedStrategy implements Strategy {
  cursor = 0;
  readonly told: { number: number; state: Trial['state'] }[] = [];
  restored: Json | undefined;
  initialised = 0;

  constructor(private readonly script: readonly Step[] | ((i: number) => Step)) {}

  init(_ctx: StrategyContext): void {
    this.initialised++;
  }

  ask(): Candidate | undefined {
    const i = this.cursor++;
    const step = typeof this.script === 'function' ? this.script(i) : this.script[i];
    if (step instanceof Error) throw step;
    return step && structuredClone(step);
  }

  tell(trial: Trial): void {
    this.told.push({ number: trial.number, state: trial.state });
  }

  snapshot(): Json {
    return { cursor: this.cursor };
  }

  restore(state: Json): void {
    this.restored = state;
    this.cursor = (state as { cursor: number }).cursor;
  }
}

/** Endless distinct candidates: units 1, 2, 3… */
export const counting = (i: number): Step => ({ sample: { units: (i % 64) + 1 } });

export type Behaviour = (req: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal) => Promise<Metrics>;

/** Reports every epoch, then returns metrics whose accuracy grows with the width. */
export const trainNormally: Behaviour = async (req, reporter) => {
  const units = req.architecture.layers[0]!.type === 'dense' ? req.architecture.layers[0]!.units : 1;
  for (let e = 0; e < req.training.epochs; e++) {
    await reporter.epochEnded({ epoch: e, trainLoss: 1 / (e + 1), valLoss: 1 / (e + 1), valAccuracy: units / 100 + e / 1000, elapsedMs: 1 });
  }
  return fullMetrics(units / 100);
};

/** An evaluator whose behaviour is chosen per trial number; records every request. */
export class FakeEvaluator implements Evaluator {
  readonly requests: EvaluationRequest[] = [];
  disposed = false;

  constructor(private readonly behaviour: (trialNumber: number) => Behaviour = () => trainNormally) {}

  async prepare() {
    return { backend: 'fake', reason: 'test double', dataChecksums: { 'fake.bin': '00ff' } };
  }

  evaluate(req: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    this.requests.push(structuredClone(req));
    return this.behaviour(req.trialNumber)(req, reporter, signal);
  }

  async dispose() {
    this.disposed = true;
  }
}

/** A bus that records every event. */
export function recordingBus(): { bus: EventBus; events: SearchEvent[] } {
  const bus = new EventBus();
  const events: SearchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return { bus, events };
}
