// Load with: sparsenas search --plugin dist/examples/bottleneck-space/plugin.js --space bottleneck
import { definePlugin } from 'sparsenas';
import { BottleneckSpace } from './bottleneck-space.js';

export default definePlugin({
  spaces: [{ name: 'bottleneck', description: 'MLP narrowing to a bottleneck, sparse wide layer', create: () => new BottleneckSpace() }],
});
