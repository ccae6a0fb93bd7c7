import { SparsenasError, type TrainingMethodConfig } from '../../search/index.js';
import { createMethodTools, type ToolsContext } from './tools.js';
import type { MethodSetup, TrainingMethod, TrainingMethodFactory } from './types.js';

/** What the evaluator knows of a trial when it starts its method. */
export type MethodStart = Omit<MethodSetup, 'options' | 'tools'> & Omit<ToolsContext, 'method'>;

/** The training methods an evaluator trains, by name (from the container, or the built-ins). */
export class TrainingMethodRegistry {
  private readonly byName = new Map<string, TrainingMethodFactory>();

  constructor(factories: readonly TrainingMethodFactory[]) {
    for (const f of factories) {
      if (this.byName.has(f.name)) throw new SparsenasError('TRAINING_METHOD_DUPLICATE', `training method "${f.name}" is registered twice${f.source ? ` (again by ${f.source})` : ''}; give one of them another name`);
      this.byName.set(f.name, f);
    }
  }

  /** For `EvaluatorInfo.trainingMethods`. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** Creates the trial's method with its tools; throws when the name is unknown or the factory refuses the options. */
  start(config: TrainingMethodConfig, trial: MethodStart): TrainingMethod {
    const factory = this.byName.get(config.name);
    if (!factory) {
      throw new SparsenasError('TRAINING_METHOD_UNAVAILABLE', `training method "${config.name}" is not one this evaluator trains (${this.names.map((n) => `"${n}"`).join(', ') || 'none'}); check training.method.name`);
    }
    let method: TrainingMethod | undefined;
    const tools = createMethodTools({ net: trial.net, sparse: trial.sparse, dataset: trial.dataset, seed: trial.seed, training: trial.training, method: () => method });
    const { sparse: _sparse, ...setup } = trial;
    method = factory.create({ ...setup, options: config.options ?? {}, tools });
    return method;
  }
}
