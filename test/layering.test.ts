import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// house-style.md "Boundaries": search/, spaces/ and strategies/ never import tfjs or ink;
// evaluators/ is the only tfjs code and never imports strategies/; only cli/ is the composition root.
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []);
}

/** Every module a file imports (static, dynamic, type-only), resolved against the repository root. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => {
    const spec = m[1]!;
    return spec.startsWith('.') ? relative(root, resolve(join(root, file, '..'), spec)) : spec;
  });
}

const RULES: { folder: string; forbidden: RegExp; why: string }[] = [
  { folder: 'search', forbidden: /^(@tensorflow|ink|react)|^(spaces|strategies|evaluators|cli)\//, why: 'the core imports no tfjs, no UI and no implementation' },
  { folder: 'spaces', forbidden: /^(@tensorflow|ink|react)|^(strategies|evaluators|cli)\//, why: 'spaces are plain TS' },
  { folder: 'strategies', forbidden: /^(@tensorflow|ink|react)|^(evaluators|cli)\//, why: 'strategies depend on search/ types only' },
  { folder: 'evaluators', forbidden: /^(ink|react)|^(strategies|cli)\//, why: 'evaluators never import strategies/ (training math lives in evaluators/methods/)' },
];

for (const rule of RULES) {
  test(`${rule.folder}/ respects the layering: ${rule.why}`, () => {
    const broken = sources(rule.folder).flatMap((f) => imports(f).filter((m) => rule.forbidden.test(m)).map((m) => `${f} imports ${m}`));
    assert.deepEqual(broken, []);
  });
}
