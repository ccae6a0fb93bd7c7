// The programmatic API end to end: search, watch events, query the leaderboard, export the best model.
// Run: node dist/examples/api/search-and-export.js [DIR]   (writes DIR/runs.db and DIR/model/)
import { join } from 'node:path';
import { exportModel, leaderboard, ofType, search } from 'sparsenas';

const dir = process.argv[2] ?? '.';
const db = join(dir, 'runs.db');

const run = search({
  space: { name: 'mlp', options: { maxLayers: 2, widths: [64, 128], sparsity: { levels: [0.5, 0.8, 0.9] } } },
  strategy: { name: 'random' },
  dataset: { name: 'embedded', subset: 2000 },
  training: { epochs: 1 },
  budget: { maxTrials: 4 },
  testTopK: 1, // the default: the best trial alone is measured on the test split, after the search
}, { db, study: `api-example-${Date.now()}` });

run.events$.pipe(ofType('trial.finished')).subscribe(({ trial }) => {
  console.log(`trial ${trial.number} ${trial.state}`, trial.metrics ? `val_acc ${trial.metrics.valAccuracy.toFixed(4)} sparsity ${trial.metrics.sparsity.toFixed(2)}` : trial.error);
});
run.events$.pipe(ofType('trial.tested')).subscribe((e) => console.log(`trial ${e.trialNumber} test_acc ${e.testAccuracy.toFixed(4)}`));
const { study, best } = await run;

for (const { rank, trial } of await leaderboard(study.name, { db, where: 'sparsity>=0.75', top: 3 })) {
  console.log(`#${rank} trial ${trial.number}: val_acc ${trial.metrics!.valAccuracy.toFixed(4)}`);
}

if (best) {
  const { card } = await exportModel({ db, study: study.name, out: join(dir, 'model') });
  console.log(`exported trial ${card.trial} (${card.summary}), test accuracy ${card.metrics.testAccuracy} to ${join(dir, 'model')}`);
}
