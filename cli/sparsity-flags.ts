import { z } from 'zod';
import type { JsonObject, SpaceFactory } from '../search/index.js';
import { UsageError } from './errors.js';

/**
 * `--sparsity 0.8,0.9,0.95`, `--methods rigl,gmp`, `--kinds n:m`: the sparsity dimensions of the
 * space, narrowed from the command line (they become `space.options.sparsity.levels`, `.methods`,
 * `.kinds`). Each value is checked against what the space's own options schema allows, so a
 * built-in space and a plugin space with an `optionsSchema` give the same clear error.
 */
export const SPARSITY_FLAGS_HELP = `  --sparsity L,L,...      sparsity levels to search (fractions of zero weights), e.g. 0.8,0.9,0.95   [0..0.98 by 0.01]
  --methods M,M,...       sparse-training methods to search: static, gmp, rigl, set      [all four]
  --kinds K,K,...         sparsity kinds to search: unstructured, n:m (2:4, SR-STE), group   [unstructured,n:m]
                          (sparsenas list spaces NAME shows every dimension and option)`;

export function sparsityFromFlags(values: Record<string, unknown>, spaceName: string, space: Pick<SpaceFactory, 'optionsSchema'> | undefined): JsonObject | undefined {
  const out: JsonObject = {};
  const allowed = (key: string) => (space?.optionsSchema ? enumAt(space.optionsSchema, ['sparsity', key]) : undefined);
  const noSparsity = () => space?.optionsSchema && !propertyAt(space.optionsSchema, ['sparsity']);
  for (const [flag, key] of [['sparsity', 'levels'], ['methods', 'methods'], ['kinds', 'kinds']] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    if (noSparsity()) throw new UsageError(`--${flag}: space "${spaceName}" has no sparsity options (space.options.sparsity); see sparsenas list spaces ${spaceName}`);
    const items = splitList(flag, String(raw));
    if (key === 'levels') {
      const range = levelRange(space);
      out['levels'] = items.map((s) => {
        const n = /^(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : NaN;
        if (!(n >= range[0] && n <= range[1])) throw new UsageError(`--sparsity: "${s}" is not a sparsity level of space "${spaceName}": give fractions of zero weights in [${range[0]}, ${range[1]}], e.g. --sparsity 0.8,0.9,0.95`);
        return n;
      });
    } else {
      const choices = allowed(key);
      for (const s of items) {
        if (choices && !choices.includes(s)) {
          throw new UsageError(`--${flag}: "${s}" is not a ${flag === 'methods' ? 'sparse-training method' : 'sparsity kind'} of space "${spaceName}"; choose from ${choices.join(', ')} (comma-separated, e.g. --${flag} ${choices.slice(0, 2).join(',')})`);
        }
      }
      out[key] = items;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function splitList(flag: string, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${flag}: empty item in "${raw}"; give a comma-separated list without spaces or empty entries, e.g. --${flag} ${flag === 'sparsity' ? '0.8,0.9' : flag === 'methods' ? 'rigl,gmp' : 'unstructured,n:m'}`);
  return [...new Set(items)];
}

type Node = { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; enum?: unknown[]; minimum?: number; maximum?: number };

function jsonSchema(schema: z.ZodType): Node {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
}

function propertyAt(schema: z.ZodType, path: string[]): Node | undefined {
  let node: Node | undefined = jsonSchema(schema);
  for (const p of path) node = node?.properties?.[p];
  return node;
}

/** The allowed values of a list-of-enum option (e.g. sparsity.methods). */
function enumAt(schema: z.ZodType, path: string[]): string[] | undefined {
  const node = propertyAt(schema, path);
  const items = node?.items ?? node?.anyOf?.find((a) => a.items)?.items;
  return items?.enum?.map(String);
}

/** [low, high] of the space's sparsity levels (list items), default [0, 0.98]. */
function levelRange(space: Pick<SpaceFactory, 'optionsSchema'> | undefined): [number, number] {
  const node = space?.optionsSchema ? propertyAt(space.optionsSchema, ['sparsity', 'levels']) : undefined;
  const items = node?.items ?? node?.anyOf?.find((a) => a.items)?.items;
  return [items?.minimum ?? 0, items?.maximum ?? 0.98];
}
