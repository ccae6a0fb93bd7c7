// Load with: sparsenas search --plugin dist/examples/hill-climb/plugin.js --strategy hill-climb
import { definePlugin } from 'sparsenas';
import { HillClimbStrategy } from './hill-climb-strategy.js';

export default definePlugin({
  name: 'hill-climb',
  strategies: [{ name: 'hill-climb', description: '(1+1) hill climbing: mutate one dimension of the best trial', create: () => new HillClimbStrategy() }],
});
