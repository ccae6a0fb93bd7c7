import type { SearchSpace } from './space.js';
import type { NewTrial } from './store.js';
import type { Candidate, Sample } from './types.js';
import { SpaceError, describeError } from './errors.js';
import { compact } from './store-errors.js';
import { trainingMethodSchema } from './config.js';
import { LAYER_DESCRIPTORS } from './layers/registry.js';

/**
 * Turns a strategy's candidate into a trial to store; a bad candidate becomes a build error
 * (the trial is stored as failed). `defaultSeed` is the seed of the candidate's position.
 */
export function buildTrial(c: Candidate, space: SearchSpace, defaultSeed: number, who: string, spaceName: string): { newTrial: NewTrial; buildError?: string } {
  const ok = typeof c === 'object' && c !== null;
  const sample = ok && isObject(c.sample) ? c.sample : {};
  const seed = ok && Number.isSafeInteger(c.seed) && c.seed! >= 0 ? c.seed! : defaultSeed;
  const newTrial: NewTrial = ok
    ? compact({ sample, architecture: c.architecture ?? null, seed, group: c.group, label: c.label, training: c.training, attributes: withoutRedoOf(c.attributes) })
    : { sample, architecture: null, seed };
  try {
    validateCandidate(c);
    if (!newTrial.architecture) {
      const problem = callSpace(spaceName, 'check', () => space.check(sample));
      if (problem) throw problem;
      newTrial.architecture = callSpace(spaceName, 'freeze', () => space.freeze(sample));
    }
    return { newTrial };
  } catch (err) {
    const buildError = err instanceof SpaceMethodError ? err.message : err instanceof SpaceError
      ? `strategy ${who} returned a candidate outside the space "${space.name}" from ask(): dimension "${err.dimension}": ${err.message}`
      : `strategy ${who} returned an invalid candidate from ask(): ${describeError(err)}`;
    // A reporter or the leaderboard must never meet a malformed network: a bad one is not stored.
    if (newTrial.architecture && !validates(validateArchitecture, newTrial.architecture)) newTrial.architecture = null;
    return { newTrial: storable(newTrial), buildError };
  }
}

/** The fields of a candidate that are stored with its trial, as JSON. */
const STORED_FIELDS = ['sample', 'architecture', 'group', 'label', 'training', 'attributes'] as const;

/** Why a stored field cannot be stored as JSON (a BigInt, a cycle), or undefined. */
function unstorable(v: unknown): string | undefined {
  try {
    JSON.stringify(v);
    return undefined;
  } catch (err) {
    return describeError(err);
  }
}

/** A failed trial must be storable too: the fields that cannot be stored as JSON are left out. */
function storable(t: NewTrial): NewTrial {
  const out = { ...t } as Record<string, unknown>;
  for (const key of STORED_FIELDS) {
    if (out[key] === undefined || !unstorable(out[key])) continue;
    if (key === 'sample') out[key] = {};
    else if (key === 'architecture') out[key] = null;
    else delete out[key];
  }
  return out as unknown as NewTrial;
}

/** `redoOf` is the runner's: it links a redo to the trial it redoes, so a strategy cannot set it. */
function withoutRedoOf(attributes: Candidate['attributes']): Candidate['attributes'] {
  if (!attributes || !isObject(attributes) || !('redoOf' in attributes)) return attributes;
  const { redoOf: _dropped, ...rest } = attributes;
  return rest;
}

/** A space's own failure (not a sample outside it): reported against the space, not the strategy. */
class SpaceMethodError extends Error {}

function callSpace<T>(spaceName: string, method: 'check' | 'freeze', fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpaceError) throw err;
    throw new SpaceMethodError(`space ${spaceName} threw in ${method}(): ${describeError(err)}`);
  }
}

function isObject(v: unknown): v is Sample {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateCandidate(c: Candidate): void {
  if (typeof c !== 'object' || c === null) throw new TypeError(`expected an object, got ${c === null ? 'null' : typeof c}`);
  if (!isObject(c.sample)) throw new TypeError('candidate.sample must be an object of dimension values');
  if (c.seed !== undefined && !(Number.isSafeInteger(c.seed) && c.seed >= 0)) throw new TypeError(`candidate.seed must be a non-negative integer, got ${c.seed}`);
  for (const key of STORED_FIELDS) {
    const why = c[key] === undefined ? undefined : unstorable(c[key]);
    if (why) throw new TypeError(`candidate.${key} cannot be stored as JSON (${why}); use numbers, strings, booleans, arrays and plain objects`);
  }
  if (c.architecture !== undefined && c.architecture !== null) validateArchitecture(c.architecture);
  if (c.training !== undefined) validateTraining(c.training);
  const method = c.training?.method;
  if (method !== undefined && !trainingMethodSchema.safeParse(method).success) {
    throw new TypeError(`candidate.training.method must be { name: string, options?: object }, got ${JSON.stringify(method)}`);
  }
}

const show = (v: unknown): string => {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * A ready-made architecture (the strategy built the network itself, skipping the space): checked
 * here, so a bad one fails its trial with the field named instead of crashing a reporter or the
 * evaluator later (`layers is not iterable`). Layer options are the evaluator's to check.
 */
function validateArchitecture(a: unknown): void {
  if (typeof a !== 'object' || Array.isArray(a)) throw new TypeError(`candidate.architecture must be an object with family, input, layers and sparsity, got ${show(a)}`);
  const arch = a as Record<string, unknown>;
  if (typeof arch['family'] !== 'string') throw new TypeError(`candidate.architecture.family must be a string, got ${show(arch['family'])}`);
  if (arch['input'] !== 'flat' && arch['input'] !== 'image') throw new TypeError(`candidate.architecture.input must be "flat" or "image", got ${show(arch['input'])}`);
  if (typeof arch['sparsity'] !== 'object' || arch['sparsity'] === null || Array.isArray(arch['sparsity'])) {
    throw new TypeError(`candidate.architecture.sparsity must be an object (e.g. { level: 0, kind: "unstructured", method: "static", init: "magnitude", distribution: "uniform" }), got ${show(arch['sparsity'])}`);
  }
  validateLayers(arch['layers'], 'candidate.architecture.layers');
}

function validateLayers(layers: unknown, where: string): void {
  if (!Array.isArray(layers)) throw new TypeError(`${where} must be an array of layers, got ${show(layers)}`);
  layers.forEach((layer: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new TypeError(`${at} must be a layer object with a "type", got ${show(layer)}`);
    const type = (layer as { type?: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(LAYER_DESCRIPTORS, type)) {
      throw new TypeError(`${at}.type ${show(type)} is not a known layer type; known types: ${Object.keys(LAYER_DESCRIPTORS).join(', ')}`);
    }
    if (type === 'sum') {
      const branches = (layer as { branches?: unknown }).branches;
      if (!Array.isArray(branches)) throw new TypeError(`${at}.branches must be an array of layer arrays, got ${show(branches)}`);
      branches.forEach((b: unknown, j) => validateLayers(b, `${at}.branches[${j}]`));
    }
  });
}

/** Training overrides: the fields the trainer would otherwise turn into a non-finite loss or a raw tfjs error. */
function validateTraining(t: unknown): void {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new TypeError(`candidate.training must be an object of training overrides, got ${show(t)}`);
  const o = t as Record<string, unknown>;
  const positiveInt = (key: string, min: number) => {
    const v = o[key];
    if (v === undefined) return;
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) {
      throw new TypeError(`candidate.training.${key} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${show(v)}`);
    }
  };
  positiveInt('epochs', 1);
  positiveInt('batchSize', 1);
  positiveInt('steps', 0);
  const lr = o['learningRate'];
  if (lr !== undefined && !(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) {
    throw new TypeError(`candidate.training.learningRate must be a positive number, got ${show(lr)}`);
  }
}

function validates(check: (v: unknown) => void, v: unknown): boolean {
  try {
    check(v);
    return true;
  } catch {
    return false;
  }
}
