// Runs paper reproductions and writes their sections of docs/results.md.
//   npm run reproduce -- random-baseline          (or sparse-ift; several names run in turn)
//   node dist/bench/reproduce.js NAME [--db reproductions.db] [--results docs/results.md] [--report-only]
// Each reproduction's studies live in their own database; re-running resumes an unfinished study
// and only re-renders a finished one.
import { cpus, totalmem } from 'node:os';
import { search, resume, openStore } from '../cli/api.js';
import type { EpochMetrics, SearchEvent } from '../search/index.js';
import { REPRODUCTIONS, renderSection, writeSection } from './reproduce/index.js';
import type { Reproduction, StudyData } from './reproduce/index.js';

interface Args { names: string[]; db: string; results: string; reportOnly: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { names: [], db: 'reproductions.db', results: 'docs/results.md', reportOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--db') a.db = argv[++i]!;
    else if (x === '--results') a.results = argv[++i]!;
    else if (x === '--report-only') a.reportOnly = true;
    else if (x.startsWith('--')) throw new Error(`unknown option ${x}; use --db FILE, --results FILE or --report-only`);
    else a.names.push(x);
  }
  return a;
}

/** Runs (or resumes) the unfinished studies; returns whether any trial was run. */
async function runStudies(r: Reproduction, args: Args, signal: AbortSignal): Promise<boolean> {
  let ran = false;
  for (const s of r.studies) {
    const store = await openStore(args.db);
    const existing = await store.getStudy(s.name);
    await store.close();
    if (existing?.state === 'finished') {
      console.log(`[${r.name}] study ${s.name} already finished; re-rendering its results`);
      continue;
    }
    ran = true;
    const run = existing ? resume(s.name, { db: args.db, signal }) : search(s.definition, { study: s.name, db: args.db, signal });
    run.events$.subscribe((e: SearchEvent) => {
      if (e.type === 'trial.finished') {
        const t = e.trial, m = t.metrics;
        const time = t.finishedAt !== undefined ? `${((t.finishedAt - t.startedAt) / 1000).toFixed(1)}s` : '';
        console.log(`[${r.name}] trial ${t.number} ${t.state} ${t.label ?? ''} ${m ? `val ${m.valAccuracy.toFixed(4)}${m.testAccuracy !== undefined ? ` test ${m.testAccuracy.toFixed(4)}` : ''}` : t.error ?? ''} ${time}`);
      } else if (e.type === 'search.log') console.log(`[${r.name}] ${e.level}: ${e.message}`);
    });
    const outcome = await run;
    console.log(`[${r.name}] study ${s.name}: ${outcome.reason}`);
  }
  return ran;
}

async function collect(r: Reproduction, db: string): Promise<StudyData[]> {
  const store = await openStore(db);
  try {
    const out: StudyData[] = [];
    for (const s of r.studies) {
      const study = await store.getStudy(s.name);
      if (!study) continue;
      const trials = await store.getTrials(study.id);
      const epochs = new Map<number, EpochMetrics[]>();
      for (const t of trials) epochs.set(t.id, await store.getEpochs(t.id));
      out.push({ study, trials, epochs });
    }
    return out;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = REPRODUCTIONS.map((r) => r.name);
  if (!args.names.length) throw new Error(`name a reproduction: ${known.join(', ')}`);
  const controller = new AbortController();
  process.once('SIGINT', () => { console.log('stopping after the running trial is recorded as interrupted; re-run to resume'); controller.abort(); });
  for (const name of args.names) {
    const r = REPRODUCTIONS.find((x) => x.name === name);
    if (!r) throw new Error(`unknown reproduction "${name}"; known: ${known.join(', ')}`);
    const started = Date.now();
    const ran = !args.reportOnly && await runStudies(r, args, controller.signal);
    const data = await collect(r, args.db);
    if (!data.length) throw new Error(`no study of ${name} in ${args.db}; run it without --report-only first`);
    const section = renderSection(r, data, r.report(data), {
      command: `npm run reproduce -- ${name}`,
      wallMs: ran ? Date.now() - started : undefined,
      host: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    });
    writeSection(args.results, name, section);
    console.log(`[${name}] wrote its section of ${args.results}`);
    if (controller.signal.aborted) break;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
