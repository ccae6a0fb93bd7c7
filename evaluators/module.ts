import { ContainerModule } from 'inversify';
import { ConfigError, EvaluatorFactory, SparsenasError, type JsonObject } from '../search/index.js';
import type { EvaluationRequest, Evaluator, EvaluatorInfo, Metrics, StudyDefinition, TestRequest, TrialReporter } from '../search/index.js';
import { BACKENDS, type BackendChoice } from './backend-names.js';
import { TrainingMethodFactory } from './methods/types.js';
import type { TfjsEvaluator, TfjsEvaluatorOptions } from './tfjs-evaluator.js';

/**
 * `evaluator: { name: 'tfjs', options: { backend?, allowSoftwareGpu?, gpuConcurrency?, readbackEvery?, latencyRepeats? } }`,
 * training the given methods (default: the built-ins). Unknown option keys and wrong types are
 * refused by name.
 */
export function tfjsEvaluatorFactory(trainingMethods?: readonly TrainingMethodFactory[]): EvaluatorFactory {
  return {
    name: 'tfjs',
    description: 'trains candidates with tfjs (on a GPU through tfjs-node-gpu or WebGPU when one works, else the fastest CPU backend)',
    source: 'built-in',
    create(options: JsonObject) {
      return new LazyTfjsEvaluator({ ...parseEvaluatorOptions(options), ...(trainingMethods ? { trainingMethods } : {}) });
    },
  };
}

/**
 * The tfjs evaluator, loaded on `prepare()`: creating one (which every search, `list` and config
 * check does) does not import tfjs, so commands that never train (`--version`, `list`,
 * `leaderboard`) start without it.
 */
export class LazyTfjsEvaluator implements Evaluator {
  private inner?: TfjsEvaluator;

  constructor(readonly options: TfjsEvaluatorOptions) {}

  async prepare(definition: StudyDefinition): Promise<EvaluatorInfo> {
    if (!this.inner) {
      const { TfjsEvaluator } = await import('./tfjs-evaluator.js');
      this.inner = new TfjsEvaluator(this.options);
    }
    return this.inner.prepare(definition);
  }

  evaluate(request: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    return this.loaded().evaluate(request, reporter, signal);
  }

  evaluateTest(request: TestRequest): Promise<{ testAccuracy: number; testLoss: number }> {
    return this.loaded().evaluateTest(request);
  }

  async dispose(): Promise<void> {
    await this.inner?.dispose();
  }

  private loaded(): TfjsEvaluator {
    if (!this.inner) throw new SparsenasError('EVALUATOR_NOT_PREPARED', 'the tfjs evaluator was used before prepare(); call prepare(definition) once first');
    return this.inner;
  }
}

const OPTION_KEYS = ['backend', 'allowSoftwareGpu', 'gpuConcurrency', 'readbackEvery', 'latencyRepeats'];

function parseEvaluatorOptions(options: JsonObject): TfjsEvaluatorOptions {
  const at = (key: string) => `evaluator.options.${key}`;
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length) throw new ConfigError(at(unknown[0]!), `unknown tfjs evaluator option ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${OPTION_KEYS.join(', ')}`);
  const positive = (key: string): number | undefined => {
    const v = options[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(at(key), `${at(key)} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const nonNegative = (key: string): number | undefined => {
    const v = options[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(at(key), `${at(key)} must be an integer >= 0 (0 measures no latency), got ${JSON.stringify(v)}`);
    return v;
  };
  const soft = options['allowSoftwareGpu'];
  if (soft !== undefined && typeof soft !== 'boolean') throw new ConfigError(at('allowSoftwareGpu'), `${at('allowSoftwareGpu')} must be true or false, got ${JSON.stringify(soft)}`);
  const backend = options['backend'];
  if (backend !== undefined && (typeof backend !== 'string' || !(BACKENDS as readonly string[]).concat('auto').includes(backend))) {
    throw new ConfigError(at('backend'), `${at('backend')} must be one of auto, ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);
  }
  return {
    backend: backend as BackendChoice | undefined, allowSoftwareGpu: soft as boolean | undefined,
    gpuConcurrency: positive('gpuConcurrency'), readbackEvery: positive('readbackEvery'), latencyRepeats: nonNegative('latencyRepeats'),
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
