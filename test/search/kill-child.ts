/**
 * Child process for the resume test: runs a search on the database given as argv[2] and
 * hangs inside trial 2 after printing "running 2", waiting to be killed with SIGKILL.
 */
import { EventBus, SqliteStore, runSearch } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, trainNormally } from './runner-fakes.js';

const hang = async (): Promise<never> => {
  process.stdout.write('running 2\n');
  return new Promise<never>(() => setInterval(() => {}, 1000));
};
const def = definition({ seed: 17, budget: { maxTrials: 4 } });
def.training.epochs = 2;
const store = await SqliteStore.open(process.argv[2]!);
await runSearch({
  store, strategy: new ScriptedStrategy(counting), space: fakeSpace, bus: new EventBus(), definition: def, studyName: 'killed',
  evaluator: new FakeEvaluator((n) => (n === 2 ? hang : trainNormally)),
});
