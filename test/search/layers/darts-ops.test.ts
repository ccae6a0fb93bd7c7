import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArchitectureError, DARTS_OPS, DENSE_SPARSITY, dartsOpLayers, planNetwork,
  type Architecture, type DartsOp, type LayerSpec, type OpOptions,
} from '../../../search/index.js';
import { countArchitecture } from '../../../spaces/index.js';

/** A network of just these layers on [h, w, c]: the op's nodes, shapes and counts without the classifier. */
function op(layers: LayerSpec[], shape: number[]) {
  const arch: Architecture = { family: 'test', input: 'image', layers, sparsity: DENSE_SPARSITY };
  const plan = planNetwork(arch, shape, 2);
  const body = plan.nodes.filter((n) => !n.inserted);
  const counted = countArchitecture(arch, shape, 2).layers.filter((l) => l.name !== 'classifier');
  const sum = (f: (l: (typeof counted)[number]) => number) => counted.reduce((a, l) => a + f(l), 0);
  return {
    out: body.length ? body.at(-1)!.outShape : shape, types: body.map((n) => n.spec.type),
    weights: sum((l) => l.weights), params: sum((l) => l.params), macs: sum((l) => l.denseFlops) / 2,
  };
}

const C = 4;
const opts = (stride: 1 | 2, affine = true, poolBatchNorm = false): OpOptions => ({ channels: C, stride, affine, poolBatchNorm });

describe('DARTS ops (cnn/operations.py) as registry layers', () => {
  // Hand counts on [8, 8, 4], C = 4: a separable k×k is k²·C depthwise + C² pointwise weights;
  // BN has 2·C parameters when affine. Stride 2 halves h and w (the second sep_conv pair is at stride 1).
  const hand: Record<DartsOp, { weights: number; bn: number; macs: [number, number] }> = {
    none: { weights: 0, bn: 0, macs: [0, 0] },
    max_pool_3x3: { weights: 0, bn: 0, macs: [0, 0] },
    avg_pool_3x3: { weights: 0, bn: 0, macs: [0, 0] },
    skip_connect: { weights: 0, bn: 0, macs: [0, 0] },
    sep_conv_3x3: { weights: 2 * (9 * C + C * C), bn: 2 * 2 * C, macs: [2 * (9 * C + C * C) * 64, 2 * (9 * C + C * C) * 16] },
    sep_conv_5x5: { weights: 2 * (25 * C + C * C), bn: 2 * 2 * C, macs: [2 * (25 * C + C * C) * 64, 2 * (25 * C + C * C) * 16] },
    dil_conv_3x3: { weights: 9 * C + C * C, bn: 2 * C, macs: [(9 * C + C * C) * 64, (9 * C + C * C) * 16] },
    dil_conv_5x5: { weights: 25 * C + C * C, bn: 2 * C, macs: [(25 * C + C * C) * 64, (25 * C + C * C) * 16] },
  };
  for (const name of DARTS_OPS) {
    it(`${name}: output shape, weights and MACs at stride 1 and 2, BN affine or not`, () => {
      const h = hand[name];
      const s1 = op(dartsOpLayers(name, opts(1)), [8, 8, C]);
      assert.deepEqual(s1.out, [8, 8, C]);
      assert.equal(s1.weights, h.weights);
      assert.equal(s1.params, h.weights + h.bn);
      assert.equal(s1.macs, h.macs[0]);
      const s2 = op(dartsOpLayers(name, opts(2)), [8, 8, C]);
      assert.deepEqual(s2.out, [4, 4, C]);
      // Skip at stride 2 is FactorizedReduce: two 1×1 kernels C → C/2 at 4×4, and its BN.
      const fr = name === 'skip_connect' ? 2 * C * (C / 2) : 0;
      assert.equal(s2.weights, h.weights + fr);
      assert.equal(s2.params, h.weights + fr + (fr ? 2 * C : h.bn));
      assert.equal(s2.macs, name === 'skip_connect' ? fr * 16 : h.macs[1]);
      // The search network's BN is not affine: no parameters besides the kernels.
      assert.equal(op(dartsOpLayers(name, opts(2, false)), [8, 8, C]).params, h.weights + fr);
    });
  }

  it('the layers of each op are the DARTS module (ReLU, depthwise, pointwise, BN…)', () => {
    assert.deepEqual(op(dartsOpLayers('sep_conv_3x3', opts(1)), [8, 8, C]).types, ['activation', 'separableConv2d', 'batchNorm', 'activation', 'separableConv2d', 'batchNorm']);
    assert.deepEqual(op(dartsOpLayers('dil_conv_5x5', opts(1)), [8, 8, C]).types, ['activation', 'separableConv2d', 'batchNorm']);
    assert.deepEqual(op(dartsOpLayers('skip_connect', opts(2)), [8, 8, C]).types, ['activation', 'factorizedReduce', 'batchNorm']);
    assert.deepEqual(op(dartsOpLayers('skip_connect', opts(1)), [8, 8, C]).types, []);
    assert.deepEqual(op(dartsOpLayers('avg_pool_3x3', opts(2, false, true)), [8, 8, C]).types, ['avgPool', 'batchNorm']);
    const dil = dartsOpLayers('dil_conv_3x3', opts(2)).find((l) => l.type === 'separableConv2d');
    assert.deepEqual(dil, { type: 'separableConv2d', filters: C, kernel: 3, stride: 2, dilation: 2, padding: 'same', useBias: false });
    const pool = dartsOpLayers('max_pool_3x3', opts(2, false, true));
    assert.deepEqual(pool, [{ type: 'maxPool', size: 3, stride: 2, padding: 'same' }, { type: 'batchNorm', affine: false }]);
  });

  it('odd sizes: stride 2 gives ceil(h/2) for every op, FactorizedReduce included', () => {
    for (const name of DARTS_OPS) assert.deepEqual(op(dartsOpLayers(name, opts(2)), [7, 5, C]).out, [4, 3, C], name);
  });

  it('FactorizedReduce needs an even number of filters and an image', () => {
    assert.throws(() => op([{ type: 'factorizedReduce', filters: 5 }], [8, 8, 2]), (e: unknown) => e instanceof ArchitectureError && /fr_0 needs an even number of filters/.test((e as Error).message));
    assert.throws(() => op([{ type: 'flatten' }, { type: 'factorizedReduce', filters: 4 }], [8, 8, 2]), /fr_1 \(factorizedReduce\) needs an image input/);
  });
});
