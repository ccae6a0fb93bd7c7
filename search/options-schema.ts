import { z } from 'zod';

/**
 * The options of a strategy, space or pruner, as a zod schema: one description validates them
 * (unknown keys and wrong types are refused before a study is created), documents them
 * (`sparsenas list spaces NAME`, `list strategies NAME`) and goes into sparsenas.schema.json, so
 * the three cannot drift. Components without one accept any options (a plugin may omit it).
 */
export type OptionsSchema = z.ZodType;

/** One problem with a definition: the dotted key and what is wrong. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/** One documented option: dotted key, type as a user writes it, default, meaning. */
export interface OptionDoc {
  key: string;
  type: string;
  default?: unknown;
  description: string;
}

/**
 * An optional option with its meaning and default. The default is documentation only (it goes
 * into the JSON Schema and `list … NAME`): parsing leaves an absent key absent, so a stored
 * definition never changes shape; the component fills the same default.
 */
export function option<T extends z.ZodType>(schema: T, description: string, defaultValue?: unknown) {
  return schema.optional().meta(defaultValue === undefined ? { description } : { description, default: defaultValue as never });
}

/** The issues of `value` against `schema`, each keyed `prefix.key` (e.g. strategy.options.population). */
export function optionIssues(schema: OptionsSchema, value: unknown, prefix: string): ConfigIssue[] {
  const result = schema.safeParse(value ?? {});
  return result.success ? [] : zodIssues(result.error.issues, prefix, (path) => knownKeys(schema, path, value));
}

/** zod issues as ConfigIssues naming the full key and, for unknown keys, the known ones. */
export function zodIssues(issues: readonly z.core.$ZodIssue[], prefix = '', known?: (path: readonly PropertyKey[]) => string[] | undefined): ConfigIssue[] {
  const join = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.');
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const names = known?.(issue.path);
      return issue.keys.map((k) => ({
        key: join([...issue.path, k]),
        message: `unknown key "${join([...issue.path, k])}"; remove it or check its spelling${names?.length ? ` (known: ${names.join(', ')})` : ''} (see sparsenas.schema.json)`,
      }));
    }
    const key = join(issue.path) || '(root)';
    return [{ key, message: `${key}: ${issue.message}` }];
  });
}

/**
 * The keys an object schema declares at `path` of `value`. At a union (the pruner: one branch per
 * name) the branch whose constant properties match the value is followed.
 */
export function knownKeys(schema: OptionsSchema, path: readonly PropertyKey[] = [], value?: unknown): string[] | undefined {
  let node = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode | undefined;
  let here = value;
  const branch = (n: JsonSchemaNode | undefined) => {
    const alts = n?.anyOf ?? n?.oneOf;
    if (!alts) return n;
    return alts.find((a) => Object.entries(a.properties ?? {}).every(([k, p]) => p.const === undefined || (here as Record<string, unknown> | undefined)?.[k] === p.const));
  };
  for (const p of path) {
    node = branch(node)?.properties?.[String(p)];
    here = (here as Record<string, unknown> | undefined)?.[String(p)];
  }
  const props = branch(node)?.properties;
  return props ? Object.keys(props) : undefined;
}

/** Every option of a schema, nested objects flattened to dotted keys, in declaration order. */
export function describeOptions(schema: OptionsSchema): OptionDoc[] {
  return describeJsonSchema(optionsJsonSchema(schema));
}

/** The JSON Schema of an options schema (no $schema header), for sparsenas.schema.json. */
export function optionsJsonSchema(schema: OptionsSchema): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out['$schema'];
  return out;
}

type JsonSchemaNode = {
  type?: string | string[]; enum?: unknown[]; const?: unknown; anyOf?: JsonSchemaNode[]; oneOf?: JsonSchemaNode[];
  items?: JsonSchemaNode; properties?: Record<string, JsonSchemaNode>; additionalProperties?: boolean | JsonSchemaNode;
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; minItems?: number;
  description?: string; default?: unknown;
};

function describeJsonSchema(node: JsonSchemaNode, prefix = ''): OptionDoc[] {
  const out: OptionDoc[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix + name;
    out.push({ key, type: typeName(child), ...(child.default !== undefined ? { default: child.default } : {}), description: child.description ?? '' });
    if (child.properties && Object.keys(child.properties).length) out.push(...describeJsonSchema(child, key + '.'));
  }
  return out;
}

/** A short type as a config author reads it: `integer 2..8`, `list of max|avg`, `number or list of number`. */
export function typeName(n: JsonSchemaNode): string {
  const alts = n.anyOf ?? n.oneOf;
  if (alts) {
    const names = alts.map(typeName);
    // T | T[] reads "T or list of T".
    if (names.length === 2 && names[1] === `list of ${names[0]}`) return `${names[0]} or list of ${names[0]}`;
    return names.join(' | ');
  }
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('|');
  const t = Array.isArray(n.type) ? n.type.join(' | ') : n.type;
  if (t === 'array') return `list of ${n.items ? typeName(n.items) : 'values'}`;
  if (t === 'object') return 'object';
  if (t === 'integer' || t === 'number') {
    const SAFE = Number.MAX_SAFE_INTEGER;
    const lo = n.minimum !== undefined && n.minimum > -SAFE ? n.minimum : undefined;
    const hi = n.maximum !== undefined && n.maximum < SAFE ? n.maximum : undefined;
    if (lo !== undefined && hi !== undefined) return `${t} ${lo}..${hi}`;
    const bounds: string[] = [];
    if (lo !== undefined) bounds.push(`≥ ${lo}`);
    if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
    if (hi !== undefined) bounds.push(`≤ ${hi}`);
    if (n.exclusiveMaximum !== undefined) bounds.push(`< ${n.exclusiveMaximum}`);
    return [t, ...bounds].join(' ');
  }
  return t ?? 'any';
}

/** All issues in one message: the single-issue message as is, several as a list. */
export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  if (issues.length === 1) return `${source}: ${issues[0]!.message}`;
  return `${source}: ${issues.length} problems:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`;
}
