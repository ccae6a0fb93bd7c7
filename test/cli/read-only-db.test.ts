import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_VERSION, SqliteStore, DEFAULT_DEFINITION } from '../../search/index.js';
import { MIGRATIONS } from '../../search/sqlite-schema.js';
import { main } from '../../cli/main.js';
import { captureIo } from './capture-io.js';

// Reading commands open the database read-only (issue 13, fault "read-only"): a 0444 file reads
// the same every time, and a database in a directory SQLite cannot create files in still reads.
// Root ignores file modes, so as root the reading child runs as `nobody` (runuser).
const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const plugin = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasRunuser = spawnSync('runuser', ['--help']).error === undefined;
const skip = process.platform === 'win32' ? 'file modes are POSIX'
  : isRoot && !hasRunuser ? 'running as root without runuser: root ignores file modes, and there is no way to read as another user' : false;
const nobody = (() => {
  const r = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
})();

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    spawnSync('chmod', ['-R', 'u+rwx', d]);
    rmSync(d, { recursive: true, force: true });
  }
});

/** A reading command as an unprivileged user (nobody when we are root). */
function read(cwd: string, ...argv: string[]) {
  const [cmd, args] = isRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, bin, ...argv]] : [process.execPath, [bin, ...argv]];
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A directory the reading user owns (so only the modes we set decide what it may do). */
function ownDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  if (isRoot) chownSync(dir, nobody.uid, nobody.gid);
  return dir;
}

function giveAway(file: string, mode: number): void {
  if (isRoot) chownSync(file, nobody.uid, nobody.gid);
  chmodSync(file, mode);
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('reading commands open the database read-only', { skip }, () => {
  let source = '';
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-ro-src-'));
    dirs.push(dir);
    const config = join(dir, 'fake.json');
    writeFileSync(config, JSON.stringify({ evaluator: { name: 'fake' }, plugins: [plugin], dataset: { name: 'embedded' } }));
    source = join(dir, 'runs.db');
    const t = captureIo(dir);
    const code = await main(['search', '--db', source, '--study', 'ro-study', '--trials', '2', '--config', config], t.io);
    assert.equal(code, 0, t.text().stderr);
  });

  it('a 0444 database reads with exit 0 every time (list studies, leaderboard, report), and is never changed', () => {
    const dir = ownDir('sparsenas-ro-file-');
    const db = join(dir, 'runs.db');
    copyFileSync(source, db);
    giveAway(db, 0o444);
    const before = sha(db);
    for (let i = 0; i < 2; i++) {
      const listed = read(dir, 'list', 'studies', '--db', db);
      assert.equal(listed.code, 0, `list studies, read ${i + 1}: ${listed.stderr}`);
      assert.match(listed.stdout, /ro-study\s+finished\s+2/);
    }
    const board = read(dir, 'leaderboard', '--db', db, '--study', 'ro-study', '--format', 'json');
    assert.equal(board.code, 0, `leaderboard after two reads: ${board.stderr}`);
    assert.equal(JSON.parse(board.stdout).length, 2);
    const report = read(dir, 'report', '--db', db, '--study', 'ro-study', '--format', 'md', '--out', join(dir, 'report.md'));
    assert.equal(report.code, 0, `report after three reads: ${report.stderr}`);
    assert.equal(sha(db), before, 'the database file itself is unchanged');
  });

  it('a database in a read-only directory (0555) reads, without creating any file there', () => {
    const dir = ownDir('sparsenas-ro-dir-');
    const db = join(dir, 'runs.db');
    copyFileSync(source, db);
    giveAway(db, 0o644);
    chmodSync(dir, 0o555);
    const out = ownDir('sparsenas-ro-out-');
    const listed = read(out, 'list', 'studies', '--db', db);
    assert.equal(listed.code, 0, `list studies: ${listed.stderr}`);
    assert.match(listed.stdout, /ro-study\s+finished\s+2/);
    const board = read(out, 'leaderboard', '--db', db, '--study', 'ro-study', '--top', '1');
    assert.equal(board.code, 0, `leaderboard: ${board.stderr}`);
    assert.match(board.stdout, /study ro-study/);
    assert.deepEqual(readdirSync(dir), ['runs.db']);
  });

  it('a read-only database of an older schema is refused naming the file and the fix, and left untouched', async () => {
    const dir = ownDir('sparsenas-ro-old-');
    const db = join(dir, 'old.db');
    const old = await SqliteStore.open(db, { migrations: MIGRATIONS.slice(0, SCHEMA_VERSION - 1) });
    await old.createStudy('old-study', DEFAULT_DEFINITION);
    await old.close();
    giveAway(db, 0o444);
    const before = sha(db);
    const listed = read(dir, 'list', 'studies', '--db', db);
    assert.equal(listed.code, 1, listed.stderr);
    assert.match(listed.stderr, new RegExp(`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has schema version ${SCHEMA_VERSION - 1}, older than this sparsenas`));
    assert.match(listed.stderr, /Open it once with write access/);
    assert.doesNotMatch(listed.stderr, /unexpected error|at .*\.js/);
    assert.equal(sha(db), before);
    // Writable again, a read upgrades it once (as before) and then reads.
    chmodSync(db, 0o644);
    const again = read(dir, 'list', 'studies', '--db', db);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /old-study/);
  });
});

describe('SqliteStore opened readOnly', () => {
  it('reads, and refuses every write naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-ro-store-'));
    dirs.push(dir);
    const file = join(dir, 'x.db');
    const rw = await SqliteStore.open(file);
    await rw.createStudy('a', DEFAULT_DEFINITION);
    await rw.close();
    const ro = await SqliteStore.open(file, { readOnly: true });
    assert.deepEqual((await ro.listStudies()).map((s) => s.name), ['a']);
    await assert.rejects(ro.createStudy('b', DEFAULT_DEFINITION), (err: Error & { code?: string }) => err.code === 'STORE_READ_ONLY' && err.message.includes(file));
    await ro.close();
  });
});
