import type { EvaluationRequest, Evaluator, EvaluatorFactory, Metrics, TrialReporter } from '../../search/index.js';
import { deriveSeed } from '../../search/index.js';

/** Deterministic evaluator for CLI/API tests: accuracy is a function of the architecture JSON and seed. */
export class FakeEvaluator implements Evaluator {
  async prepare() {
    return { backend: 'fake', reason: 'test double', dataChecksums: { 'fake.bin': '00' } };
  }

  async evaluate(req: EvaluationRequest, reporter: TrialReporter): Promise<Metrics> {
    const h = deriveSeed(req.seed, JSON.stringify(req.architecture)) / 0x7fffffff;
    for (let e = 1; e <= req.training.epochs; e++) {
      await reporter.epochEnded({ epoch: e, trainLoss: 1 - h * e / 10, valLoss: 1 - h * e / 10, valAccuracy: 0.1 + 0.8 * h * e / req.training.epochs, elapsedMs: 1 });
    }
    return { valAccuracy: 0.1 + 0.8 * h, valLoss: 1 - h, trainLoss: 1 - h, params: 100, nonZeros: Math.round(100 * (1 - req.architecture.sparsity.level)),
      sparsity: req.architecture.sparsity.level, denseFlops: 200, sparseFlops: Math.round(200 * (1 - req.architecture.sparsity.level)),
      trainTimeMs: 1, epochs: req.training.epochs, samplesPerSecond: 1, backend: 'fake', layers: [] };
  }

  async dispose() {}
}

export const fakeEvaluatorFactory: EvaluatorFactory = { name: 'fake', description: 'test double', create: () => new FakeEvaluator() };
