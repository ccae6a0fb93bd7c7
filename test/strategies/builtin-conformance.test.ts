import { describeStrategy } from '../../testing.js';
import { EvolutionStrategy, GridStrategy, RandomStrategy } from '../../strategies/index.js';
import { MlpSpace } from '../../spaces/index.js';

describeStrategy('random', () => new RandomStrategy());
describeStrategy('grid', () => new GridStrategy(), { seedSensitive: false, space: new MlpSpace({ maxLayers: 2, widths: [32, 64], sparsity: { levels: [0, 0.5, 0.9] } }) });
describeStrategy('evolution', () => new EvolutionStrategy(), { options: { population: 4, sampleSize: 2 }, trials: 14 });
