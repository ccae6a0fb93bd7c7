// Issue 12 (DASS, progress): the dashboard's running-trial view shows a supernet's phase, α
// entropy per cell type and current genotype, within a 70-column terminal.
import './interactive-terminal.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { render, cleanup } from 'ink-testing-library';
import { RunningTrialView } from '../../../cli/ui/RunningTrialView.js';
import { cellText, DARTS_OP_TOKENS, type Genotype } from '../../../search/index.js';
import { curve, trial } from '../fake-study.js';
import { dassOutputs, driftingAlpha, supernetArchitecture } from '../dass-study.js';

afterEach(() => cleanup());

test('a running supernet trial shows its phase, α entropies and genotype; a plain trial shows none of it', () => {
  const phases = ['pretrain', 'prune'];
  const epochs = curve(0.4, 3).slice(0, 2).map((e, i) => ({ ...e, outputs: dassOutputs(driftingAlpha(4, 8, i + 1, 3), phases[i]!) }));
  const t = trial(6, { architecture: supernetArchitecture(4), label: 'DASS supernet 90%' });
  const ui = render(<RunningTrialView run={{ trial: t, totalEpochs: 3, startedAt: 0, epochs }} now={10_000} width={70} />);
  const frame = ui.lastFrame() ?? '';
  const lines = frame.split('\n');
  // The lines after the trial's own three (architecture, epoch bar, sparklines) are the DASS ones.
  assert.ok(lines.length >= 6 && lines.slice(3).every((l) => [...l].length <= 70), frame);
  const last = epochs[1]!.outputs;
  const h = last['alphaEntropy'] as { normal: number; reduce: number };
  assert.match(frame, new RegExp(`  prune  α entropy normal ${h.normal.toFixed(3)} \\S+  reduce ${h.reduce.toFixed(3)}`));
  const g = last['genotype'] as unknown as Genotype;
  for (const type of ['normal', 'reduce'] as const) {
    for (const [op, from] of g[type]) assert.ok(frame.includes(`${DARTS_OP_TOKENS[op]}@${from}`), `${type}: ${op}@${from}\n${frame}`);
    assert.ok(frame.includes(cellText(g, type).split(' ')[0]!));
  }
  cleanup();
  const plain = render(<RunningTrialView run={{ trial: trial(0), totalEpochs: 3, startedAt: 0, epochs: curve(0.8, 3).slice(0, 2) }} now={10_000} width={70} />);
  assert.doesNotMatch(plain.lastFrame() ?? '', /α entropy|normal |reduce /);
});
