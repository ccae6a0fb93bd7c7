import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../../search/index.js';
import type { Trial, WorkerInfo } from '../../search/index.js';
import { type TestPostgres, startThrowaway, whyNoThrowaway } from '../postgres-server.js';
import { type FakeHosts, createFakeHosts, whyNoFakeHosts } from '../netns.js';

/**
 * Several hosts, one study, through PostgreSQL: three worker processes, each in a network
 * namespace of its own with its own hostname (so none can see another's pids: a dead worker is
 * noticed only by its stale heartbeat, as across real machines), reaching the server over a
 * veth pair. One is SIGKILLed mid-trial; another has its connections cut by the server
 * (pg_terminate_backend) mid-trial. Nothing may be lost or duplicated, and the survivors finish
 * the budget.
 */
const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const PLUGIN = fileURLToPath(new URL('./slow-evaluator-plugin.js', import.meta.url));
const MAX_TRIALS = 24;
const STUDY = 'across-hosts';

const skip = (process.env['SPARSENAS_TEST_PG'] ? 'it starts a server of its own listening on the test addresses, and SPARSENAS_TEST_PG names another' : undefined)
  ?? whyNoFakeHosts() ?? whyNoThrowaway()
  ?? (spawnSync('unshare', ['--version']).status === 0 ? undefined : 'the `unshare` command (util-linux) is missing');

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-hosts-'));
let hosts: FakeHosts | undefined;
let server: TestPostgres | undefined;
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.stop();
  hosts?.remove();
  rmSync(dir, { recursive: true, force: true });
});

interface Host { child: ChildProcess; out: () => string; err: () => string; exited: Promise<{ code: number | null; signal: string | null }> }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: Host[] = [];
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the hosts printed:\n${started.map((h, i) => `host ${i}: ${h.out().slice(-1500)}\n${h.err().slice(-1500)}`).join('\n')}`);
    await sleep(50);
  }
}

describe('one study on several hosts through PostgreSQL', { skip: skip && `multi-host test skipped: ${skip}` }, () => {
  it('loses and duplicates nothing when one host is killed and another cut off mid-trial; the others finish the budget', { timeout: 300_000 }, async (t) => {
    hosts = createFakeHosts(3);
    server = await startThrowaway({ listen: hosts.serverAddresses, trust: hosts.networks });
    const local = await server.createDatabase('hosts');
    const { port, pathname } = new URL(local);
    const urlFor = (i: number) => `postgres://postgres@${hosts!.serverAddresses[i]}:${port}${pathname}`;
    const config = join(dir, 'study.json');
    // Epochs wait for this file: under load a worker takes many seconds to start, and host 0
    // must not spend the budget alone meanwhile.
    const gate = join(dir, 'all-hosts-joined');
    writeFileSync(config, JSON.stringify({
      study: STUDY, seed: 11, plugins: [PLUGIN], evaluator: { name: 'slow-fake', options: { epochMs: 500, gate } },
      training: { epochs: 3 }, budget: { maxTrials: MAX_TRIALS }, testTopK: 0,
    }));
    const start = (i: number, args: string[]): Host => {
      // Its own UTS namespace: hostname fake-host-i, as the worker identity and trials record it.
      const child = hosts!.spawn(i, 'unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', `fake-host-${i}`, process.execPath, BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      const host = { child, out: () => out, err: () => err, exited };
      started[i] = host;
      return host;
    };
    const common = ['--stale-timeout', '3', '--plain'];
    const begun = Date.now();
    const first = start(0, ['search', '--db', urlFor(0), '--config', config, ...common]);

    let sampling: NodeJS.Timeout | undefined;
    const watch = await until('the database', async () => PostgresStore.open(local, { mustExist: true }).catch(() => undefined));
    try {
      const study = await until('the study to start', async () => {
        const s = await watch.getStudy(STUDY);
        return s && (await watch.getWorkers(s.id)).length > 0 && s;
      });
      const others = [1, 2].map((i) => start(i, ['worker', '--study', STUDY, '--db', urlFor(i), ...common]));
      await until('all three hosts to join', async () => (await watch.getWorkers(study.id)).length === 3);
      writeFileSync(gate, '');
      let peak = 0;
      sampling = setInterval(() => {
        server!.admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sparsenas'`)
          .then(([r]) => { peak = Math.max(peak, r!.n); }, () => {});
      }, 100);
      const hostOf = async () => new Map((await watch.getWorkers(study.id)).map((w) => [w.id, w.host]));
      /** A trial running on `host` with at least one epoch stored: it is mid-training. */
      const midTrial = (host: string) => until(`a trial mid-training on ${host}`, async () => {
        const owners = await hostOf();
        for (const tr of await watch.getTrials(study.id)) {
          if (tr.state === 'running' && owners.get(tr.owner!) === host && (await watch.getEpochs(tr.id)).length > 0) return tr;
        }
        return undefined;
      });

      // Host 1 dies mid-trial (kill -9: no goodbye, its lease simply goes stale).
      const killedTrial = await midTrial('fake-host-1');
      others[0]!.child.kill('SIGKILL');
      // Host 2 loses every connection to the server mid-trial (a network cut, a server restart).
      const cutTrial = await midTrial('fake-host-2');
      const [{ cut }] = await server.admin<{ cut: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity WHERE client_addr = $1::inet`, [hosts.clientAddresses[2]]) as [{ cut: number }];
      assert.ok(cut >= 1, 'host 2 had connections to cut');

      const [a, b, c] = await Promise.all([first.exited, others[0]!.exited, others[1]!.exited]);
      clearInterval(sampling);
      assert.deepEqual(a, { code: 0, signal: null }, `host 0 failed: ${first.err()}`);
      assert.equal(b.signal, 'SIGKILL');
      assert.deepEqual(c, { code: 0, signal: null }, `host 2 did not survive its cut connection: ${others[1]!.err()}`);

      const final = (await watch.getStudy(STUDY))!;
      const trials = await watch.getTrials(study.id);
      const workers = await watch.getWorkers(study.id);
      const figures = checkInvariants(trials, workers, final.state);
      const killed = trials.find((x) => x.id === killedTrial.id)!;
      assert.equal(killed.state, 'interrupted', 'the killed host\'s trial was taken for dead');
      const redo = trials.find((x) => x.attributes?.['redoOf'] === killed.number)!;
      assert.ok(redo, 'and redone');
      assert.notEqual(workers.find((w) => w.id === redo.owner)!.host, 'fake-host-1', 'by a surviving host');
      const afterCut = trials.find((x) => x.id === cutTrial.id)!;
      assert.ok(['completed', 'pruned', 'failed'].includes(afterCut.state) || trials.some((x) => x.attributes?.['redoOf'] === afterCut.number),
        'the cut-off host finished its trial, or it was redone');
      t.diagnostic(`3 hosts, ${MAX_TRIALS}-trial budget: ${trials.length} trials (${figures.interrupted} interrupted and redone), lost ${figures.lost}, duplicated ${figures.duplicated}; `
        + `trials finished per host ${JSON.stringify(figures.perHost)}; the cut closed ${cut} connection(s) of host 2, which carried on (trial ${cutTrial.number}: ${afterCut.state}); `
        + `peak ${peak} connections from the workers; ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    } finally {
      clearInterval(sampling);
      await watch.close();
    }
  });
});

/** The after-run invariants of issue 13 for a study run by the real CLI on several hosts. */
function checkInvariants(trials: Trial[], workers: WorkerInfo[], studyState: string) {
  assert.equal(studyState, 'finished');
  assert.deepEqual(trials.map((x) => x.number), trials.map((_, i) => i), 'trial numbers are dense and unique');
  assert.deepEqual(trials.filter((x) => x.state === 'running' || x.state === 'waiting').map((x) => x.number), [], 'nothing left running or waiting');
  const counted = (x: Trial) => ['completed', 'pruned', 'failed'].includes(x.state);
  assert.equal(trials.filter(counted).length, MAX_TRIALS, 'counted trials equal the budget');
  const byNumber = new Map(trials.map((x) => [x.number, x]));
  const rootOf = (x: Trial): Trial => (x.attributes?.['redoOf'] === undefined ? x : rootOf(byNumber.get(x.attributes['redoOf'] as number)!));
  const chains = new Map<number, Trial[]>();
  for (const x of trials) chains.set(rootOf(x).number, [...(chains.get(rootOf(x).number) ?? []), x]);
  let lost = 0;
  let duplicated = 0;
  for (const [root, chain] of chains) {
    const done = chain.filter(counted);
    if (done.length === 0) lost++;
    if (done.length > 1) duplicated++;
    assert.ok(chain.slice(0, -1).every((x) => x.state === 'interrupted'), `chain of trial ${root}: ${chain.map((x) => x.state)}`);
    chain.forEach((x, i) => {
      assert.deepEqual([x.sample, x.seed, x.attempt], [chain[0]!.sample, chain[0]!.seed, i + 1], `trial ${x.number} redoes ${root} with its candidate and seed`);
      if (i > 0) assert.ok(chain[i - 1]!.finishedAt! <= x.startedAt, `attempts ${chain[i - 1]!.number} and ${x.number} overlap in time`);
    });
  }
  assert.deepEqual({ lost, duplicated }, { lost: 0, duplicated: 0 });
  assert.ok(trials.every((x) => x.toldAt !== undefined), 'every finished trial was told');
  // Each trial names its worker, hence its host; the backend it reports is that host's.
  const hostOf = new Map(workers.map((w) => [w.id, w.host]));
  const perHost: Record<string, number> = {};
  for (const x of trials.filter(counted)) {
    const host = hostOf.get(x.owner!)!;
    assert.match(host, /^fake-host-[0-2]$/);
    if (x.metrics) assert.equal(x.metrics.backend, `fake@${host}`, `trial ${x.number} ran where it says`);
    perHost[host] = (perHost[host] ?? 0) + 1;
  }
  assert.ok(Object.keys(perHost).length >= 2, 'the survivors shared the work');
  assert.ok(workers.every((w) => w.backend === 'fake'));
  return { lost, duplicated, perHost, interrupted: trials.filter((x) => x.state === 'interrupted').length };
}
