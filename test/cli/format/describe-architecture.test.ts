import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeArchitecture, describeSparsity, describeTrialOutcome, formatCount, formatDuration, oneLine } from '../../../cli/format/index.js';
import type { Architecture } from '../../../search/index.js';
import { metrics, mlp, trial } from '../fake-study.js';

test('an MLP reads as family, widths, shared activation and sparsity', () => {
  assert.equal(describeArchitecture(mlp([512, 256])), 'mlp 512-256 relu · 90% rigl');
  assert.equal(describeArchitecture(mlp([300], 0, 'static')), 'mlp 300 relu · dense');
});

test('conv layers, pools, node masks, per-layer activations and N:M patterns', () => {
  const arch: Architecture = {
    family: 'cnn', input: 'image',
    layers: [
      { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu', keepNodes: [0, 1, 2, 3, 4, 5, 6, 7] },
      { type: 'maxPool', size: 2 },
      { type: 'conv2d', filters: 64, kernel: 3, stride: 2, activation: 'gelu' },
      { type: 'flatten' },
      { type: 'sum', branches: [[{ type: 'dense', units: 64 }], [{ type: 'dense', units: 16 }]] },
    ],
    sparsity: { level: 0.5, kind: 'n:m', n: 2, m: 4, method: 'srste', init: 'magnitude', distribution: 'erk' },
  };
  assert.equal(describeArchitecture(arch), 'cnn c8/32k3:relu-mp2-c64k3s2:gelu-sum(64|16) · 2:4 srste erk');
  assert.equal(describeSparsity({ level: 0.75, kind: 'group', group: 'filter', method: 'static', init: 'random', distribution: 'uniform' }), '75% group(filter) static');
  assert.equal(describeArchitecture(null), '(no architecture)');
});

test('numbers and durations are humanised', () => {
  assert.equal(formatCount(1_234_567), '1.2M');
  assert.equal(formatCount(512), '512');
  assert.equal(formatCount(3_400), '3.4k');
  assert.equal(formatCount(undefined), '-');
  assert.equal(formatDuration(12_300), '12.3s');
  assert.equal(formatDuration(245_000), '4m05s');
  assert.equal(formatDuration(3_720_000), '1h02m');
});

test('a trial outcome is one line, with the failure reason and no control characters', () => {
  const ok = trial(3, { metrics: metrics(0.8123, 1_200_000) });
  assert.equal(describeTrialOutcome(ok), 'trial 3 completed  val_acc 0.8123  sparsity 0.90  sparse_flops 1.2M  12.3s  mlp 512-256 relu · 90% rigl');
  const bad = trial(4, { state: 'failed', error: 'boom\n\u001b[2Jcleared', label: 'x\ny' });
  const line = describeTrialOutcome(bad);
  assert.ok(!/[\n\u001b]/.test(line), line);
  assert.match(line, /^trial 4 failed  12\.5s  x y  mlp .* — boom \[2Jcleared$/);
  assert.equal(oneLine('a\r\n\tb'), 'a b');
});

test('a trial outcome names the layers that trained on the sparse kernels (issue 15)', () => {
  const t = trial(5, { metrics: { ...metrics(0.8123, 1_200_000), sparseKernels: ['dense_0', 'classifier'] } });
  assert.equal(describeTrialOutcome(t), 'trial 5 completed  val_acc 0.8123  sparsity 0.90  sparse_flops 1.2M  12.3s  sparse kernels: dense_0, classifier  mlp 512-256 relu · 90% rigl');
});
