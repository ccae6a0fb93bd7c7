import type { Dimension, Json, SpaceFactory, StrategyFactory } from '../../search/index.js';
import { describeOptions } from '../../search/index.js';
import { UsageError } from '../errors.js';
import { terminalSafe } from '../format/format-numbers.js';

/**
 * `sparsenas list spaces NAME` and `list strategies NAME`: everything a definition can say about
 * one space or strategy, generated from what validates it (the factory's `optionsSchema`, and for
 * a space the dimensions its default options build), so the listing cannot drift from the checks.
 */
export function describeSpace(factory: SpaceFactory): string {
  const space = factory.create({});
  const lines = [`space ${factory.name} (${factory.source ?? 'built-in'}): ${factory.description}`, '',
    `dimensions (with the default options; pin one with space.options.fixed, narrow the sparsity ones with --sparsity, --methods, --kinds):`,
    rows([['name', 'type', 'values', 'meaning'], ...space.dimensions.map((d) => [d.name, d.kind, values(d), d.description ?? ''])]),
    optionsSection('space.options', factory.optionsSchema)];
  return lines.join('\n');
}

export function describeStrategy(factory: StrategyFactory): string {
  return [`strategy ${factory.name} (${factory.source ?? 'built-in'}): ${factory.description}`, '', optionsSection('strategy.options', factory.optionsSchema)].join('\n');
}

function optionsSection(where: string, schema: SpaceFactory['optionsSchema']): string {
  if (!schema) return `${where}: not described (this component has no optionsSchema; its own checks apply)\n`;
  const docs = describeOptions(schema);
  if (!docs.length) return `${where}: none\n`;
  return `${where}:\n` + rows([['key', 'type', 'default', 'meaning'], ...docs.map((o) => [o.key, o.type, o.default === undefined ? '' : short(o.default), o.description])]);
}

/** Looks a factory up by name, or says which exist. */
export function findNamed<T extends { name: string }>(all: readonly T[], name: string, kind: string): T {
  const found = all.find((f) => f.name === name);
  if (!found) throw new UsageError(`sparsenas list ${kind}: unknown ${kind === 'strategies' ? 'strategy' : 'space'} "${name}"; available: ${all.map((f) => f.name).join(', ')}`);
  return found;
}

function values(d: Dimension): string {
  switch (d.kind) {
    case 'categorical': return d.choices.map((c) => short(c)).join(', ');
    case 'int': return `${d.low}..${d.high}${d.step && d.step !== 1 ? ` step ${d.step}` : ''}`;
    case 'float': return `[${d.low}, ${d.high}]${d.step ? ` step ${d.step}` : ''}`;
    case 'log-float': return `[${d.low}, ${d.high}] log`;
  }
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v as Json);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Left-aligned columns; the last column is not padded. */
function rows(raw: string[][]): string {
  const r = raw.map((x) => x.map(terminalSafe));
  const w = r[0]!.map((_, i) => Math.max(...r.map((x) => x[i]!.length)));
  return r.map((x) => '  ' + x.map((c, i) => (i === x.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
