// A plugin with a fake evaluator whose epochs take `epochMs` (evaluator options), so a test can
// kill a worker process, or cut its connection, while it trains. It reports the host it ran on.
// With `gate` (a file path), no epoch ends before that file exists: the test opens the gate once
// every host has joined, so the first host cannot spend the budget while the others start up.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { definePlugin } from '../../cli/define-plugin.js';
import { FakeEvaluator } from './fake-evaluator.js';
import type { EvaluationRequest, Metrics, TrialReporter } from '../../search/index.js';

class SlowFakeEvaluator extends FakeEvaluator {
  constructor(private readonly epochMs: number, private readonly gate?: string) {
    super();
  }

  override async evaluate(req: EvaluationRequest, reporter: TrialReporter, signal?: AbortSignal): Promise<Metrics> {
    const slowed: TrialReporter = {
      epochEnded: async (m) => {
        do await sleep(this.epochMs, signal);
        while (this.gate !== undefined && !existsSync(this.gate));
        await reporter.epochEnded(m);
      },
    };
    const metrics = await super.evaluate(req, slowed);
    return { ...metrics, backend: `fake@${hostname()}` };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')); }, { once: true });
  });
}

export default definePlugin({
  evaluators: [{
    name: 'slow-fake', description: 'test double with slow epochs',
    create: (o) => new SlowFakeEvaluator(Number(o['epochMs'] ?? 100), typeof o['gate'] === 'string' ? o['gate'] : undefined),
  }],
});
