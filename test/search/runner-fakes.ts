import { EventBus } from '../../search/index.js';
import type { Candidate, Json, SearchEvent, Strategy, StrategyContext, Trial } from '../../search/index.js';

export { FakeEvaluator, RecordingStrategy, fakeSpace, slowTraining, trainNormally } from './protocol-fakes.js';
export type { Behaviour } from './protocol-fakes.js';

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

/** A bus that records every event. */
export function recordingBus(): { bus: EventBus; events: SearchEvent[] } {
  const bus = new EventBus();
  const events: SearchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return { bus, events };
}

