import { describeStrategy } from '../../../testing.js';
import { WgsefStrategy } from '../../../strategies/index.js';

// The suite's fake metrics carry no survivors, so each grouped run ends its job (no derived
// trial): this checks the runner contract (determinism, exhaustion, snapshot/restore).
describeStrategy('wgsef', () => new WgsefStrategy(), { options: { k: [2, 4, 8], penalty: ['envelope', 'group-lasso'], seeds: 2 }, trainingMethods: ['wgsef', 'group-lasso'] });
