import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { artifactsDirFor, parseDb } from '../../cli/open-store.js';
import { captureIo } from './capture-io.js';
import { testPostgres } from '../postgres-server.js';

const plugin = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));
/** A config file (in a directory of its own) that trains with the fake evaluator. */
function fakeConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sparsenas-dburl-config-')), 'fake.json');
  dirs.push(dirname(file));
  writeFileSync(file, JSON.stringify({ evaluator: { name: 'fake' }, plugins: [plugin], dataset: { name: 'embedded' } }));
  return file;
}
const server = await testPostgres();
after(() => server.pg?.stop());
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'sparsenas-dburl-')); dirs.push(d); return d; };

/** Every command that takes --db, with the other flags it needs. */
const COMMANDS: string[][] = [
  ['search', '--trials', '1'],
  ['resume', '--study', 'x'],
  ['leaderboard'],
  ['report'],
  ['export', '--out', 'model'],
  ['list', 'studies'],
];

describe('--db', () => {
  it('refuses a URL scheme it does not know, in every command, naming the known ones, and creates nothing', async () => {
    for (const db of ['mysql://root@db.example/sparsenas', 'sqlite:/tmp/x.db', 'postgres:/db.example/sparsenas', 'postgres:runs']) {
      for (const command of COMMANDS) {
        const dir = tempDir();
        const t = captureIo(dir);
        const argv = [...command, '--db', db];
        assert.equal(await main(argv, t.io), 2, `${argv.join(' ')}: ${t.text().stderr}`);
        assert.match(t.text().stderr, /--db .*postgres:\/\/user@host:port\/database/, argv.join(' '));
        assert.deepEqual(readdirSync(dir), [], `${argv.join(' ')} created ${readdirSync(dir).join(', ')}`);
      }
    }
    const t = captureIo(tempDir());
    await main(['leaderboard', '--db', 'mysql://root@db.example/x'], t.io);
    assert.match(t.text().stderr, /unknown scheme "mysql:"; known: postgres:\/\/, postgresql:\/\/, file:\/\//);
  });

  it('reads file paths, file: URLs, :memory: and PostgreSQL URLs; never prints a password', () => {
    assert.deepEqual(parseDb('runs.db', '/home/u'), { kind: 'sqlite', file: '/home/u/runs.db' });
    assert.deepEqual(parseDb('./a:b.db', '/home/u'), { kind: 'sqlite', file: '/home/u/a:b.db' });
    assert.deepEqual(parseDb('C:\\runs\\x.db', '/home/u').kind, 'sqlite');
    assert.deepEqual(parseDb('file:///srv/runs.db'), { kind: 'sqlite', file: '/srv/runs.db' });
    assert.deepEqual(parseDb(':memory:'), { kind: 'memory' });
    assert.deepEqual(parseDb('postgres://u@h:5432/s'), { kind: 'postgres', url: 'postgres://u@h:5432/s' });
    assert.deepEqual(parseDb('POSTGRESQL://u@h/s').kind, 'postgres');
    assert.throws(() => parseDb('postgres://u:hunter2@h:notaport/s'), (e: Error) => !e.message.includes('hunter2') && /not a valid URL/.test(e.message));
    assert.throws(() => parseDb('mysql://u:hunter2@h/s'), (e: Error) => !e.message.includes('hunter2'));
  });

  it('puts a PostgreSQL study\'s weights under ./<database>.artifacts on the host that trains it', () => {
    assert.equal(artifactsDirFor('postgres://u@h/runs', 'my study', '/work'), join('/work', 'runs.artifacts', 'my%20study'));
    assert.equal(artifactsDirFor('postgres://u@h', 's', '/work'), join('/work', 'u.artifacts', 's'));
    assert.equal(artifactsDirFor('/data/runs.db', 's', '/work'), join('/data', 'runs.artifacts', 's'));
  });

  it('takes a postgres:// URL in every command and writes no local file or folder', { skip: server.skip && `no PostgreSQL: ${server.skip}` }, async () => {
    const url = await server.pg!.createDatabase('cli');
    const dir = tempDir();
    const run = async (...argv: string[]) => {
      const t = captureIo(dir);
      const code = await main(argv, t.io);
      return { code, ...t.text() };
    };
    const searched = await run('search', '--db', url, '--study', 'shared', '--trials', '3', '--config', fakeConfig());
    assert.equal(searched.code, 0, searched.stderr);
    const resumed = await run('resume', '--db', url, '--study', 'shared', '--trials', '4');
    assert.equal(resumed.code, 0, resumed.stderr);
    const board = await run('leaderboard', '--db', url, '--study', 'shared', '--format', 'json');
    assert.equal(board.code, 0, board.stderr);
    assert.equal(JSON.parse(board.stdout).length, 4);
    const listed = await run('list', 'studies', '--db', url);
    assert.match(listed.stdout, /shared\s+finished\s+4/);
    const reportFile = join(dirname(fakeConfig()), 'shared.md');
    const report = await run('report', '--db', url, '--study', 'shared', '--format', 'md', '--out', reportFile);
    assert.equal(report.code, 0, report.stderr);
    assert.match(readFileSync(reportFile, 'utf8'), /shared/);
    // The fake evaluator saves no weights: export says so, naming where it looked.
    const exported = await run('export', '--db', url, '--study', 'shared', '--out', join(dir, 'model'));
    assert.equal(exported.code, 1);
    assert.match(exported.stderr, /cli_\d+\.artifacts|has no saved weights/);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.artifacts')), [], 'no postgres: folder, no sparsenas.db');
    // A reading command on a database without sparsenas data creates nothing there.
    const empty = await server.pg!.createDatabase('empty');
    const missing = await run('leaderboard', '--db', empty);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /holds no sparsenas data/);
  });
});
