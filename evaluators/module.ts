import { ContainerModule } from 'inversify';
import { EvaluatorFactory, type JsonObject } from '../search/index.js';
import type { BackendChoice } from './backend.js';
import { TrainingMethodFactory } from './methods/types.js';
import { TfjsEvaluator } from './tfjs-evaluator.js';

/**
 * `evaluator: { name: 'tfjs', options: { backend?: 'wasm' | ... } }`, training the given methods
 * (default: the built-ins).
 */
export function tfjsEvaluatorFactory(trainingMethods?: readonly TrainingMethodFactory[]): EvaluatorFactory {
  return {
    name: 'tfjs',
    description: 'trains candidates with tfjs (GPU through tfjs-node-gpu when it works, else the fastest CPU backend)',
    source: 'built-in',
    create(options: JsonObject) {
      const backend = typeof options['backend'] === 'string' ? (options['backend'] as BackendChoice) : undefined;
      return new TfjsEvaluator({ backend, ...(trainingMethods ? { trainingMethods } : {}) });
    },
  };
}

/**
 * Binds the tfjs evaluator factory under the name `tfjs`; it trains every `TrainingMethodFactory`
 * bound in the container when it is resolved (load `trainingMethodsModule` for the built-ins; a
 * plugin's bindings count too). The constraint also accepts unnamed requests because
 * `whenNamed` bindings are invisible to an unnamed `getAll` (inversify 8).
 */
export const evaluatorsModule = new ContainerModule(({ bind }) => {
  bind<EvaluatorFactory>(EvaluatorFactory)
    .toDynamicValue((ctx) => tfjsEvaluatorFactory(ctx.getAll<TrainingMethodFactory>(TrainingMethodFactory, { optional: true })))
    .when((c) => c.name === undefined || c.name === 'tfjs');
});
