import { z } from 'zod';
import { ConfigError } from './errors.js';
import { upgradeLegacyDefinition } from './legacy-training.js';
import { type Constraints, constraintsSchema } from './constraints.js';
import type { DatasetConfig, TrainingConfig } from './types.js';
import type { JsonObject } from './json.js';
import { formatIssues, option, optionIssues, optionsJsonSchema, zodIssues, knownKeys } from './options-schema.js';
import type { ConfigIssue, OptionsSchema } from './options-schema.js';

/**
 * The whole definition of a search: the config file's shape, the programmatic API's input,
 * and what is stored with every study. Unknown keys are rejected by name.
 */
const jsonObject = z.record(z.string(), z.any()) as unknown as z.ZodType<JsonObject>;

export const trainingMethodSchema = z.strictObject({
  name: z.string().min(1).describe('training method of the evaluator, e.g. wgsef or group-lasso (EvaluatorInfo.trainingMethods)'),
  options: jsonObject.default({}).describe("the method's options, checked by the method"),
});

export const trainingSchema = z.strictObject({
  epochs: z.number().int().positive(),
  steps: z.number().int().min(0).optional(),
  batchSize: z.number().int().positive(),
  optimizer: z.enum(['adam', 'sgd', 'momentum', 'rmsprop']),
  learningRate: z.number().positive(),
  momentum: z.number().min(0).max(1).optional(),
  nesterov: z.boolean().optional(),
  weightDecay: z.number().min(0).optional(),
  gradClipNorm: z.number().positive().optional(),
  lrSchedule: z.enum(['constant', 'cosine']).optional(),
  evaluateTest: z.boolean().optional(),
  method: trainingMethodSchema.optional(),
});

export const datasetSchema = z.strictObject({
  name: z.string().min(1),
  dataDir: z.string().optional(),
  subset: z.number().int().positive().optional(),
  validationFraction: z.number().gt(0).lt(1),
  labelColumn: z.union([z.string(), z.number().int().min(0)]).optional(),
});

export const objectiveSchema = z.strictObject({
  metric: z.string().min(1),
  direction: z.enum(['maximize', 'minimize']),
});

/**
 * The options of each built-in pruner (pruners.ts `createPruner` reads them with the same defaults).
 * `pruner.options` is checked against the pruner named, before the study is created.
 */
export const prunerOptionSchemas = {
  none: z.strictObject({}),
  median: z.strictObject({
    warmupEpochs: option(z.number().int().min(0), 'epochs a trial runs before it can be pruned', 1),
    minTrials: option(z.number().int().min(1), 'trials that must have reached an epoch before any is pruned at it', 3),
  }),
  'successive-halving': z.strictObject({
    minEpochs: option(z.number().int().min(1), 'epoch of the first rung (rungs at minEpochs·η^k)', 1),
    reductionFactor: option(z.number().int().min(2), 'η: the top 1/η of the trials at a rung continue', 3),
  }),
} as const;
export type PrunerName = keyof typeof prunerOptionSchemas;
export const PRUNER_NAMES = Object.keys(prunerOptionSchemas) as PrunerName[];

const prunerSchema = z.discriminatedUnion('name', PRUNER_NAMES.map((name) =>
  z.strictObject({ name: z.literal(name), options: (prunerOptionSchemas[name] as z.ZodObject).default({}) })) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);

export const studyDefinitionSchema = z.strictObject({
  $schema: z.string().optional(),
  study: z.string().min(1).optional(),
  seed: z.number().int().min(0),
  space: z.strictObject({ name: z.string().min(1), options: jsonObject.default({}) }),
  strategy: z.strictObject({ name: z.string().min(1), options: jsonObject.default({}) }),
  evaluator: z.strictObject({ name: z.string().min(1), options: jsonObject.default({}) }).default({ name: 'tfjs', options: {} }),
  pruner: prunerSchema.default({ name: 'none', options: {} }),
  dataset: datasetSchema,
  training: trainingSchema,
  budget: z.strictObject({
    maxTrials: z.number().int().positive().optional(),
    timeLimitMinutes: z.number().positive().optional(),
  }),
  constraints: constraintsSchema.optional(),
  objectives: z.array(objectiveSchema).min(1).default([{ metric: 'valAccuracy', direction: 'maximize' }]),
  testTopK: z.number().int().min(0).default(1)
    .describe('After the search, measure this many best completed trials (by the first objective) on the test split, once, from their saved weights; 0 never touches the test split'),
  backend: z.enum(['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu']).default('auto'),
  plugins: z.array(z.string()).default([]),
});

export interface StudyDefinition {
  $schema?: string;
  study?: string;
  seed: number;
  space: { name: string; options: JsonObject };
  strategy: { name: string; options: JsonObject };
  evaluator: { name: string; options: JsonObject };
  pruner: { name: 'none' | 'median' | 'successive-halving'; options: JsonObject };
  dataset: DatasetConfig;
  training: TrainingConfig;
  budget: { maxTrials?: number; timeLimitMinutes?: number };
  /** Search under a budget (search/constraints.ts): candidates that violate one are not trained, or not ranked. */
  constraints?: Constraints;
  objectives: { metric: string; direction: 'maximize' | 'minimize' }[];
  /**
   * How many of the best completed trials (by `objectives[0]`) are measured on the test split
   * once the search ends, from their saved weights (default 1; 0 = never). Selection only ever
   * sees validation metrics; the test split reports the final winners (as Optuna/KerasTuner
   * leave the held-out evaluation to the end).
   */
  testTopK?: number;
  backend: 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
  plugins: string[];
}

/** What a user may write: everything has a default except nothing. */
export type StudyDefinitionInput = DeepPartial<StudyDefinition>;
type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export const DEFAULT_DEFINITION: StudyDefinition = {
  seed: 0,
  space: { name: 'mlp', options: {} },
  strategy: { name: 'random', options: {} },
  evaluator: { name: 'tfjs', options: {} },
  pruner: { name: 'none', options: {} },
  dataset: { name: 'embedded', validationFraction: 0.1 },
  training: { epochs: 1, batchSize: 128, optimizer: 'adam', learningRate: 1e-3 },
  budget: { maxTrials: 6 },
  objectives: [{ metric: 'valAccuracy', direction: 'maximize' }],
  backend: 'auto',
  plugins: [],
};

/** Merge user input over the defaults (objects deep, arrays and scalars replaced). */
export function mergeDefinition(base: StudyDefinitionInput, ...overrides: StudyDefinitionInput[]): StudyDefinitionInput {
  let out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const o of overrides) out = deepMerge(out, o as Record<string, unknown>);
  return out as StudyDefinitionInput;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : structuredClone(v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The option schemas of the spaces and strategies a definition may name (their factories'
 * `optionsSchema`): with them, `parseDefinition` checks `space.options` and `strategy.options`
 * too, and `definitionJsonSchema` documents them. Components without a schema are not checked.
 */
export interface ComponentSchemas {
  spaces?: readonly { name: string; optionsSchema?: OptionsSchema }[];
  strategies?: readonly { name: string; optionsSchema?: OptionsSchema; definitionDefaults?: StudyDefinitionInput; spaces?: readonly string[] }[];
}

/**
 * Validate a definition (defaults applied first). Throws one `ConfigError` listing every problem
 * (`issues`), each naming the key and the fix; with `components`, the options of the space and
 * strategy named are checked against their schemas in the same pass.
 */
export function parseDefinition(input: unknown, source = 'search definition', components: ComponentSchemas = {}): StudyDefinition {
  // An old config's `training.regularizer` is read as the training method it meant (legacy-training.ts).
  const merged = mergeDefinition(DEFAULT_DEFINITION as StudyDefinitionInput, upgradeLegacyDefinition((input ?? {}) as StudyDefinitionInput));
  const result = studyDefinitionSchema.safeParse(merged);
  const issues: ConfigIssue[] = result.success ? [] : zodIssues(result.error.issues, '', (path) => knownKeys(studyDefinitionSchema, path, merged));
  const m = merged as StudyDefinition;
  issues.push(...componentOptionIssues(m, components));
  if (issues.length) throw new ConfigError(issues[0]!.key, formatIssues(source, issues), issues);
  return result.data as StudyDefinition;
}

/**
 * A new study's `input` with the `definitionDefaults` of the strategy it resolves to (its
 * `strategy.name`, else the default strategy) merged under it: whatever named the strategy (a
 * flag, a config file, a `search()` call), the strategy's needs fill only what the input leaves
 * out. Not for stored studies: they resume with the definition they were created with.
 */
export function withStrategyDefaults(input: StudyDefinitionInput, components: ComponentSchemas): StudyDefinitionInput {
  const name = input.strategy?.name ?? DEFAULT_DEFINITION.strategy.name;
  const defaults = components.strategies?.find((c) => c.name === name)?.definitionDefaults;
  return defaults ? mergeDefinition(defaults, input) : input;
}

/**
 * The problems of `space.options` and `strategy.options` against the schemas of the components
 * named, and a space the strategy does not search (its factory's `spaces`).
 */
export function componentOptionIssues(d: Pick<StudyDefinition, 'space' | 'strategy'>, components: ComponentSchemas): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const check = (kind: 'space' | 'strategy', list: ComponentSchemas['spaces']) => {
    const part = d[kind] as { name?: unknown; options?: unknown } | undefined;
    const schema = list?.find((c) => c.name === part?.name)?.optionsSchema;
    if (schema) out.push(...optionIssues(schema, part?.options ?? {}, `${kind}.options`));
  };
  check('space', components.spaces);
  check('strategy', components.strategies);
  const spaces = components.strategies?.find((c) => c.name === d.strategy?.name)?.spaces;
  const space = d.space?.name;
  if (spaces && typeof space === 'string' && !spaces.includes(space)) {
    const list = spaces.length === 1 ? `the ${spaces[0]} space` : `the spaces ${spaces.join(', ')}`;
    out.push({ key: 'space.name', message: `strategy ${d.strategy.name} searches ${list}, not space "${space}": drop --space (space.name in a config file) or use --space ${spaces[0]}` });
  }
  return out;
}

/**
 * The JSON Schema of the config file, for editors. Every key is optional in a file (defaults
 * fill the rest before validation), so `required` lists are dropped.
 */
export function definitionJsonSchema(components: ComponentSchemas = {}): Record<string, unknown> {
  const schema = z.toJSONSchema(studyDefinitionSchema, { io: 'input' }) as Record<string, unknown>;
  // Each space's and strategy's options, under "if name is X then options is ...".
  const props = schema['properties'] as Record<string, Record<string, unknown>>;
  for (const [kind, list] of [['space', components.spaces], ['strategy', components.strategies]] as const) {
    const cases = (list ?? []).filter((c) => c.optionsSchema).map((c) => ({
      if: { properties: { name: { const: c.name } } },
      then: { properties: { options: optionsJsonSchema(c.optionsSchema!) } },
    }));
    if (cases.length) props[kind] = { ...props[kind], allOf: cases };
  }
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      delete (node as Record<string, unknown>)['required'];
      // Without `required`, a bare object matches every branch of a oneOf: editors must accept it.
      if ('oneOf' in node) { (node as Record<string, unknown>)['anyOf'] = (node as Record<string, unknown>)['oneOf']; delete (node as Record<string, unknown>)['oneOf']; }
      Object.values(node).forEach(strip);
    }
  };
  strip(schema);
  return { ...schema, title: 'sparsenas search definition', description: 'A whole sparsenas search: space, strategy, dataset, training, budget. Use with `sparsenas search --config FILE`.' };
}
