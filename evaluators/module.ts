import { ContainerModule } from 'inversify';
import { EvaluatorFactory, type JsonObject } from '../search/index.js';
import type { BackendChoice } from './backend.js';
import { TfjsEvaluator } from './tfjs-evaluator.js';

/** `evaluator: { name: 'tfjs', options: { backend?: 'wasm' | ... } }`. */
export const tfjsEvaluatorFactory: EvaluatorFactory = {
  name: 'tfjs',
  description: 'trains candidates with tfjs (GPU through tfjs-node-gpu when it works, else the fastest CPU backend)',
  source: 'built-in',
  create(options: JsonObject) {
    const backend = typeof options['backend'] === 'string' ? (options['backend'] as BackendChoice) : undefined;
    return new TfjsEvaluator({ backend });
  },
};

/**
 * Binds the tfjs evaluator factory under the name `tfjs`. The constraint also accepts unnamed
 * requests because `whenNamed` bindings are invisible to an unnamed `getAll` (inversify 8).
 */
export const evaluatorsModule = new ContainerModule(({ bind }) => {
  bind<EvaluatorFactory>(EvaluatorFactory).toConstantValue(tfjsEvaluatorFactory)
    .when((c) => c.name === undefined || c.name === 'tfjs');
});
