// A custom space: an MLP that narrows to a bottleneck, with sparsity searched per stage.
import { SpaceError, categorical, checkSample, float, int } from 'sparsenas';
import type { Architecture, Dimension, Sample, SearchSpace } from 'sparsenas';

export class BottleneckSpace implements SearchSpace {
  readonly name = 'bottleneck';
  readonly dimensions: readonly Dimension[] = [
    categorical('wide', [64, 256, 1024]),
    int('bottleneck', 16, 128, 16),
    float('sparsity', 0, 0.95, 0.05),
  ];

  check(sample: Sample): SpaceError | undefined {
    // checkSample validates every dimension and names the offending one; then our own constraint.
    const err = checkSample(this.dimensions, sample);
    if (err) return err;
    if ((sample['bottleneck'] as number) >= (sample['wide'] as number)) return new SpaceError('bottleneck', 'bottleneck must be narrower than wide');
    return undefined;
  }

  freeze(sample: Sample): Architecture {
    const err = this.check(sample);
    if (err) throw err;
    return {
      family: 'bottleneck', input: 'flat', meta: { label: `${sample['wide']}-${sample['bottleneck']}` },
      layers: [
        { type: 'dense', name: 'wide', units: sample['wide'] as number, activation: 'relu' },
        { type: 'dense', name: 'neck', units: sample['bottleneck'] as number, activation: 'relu', sparsity: 0 },
      ],
      sparsity: { level: sample['sparsity'] as number, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform' },
    };
  }
}
