// A plugin that adds the fake evaluator, so CLI tests run real commands without training.
import { definePlugin } from '../../cli/define-plugin.js';
import { fakeEvaluatorFactory } from './fake-evaluator.js';

export default definePlugin({ evaluators: [fakeEvaluatorFactory] });
