import {
  checkGenotype, createRng, defaultConcat, deriveGenotype, deriveSeed, DENSE_SPARSITY, requireTrainingMethods,
  type AlphaLogits, type Architecture, type Candidate, type CellsLayer, type CellType, type DartsOp, type Genotype, type GenotypeEdge,
  type Json, type JsonObject, type Rng, type Sample, type SearchSpace, type Strategy, type StrategyContext, type StrategyFactory,
  type TrainingMethodConfig, type Trial,
} from '../../search/index.js';
import { DASS_DEFINITION_DEFAULTS, DassError, parseDassOptions, type DassOptions, type PhaseEpochs, type RetrainNetworkOptions } from './dass-options.js';
import { dassOptionsSchema } from '../option-schemas.js';

/** The training method the evaluator must train (evaluators/methods/dass). */
export const DASS_METHOD = 'dass';

/**
 * `attributes.role` of a supernet trial. Such trials are stored and shown, but do not rank
 * against networks (leaderboard, Pareto front, test phase): their accuracy is a mixture's.
 */
export const SUPERNET_ROLE = 'supernet';

/** How a genotype was found: a DASS search (masked α loss), a dense DARTS search, or at random. */
export type Arm = 'dass' | 'darts' | 'random';

type Phase = 'pending' | 'asked' | 'done' | 'failed';

/** A supernet trial. `sparsity` null: the dense DARTS search, shared by every level of a replicate. */
interface SearchJob {
  arm: 'dass' | 'darts';
  sparsity: number | null;
  seedIndex: number;
  phase: Phase;
  trial?: number;
  genotype?: Genotype;
  error?: string;
}

/** A derived network retrained with the sparse pipeline at `sparsity`; `search` is the index of the search it waits for. */
interface DerivedJob {
  arm: Arm;
  sparsity: number;
  seedIndex: number;
  search?: number;
  phase: Phase;
  genotype?: Genotype;
  trial?: number;
  error?: string;
}

const pct = (s: number) => `${Math.round(s * 1000) / 10}`;

/** Trial groups: `dass-s90`, `darts-pruned-s90`, `random-s90`; supernets `dass-supernet-s90`, `darts-supernet`. */
export function dassGroup(arm: Arm, sparsity: number | null, supernet: boolean): string {
  if (supernet) return sparsity === null ? `${arm}-supernet` : `${arm}-supernet-s${pct(sparsity)}`;
  return `${arm === 'darts' ? 'darts-pruned' : arm}-s${pct(sparsity!)}`;
}

/** The DASS training method's options for one trial (validated again by the method). */
export function dassMethod(options: DassOptions, sparsity: number, phases: PhaseEpochs, prune: boolean): TrainingMethodConfig {
  const o: JsonObject = { sparsity, pretrainEpochs: phases.pretrain, pruneEpochs: phases.prune, finetuneEpochs: phases.finetune, prune, alpha: { ...options.alpha } };
  if (options.alphaBatchSize !== undefined) o['alphaBatchSize'] = options.alphaBatchSize;
  return { name: DASS_METHOD, options: o };
}

/** A uniformly random genotype: per node two distinct inputs, each with a random op other than `none`. */
export function randomGenotype(rng: Rng, nodes: number, ops: readonly DartsOp[]): Genotype {
  const choices = ops.filter((op) => op !== 'none');
  const cell = (): GenotypeEdge[] => Array.from({ length: nodes }, (_, j) => {
    const [a, b] = rng.shuffle(Array.from({ length: j + 2 }, (_, i) => i)).slice(0, 2).sort((x, y) => x - y) as [number, number];
    return [[rng.pick(choices), a], [rng.pick(choices), b]] as GenotypeEdge[];
  }).flat();
  return { normal: cell(), normal_concat: defaultConcat(nodes), reduce: cell(), reduce_concat: defaultConcat(nodes) };
}

/** A genotype as a sample of the `darts` space's genotype dimensions (`<type>_node<j>_inputs`, `_op0`, `_op1`). */
export function genotypeSample(g: Genotype): Sample {
  const s: Sample = {};
  for (const type of ['normal', 'reduce'] as CellType[]) {
    const edges = g[type];
    for (let j = 0; j < edges.length / 2; j++) {
      const [[opA, a], [opB, b]] = [edges[2 * j]!, edges[2 * j + 1]!].sort((x, y) => x[1] - y[1]) as [GenotypeEdge, GenotypeEdge];
      s[`${type}_node${j}_inputs`] = `${a},${b}`;
      s[`${type}_node${j}_op0`] = opA;
      s[`${type}_node${j}_op1`] = opB;
    }
  }
  return s;
}

/**
 * DASS (Mousavi et al. 2022): differentiable architecture search with sparse parametric ops on
 * the DARTS cell space. Per sparsity level and replicate, a supernet trial trained by the
 * evaluator's `dass` method (pretrain dense → prune scores → finetune, α stepped on the masked
 * supernet's validation loss) reports α and its genotype; the genotype is then retrained from
 * scratch with the same pipeline at the same sparsity, as an ordinary trial that ranks. Controls
 * in the same study, same sparsities and seeds: the supernet searched dense (DARTS) with its
 * cell pruned the same way, and random cells. Supernet trials carry `attributes.role =
 * 'supernet'` and do not rank. No tfjs here: the training is evaluators/methods/dass.
 */
export class DassStrategy implements Strategy {
  private options!: DassOptions;
  private supernet!: Architecture;
  private network!: RetrainNetworkOptions;
  private searches: SearchJob[] = [];
  private derived: DerivedJob[] = [];
  private seed = 0;

  init(context: StrategyContext): void {
    this.options = parseDassOptions(context.options);
    requireTrainingMethods(context, [DASS_METHOD]);
    this.seed = context.seed;
    const s = this.options.supernet;
    const cells: CellsLayer = { type: 'cells', name: 'cells', channels: s.channels, cells: s.cells, stemMultiplier: s.stemMultiplier, supernet: { nodes: s.nodes, ops: [...s.ops] } };
    this.supernet = { family: 'darts', input: 'image', layers: [cells, { type: 'globalAvgPool' }], sparsity: { ...DENSE_SPARSITY }, meta: { supernet: true } };
    this.network = this.options.network ?? networkOfSpace(context.space, s.nodes) ?? { channels: s.channels, cells: s.cells, stemMultiplier: s.stemMultiplier };
    const o = this.options;
    this.searches = [];
    this.derived = [];
    for (let r = 0; r < o.seeds; r++) {
      const darts = o.controls.includes('darts') ? this.searches.push({ arm: 'darts', sparsity: null, seedIndex: r, phase: 'pending' }) - 1 : -1;
      for (const sp of o.sparsity) {
        const dass = this.searches.push({ arm: 'dass', sparsity: sp, seedIndex: r, phase: 'pending' }) - 1;
        if (!o.derive) continue;
        this.derived.push({ arm: 'dass', sparsity: sp, seedIndex: r, search: dass, phase: 'pending' });
        if (darts >= 0) this.derived.push({ arm: 'darts', sparsity: sp, seedIndex: r, search: darts, phase: 'pending' });
        if (o.controls.includes('random')) {
          // One random cell per replicate, retrained at every level.
          const genotype = randomGenotype(createRng(deriveSeed(this.seed, 'dass', 'random', r)), s.nodes, s.ops);
          this.derived.push({ arm: 'random', sparsity: sp, seedIndex: r, phase: 'pending', genotype });
        }
      }
    }
  }

  /** Derived networks whose genotype is known first (they rank), then the next search. */
  ask(_history: readonly Trial[] = []): Candidate | undefined {
    const ready = this.derived.findIndex((d) => d.phase === 'pending' && (d.search === undefined || this.searches[d.search]!.phase === 'done'));
    if (ready >= 0) return this.askDerived(ready);
    const next = this.searches.findIndex((j) => j.phase === 'pending');
    if (next >= 0) return this.askSearch(next);
    return undefined;
  }

  tell(trial: Trial): void {
    const tag = trial.attributes?.['dass'];
    if (typeof tag !== 'object' || tag === null || Array.isArray(tag)) return;
    const index = tag['job'];
    if (typeof index !== 'number' || trial.state === 'interrupted' || trial.state === 'running') return; // the runner re-runs it
    if (tag['kind'] === 'search') {
      const job = this.searches[index];
      if (!job) return;
      job.trial = trial.number;
      if (trial.state !== 'completed') return this.fail(index, `supernet trial ${trial.number} ${trial.state}${trial.error ? `: ${trial.error}` : ''}`);
      try {
        job.genotype = readGenotype(trial.metrics?.outputs, this.options.supernet.nodes);
        job.phase = 'done';
      } catch (err) {
        this.fail(index, (err as Error).message);
      }
    } else if (tag['kind'] === 'derived') {
      const job = this.derived[index];
      if (!job) return;
      job.trial = trial.number;
      job.phase = 'done';
      if (trial.state !== 'completed') job.error = `derived trial ${trial.number} ${trial.state}${trial.error ? `: ${trial.error}` : ''}`;
    }
  }

  snapshot(): Json {
    return { version: 1, searches: this.searches, derived: this.derived } as unknown as Json;
  }

  restore(state: Json): void {
    const s = state as { version?: number; searches?: SearchJob[]; derived?: DerivedJob[] } | null;
    if (!s || s.version !== 1 || !Array.isArray(s.searches) || !Array.isArray(s.derived)) throw new DassError(`cannot restore dass state ${JSON.stringify(state)?.slice(0, 80)}: expected a version 1 snapshot`);
    const key = (j: { arm: string; sparsity: number | null; seedIndex: number }) => `${j.arm}/${j.sparsity}/${j.seedIndex}`;
    if (s.searches.map(key).join() !== this.searches.map(key).join() || s.derived.map(key).join() !== this.derived.map(key).join()) {
      throw new DassError('cannot restore dass state: the saved runs (sparsity levels, seeds, controls) differ from strategy.options; resume with the options the study was started with');
    }
    this.searches = structuredClone(s.searches);
    this.derived = structuredClone(s.derived);
  }

  private fail(index: number, error: string): void {
    const job = this.searches[index]!;
    job.phase = 'failed';
    job.error = error;
    for (const d of this.derived) if (d.search === index && d.phase === 'pending') { d.phase = 'failed'; d.error = `its search failed: ${error}`; }
  }

  private replicateSeed(r: number): number {
    return deriveSeed(this.seed, 'dass', r);
  }

  private askSearch(index: number): Candidate {
    const job = this.searches[index]!;
    job.phase = 'asked';
    const o = this.options;
    const dense = job.sparsity === null;
    const phases = o.search;
    return {
      sample: {},
      architecture: structuredClone(this.supernet),
      group: dassGroup(job.arm, job.sparsity, true),
      label: dense ? 'DARTS supernet (dense)' : `DASS supernet ${pct(job.sparsity!)}%`,
      // Supernets never rank against derived cells: no test-split pass for them.
      training: { epochs: phases.pretrain + phases.prune + phases.finetune, evaluateTest: false, method: dassMethod(o, job.sparsity ?? 0, phases, !dense) },
      seed: this.replicateSeed(job.seedIndex),
      attributes: { role: SUPERNET_ROLE, dass: { kind: 'search', job: index, arm: job.arm, sparsity: job.sparsity, seedIndex: job.seedIndex }, replicate: job.seedIndex },
    };
  }

  private askDerived(index: number): Candidate {
    const job = this.derived[index]!;
    job.phase = 'asked';
    const source = job.search === undefined ? undefined : this.searches[job.search]!;
    const genotype = job.genotype ?? source!.genotype!;
    job.genotype = genotype;
    const o = this.options;
    const cells: CellsLayer = { type: 'cells', name: 'cells', channels: this.network.channels, cells: this.network.cells, stemMultiplier: this.network.stemMultiplier, genotype: structuredClone(genotype) };
    const r = o.retrain;
    const attributes: JsonObject = {
      role: 'derived', dass: { kind: 'derived', job: index, arm: job.arm, sparsity: job.sparsity, seedIndex: job.seedIndex }, replicate: job.seedIndex,
      genotype: structuredClone(genotype) as unknown as JsonObject,
    };
    if (source?.trial !== undefined) attributes['derivedFrom'] = source.trial;
    return {
      sample: genotypeSample(genotype),
      architecture: { family: 'darts', input: 'image', layers: [cells, { type: 'globalAvgPool' }], sparsity: { ...DENSE_SPARSITY } },
      group: dassGroup(job.arm, job.sparsity, false),
      label: job.arm === 'dass' ? 'DASS cell' : job.arm === 'darts' ? 'DARTS cell, pruned' : 'random cell',
      training: { epochs: r.pretrain + r.prune + r.finetune, method: dassMethod(o, job.sparsity, r, true) },
      // Every arm of a replicate retrains from the same initialisation seed and batch order: paired.
      seed: deriveSeed(this.replicateSeed(job.seedIndex), 'derived'),
      attributes,
    };
  }
}

/** The genotype a supernet trial reported (`metrics.outputs.genotype`, or derived from `outputs.alpha`). */
export function readGenotype(outputs: unknown, nodes: number): Genotype {
  const o = (typeof outputs === 'object' && outputs !== null ? outputs : {}) as Record<string, unknown>;
  let g: unknown = o['genotype'];
  if (g === undefined && o['alpha'] !== undefined) g = deriveGenotype(o['alpha'] as AlphaLogits);
  if (g === undefined) throw new DassError('the supernet trial returned no metrics.outputs.genotype (nor alpha); the evaluator must train it with the dass training method (training.method.name "dass")');
  const n = checkGenotype('cells', g);
  if (n !== nodes) throw new DassError(`the supernet trial's genotype has ${n} nodes per cell, strategy.options.supernet.nodes is ${nodes}`);
  return g as Genotype;
}

/**
 * The retrain network of a `darts` space (its C, L and stem multiplier), read from the
 * architecture it freezes for any complete sample; undefined for other spaces or when its
 * node count differs from the supernet's.
 */
function networkOfSpace(space: SearchSpace, nodes: number): RetrainNetworkOptions | undefined {
  if (space.name !== 'darts') return undefined;
  try {
    const sample: Sample = {};
    for (const d of space.dimensions) sample[d.name] = d.kind === 'categorical' ? d.choices[0]! : (d as { low: number }).low;
    const cells = space.freeze(sample).layers[0] as CellsLayer;
    if (cells?.type !== 'cells' || !cells.genotype || cells.genotype.normal.length !== 2 * nodes) return undefined;
    return { channels: cells.channels, cells: cells.cells, stemMultiplier: cells.stemMultiplier ?? 3 };
  } catch {
    return undefined;
  }
}

export const dassStrategyFactory: StrategyFactory = {
  name: 'dass',
  optionsSchema: dassOptionsSchema,
  description: 'DASS: differentiable search of DARTS cells with sparse parametric ops (supernet by the dass method), derived cells retrained sparse; DARTS-then-pruned and random controls',
  source: 'built-in',
  definitionDefaults: DASS_DEFINITION_DEFAULTS,
  // Its supernet is DARTS cells and its derived networks are darts genotypes: on another space
  // it would search cells all the same and ignore the space, so that is refused up front.
  spaces: ['darts'],
  create: () => new DassStrategy(),
};
