import { SparsenasError, describeError } from '../search/index.js';
import type { Evaluator } from '../search/index.js';

/**
 * Wraps a plugin's evaluator so what it throws names the plugin and the method. The runner
 * records a throw in evaluate() as a failed trial, with this message. Sparsenas's own errors
 * (a pruned trial from the reporter, an aborted run) pass through unchanged.
 */
export function namedEvaluator(evaluator: Evaluator, who: string): Evaluator {
  const blame = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof SparsenasError) throw err;
      throw new SparsenasError('PLUGIN_FAILED', `evaluator ${who} threw in ${method}(): ${describeError(err)}`, { cause: err });
    }
  };
  const wrapped: Evaluator = {
    prepare: (definition) => blame('prepare', () => evaluator.prepare(definition)),
    evaluate: (request, reporter, signal) => blame('evaluate', () => evaluator.evaluate(request, reporter, signal)),
    dispose: () => blame('dispose', () => evaluator.dispose()),
  };
  // Optional methods stay optional: the test phase asks whether the evaluator has evaluateTest.
  if (typeof evaluator.evaluateTest === 'function') {
    const evaluateTest = evaluator.evaluateTest.bind(evaluator);
    wrapped.evaluateTest = (request) => blame('evaluateTest', () => evaluateTest(request));
  }
  return wrapped;
}
