// Issue 17 defect 8: docs that fail as written. Every fenced block of README.md and docs/*.md
// is run here, in order, one scratch directory per page (so a later block sees the database,
// models and files an earlier one made):
//   ts / js    transpiled (esbuild, types stripped) and run in a fresh `node` against the built
//              package (`import … from 'sparsenas'` resolves to this checkout's dist/);
//   sh         every `sparsenas …` line through the CLI (dist/cli/bin.js), with small budgets
//              (--trials capped, --epochs 1, --subset 300); `npx tsc -p .` lines are what the
//              suite has done already;
//   json/yaml  written to a file and searched with (`sparsenas search --config FILE`, same caps);
//   text       shown output, not code.
// A block that cannot run as written says why in the markdown, on the line before its fence:
//   <!-- not run: REASON -->
// and a block that is an excerpt of a file the suite builds and runs says which file:
//   <!-- excerpt of: examples/hill-climb/plugin.ts -->   (the file must contain the block)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'dist/cli/bin.js');
const snippetsDir = join(root, 'dist/test/docs/.snippets');
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const RUNNABLE = new Set(['ts', 'js', 'sh', 'json', 'yaml', 'text']);
/** Lines of sh blocks the suite has run already (the build). */
const DONE_BY_SUITE = new Set(['npx tsc -p .']);

export interface Block { page: string; line: number; lang: string; code: string; marker?: { kind: 'not run' | 'excerpt of'; value: string } }

export function extractBlocks(page: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence); i++) body.push(lines[i]!);
    const prev = lines[start - 1] ?? '';
    const m = /^<!--\s*(not run|excerpt of):\s*(.*?)\s*-->$/.exec(prev.trim());
    blocks.push({
      page, line: start + 1, lang: open[2]!.trim(), code: body.join('\n'),
      ...(m ? { marker: { kind: m[1] as 'not run' | 'excerpt of', value: m[2]! } } : {}),
    });
  }
  return blocks;
}

/** Shell words of one command line (quotes and backslash escapes; no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; has = true; }
    else if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === '#' && !has && !cur) break;
    else if (/\s/.test(c)) { if (has || cur) words.push(cur); cur = ''; has = false; }
    else { cur += c; has = true; }
  }
  if (has || cur) words.push(cur);
  return words;
}

/** The commands of an sh block: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(code: string): string[][] {
  return code.replace(/\\\n\s*/g, ' ').split('\n').map(shellWords).filter((w) => w.length);
}

const TRIAL_CAP: Record<string, number> = { search: 2, resume: 3 };

/** A doc command with a small budget: --trials capped, one epoch, 300 samples. */
export function smallBudget(args: readonly string[]): string[] {
  const [command] = args;
  if (command !== 'search' && command !== 'resume') return args.slice();
  const out = args.slice();
  const set = (flag: string, value: (old: string | undefined) => string | undefined) => {
    const i = out.indexOf(flag);
    const v = value(i >= 0 ? out[i + 1] : undefined);
    if (v === undefined) return;
    if (i >= 0) out[i + 1] = v;
    else out.push(flag, v);
  };
  set('--trials', (old) => String(Math.min(old ? Number(old) : Infinity, TRIAL_CAP[command]!)));
  if (command === 'search') {
    set('--epochs', () => '1');
    set('--subset', (old) => String(Math.min(old ? Number(old) : Infinity, 300)));
  }
  return out;
}

/** Runs a child asynchronously, so the pages (each in its own folder) run side by side. */
function run(cmd: string, args: readonly string[], cwd: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {
      cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20,
      env: { ...process.env, SPARSENAS_OFFLINE: '1', NO_COLOR: '1' },
    }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const e = error as NodeJS.ErrnoException & { signal?: string | null };
      reject(new assert.AssertionError({ message: `${what} failed (exit ${e.code}${e.signal ? `, ${e.signal}` : ''}):\n${stderr}\n${stdout.slice(-2000)}` }));
    });
  });
}

async function runBlock(b: Block, cwd: string, n: number): Promise<void> {
  const at = `${b.page}:${b.line}`;
  if (b.lang === 'ts' || b.lang === 'js') {
    const { code } = transformSync(b.code, { loader: b.lang, format: 'esm', target: 'node20' });
    mkdirSync(snippetsDir, { recursive: true });
    const file = join(snippetsDir, `${b.page.replace(/\W+/g, '_')}-${b.line}.mjs`);
    writeFileSync(file, code);
    await run(process.execPath, [file], cwd, `the ${b.lang} block at ${at}`);
  } else if (b.lang === 'sh') {
    for (const words of shellCommands(b.code)) {
      const line = words.join(' ');
      if (DONE_BY_SUITE.has(line)) continue;
      assert.equal(words[0], 'sparsenas', `${at}: "${line}" is not a sparsenas command; mark the block <!-- not run: REASON --> if it cannot run here`);
      await run(process.execPath, [bin, ...smallBudget(words.slice(1))], cwd, `${at}: ${line}`);
    }
  } else if (b.lang === 'json' || b.lang === 'yaml') {
    const file = join(cwd, `config-${n}.${b.lang}`);
    writeFileSync(file, b.code);
    await run(process.execPath, [bin, ...smallBudget(['search', '--config', file, '--study', `doc-config-${n}`, '--trials', '1'])], cwd, `the ${b.lang} config at ${at}`);
  }
}

const pages = PAGES.map((page) => ({ page, blocks: extractBlocks(page, readFileSync(join(root, page), 'utf8')) }));

// Pages are independent (each runs in its own folder), so they run concurrently; a page's blocks
// run in order, as a reader would run them.
describe('code blocks of README.md and docs/', { concurrency: true }, () => {
  it('every block is runnable (ts, js, sh, json, yaml), output (text), or says why it is not run', () => {
    const problems: string[] = [];
    for (const { blocks } of pages) {
      for (const b of blocks) {
        const at = `${b.page}:${b.line}`;
        if (b.marker?.kind === 'not run' && !b.marker.value) problems.push(`${at}: <!-- not run: --> needs a reason`);
        if (b.marker?.kind === 'excerpt of') {
          let file = '';
          try { file = readFileSync(join(root, b.marker.value), 'utf8'); } catch { problems.push(`${at}: excerpt of ${b.marker.value}: no such file`); }
          if (file && !file.includes(b.code)) problems.push(`${at}: the block is not in ${b.marker.value} (update one of them)`);
        }
        if (!b.marker && !RUNNABLE.has(b.lang)) problems.push(`${at}: a \`\`\`${b.lang || '(no language)'} block; use ts, js, sh, json, yaml or text, or mark it <!-- not run: REASON -->`);
      }
    }
    assert.deepEqual(problems, []);
  });

  for (const { page, blocks } of pages) {
    const runnable = blocks.filter((b) => !b.marker && b.lang !== 'text' && RUNNABLE.has(b.lang));
    if (!runnable.length) continue;
    it(`${page}: its ${runnable.length} code blocks run as written`, { timeout: 900_000 }, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'sparsenas-docs-'));
      // Paths in the docs are relative to a project that holds the built package (dist/…).
      symlinkSync(join(root, 'dist'), join(cwd, 'dist'));
      try {
        for (const [n, b] of runnable.entries()) await runBlock(b, cwd, n);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }
});
