import { SpaceError } from '../search/index.js';
import type { Dimension, Json, Rng, Sample } from '../search/index.js';

/** Builders, so space definitions read like Optuna's suggest_* calls. */
export const categorical = (name: string, choices: readonly Json[], description?: string): Dimension => {
  if (choices.length === 0) throw new RangeError(`dimension ${name}: categorical needs at least one choice`);
  return { name, kind: 'categorical', choices, description };
};
export const int = (name: string, low: number, high: number, step = 1, description?: string): Dimension => {
  checkRange(name, low, high);
  return { name, kind: 'int', low, high, step, description };
};
export const float = (name: string, low: number, high: number, step?: number, description?: string): Dimension => {
  checkRange(name, low, high);
  return { name, kind: 'float', low, high, step, description };
};
export const logFloat = (name: string, low: number, high: number, description?: string): Dimension => {
  checkRange(name, low, high);
  if (low <= 0) throw new RangeError(`dimension ${name}: log-float needs low > 0, got ${low}`);
  return { name, kind: 'log-float', low, high, description };
};

function checkRange(name: string, low: number, high: number): void {
  if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
    throw new RangeError(`dimension ${name}: need finite low <= high, got [${low}, ${high}]`);
  }
}

/** Draw one value uniformly (log-uniformly for log-float; on the step grid when a step is set). */
export function sampleDimension(d: Dimension, rng: Rng): Json {
  switch (d.kind) {
    case 'categorical':
      return d.choices[Math.floor(rng.next() * d.choices.length)]!;
    case 'int': {
      const step = d.step ?? 1;
      const n = Math.floor((d.high - d.low) / step);
      return d.low + step * rng.int(0, n);
    }
    case 'float': {
      if (d.step) {
        const n = Math.floor((d.high - d.low) / d.step + 1e-9);
        return roundTo(d.low + d.step * rng.int(0, n), d.step);
      }
      return d.low + (d.high - d.low) * rng.next();
    }
    case 'log-float':
      return Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * rng.next());
  }
}

/** The value of `d` in `sample`, or a SpaceError naming the dimension. */
export function checkDimension(d: Dimension, value: Json | undefined): SpaceError | undefined {
  if (value === undefined) return new SpaceError(d.name, `dimension "${d.name}" is missing from the sample`);
  switch (d.kind) {
    case 'categorical':
      return d.choices.some((c) => JSON.stringify(c) === JSON.stringify(value))
        ? undefined
        : new SpaceError(d.name, `dimension "${d.name}" = ${JSON.stringify(value)} is not one of ${JSON.stringify(d.choices)}`);
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return new SpaceError(d.name, `dimension "${d.name}" must be an integer, got ${JSON.stringify(value)}`);
      if (value < d.low || value > d.high) return new SpaceError(d.name, `dimension "${d.name}" = ${value} is outside [${d.low}, ${d.high}]`);
      if (d.step && (value - d.low) % d.step !== 0) return new SpaceError(d.name, `dimension "${d.name}" = ${value} is not on the step ${d.step} from ${d.low}`);
      return undefined;
    case 'float':
    case 'log-float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return new SpaceError(d.name, `dimension "${d.name}" must be a finite number, got ${JSON.stringify(value)}`);
      if (value < d.low - 1e-12 || value > d.high + 1e-12) return new SpaceError(d.name, `dimension "${d.name}" = ${value} is outside [${d.low}, ${d.high}]`);
      return undefined;
  }
}

/** Checks every listed dimension (those in `only`, when given) and rejects unknown keys. */
export function checkSample(dimensions: readonly Dimension[], sample: Sample, only?: (d: Dimension) => boolean): SpaceError | undefined {
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) return new SpaceError('(sample)', 'a sample must be an object of dimension values');
  const names = new Set(dimensions.map((d) => d.name));
  for (const key of Object.keys(sample)) {
    if (!names.has(key)) return new SpaceError(key, `"${key}" is not a dimension of this space (dimensions: ${[...names].join(', ')})`);
  }
  for (const d of dimensions) {
    if (only && !only(d)) continue;
    const err = checkDimension(d, sample[d.name]);
    if (err) return err;
  }
  return undefined;
}

/** The finite grid of a dimension: all choices, every int step, or `points` evenly spaced floats. */
export function gridValues(d: Dimension, points = 5): Json[] {
  switch (d.kind) {
    case 'categorical':
      return [...d.choices];
    case 'int': {
      const out: number[] = [];
      for (let v = d.low; v <= d.high; v += d.step ?? 1) out.push(v);
      return out;
    }
    case 'float':
      if (d.step) {
        const out: number[] = [];
        for (let i = 0; d.low + i * d.step <= d.high + 1e-9; i++) out.push(roundTo(d.low + i * d.step, d.step));
        return out;
      }
      return linspace(d.low, d.high, points, (x) => x);
    case 'log-float':
      return linspace(Math.log(d.low), Math.log(d.high), points, Math.exp);
  }
}

function linspace(a: number, b: number, n: number, f: (x: number) => number): number[] {
  if (a === b || n <= 1) return [f(a)];
  return Array.from({ length: n }, (_, i) => f(a + ((b - a) * i) / (n - 1)));
}

function roundTo(x: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(x.toFixed(decimals));
}
