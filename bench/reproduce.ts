// Runs paper reproductions and writes their sections of docs/results.md.
//   npm run reproduce -- NAME [--seed N] [--replicates R] [--dataset NAME|PATH] [--subset N] [--epochs N] [--focus-replicates N] [--quick] [--full] [--seeds S]
//   node dist/bench/reproduce.js NAME [--db reproductions.db] [--results docs/results.md] [--report-only]
// Every replicate is its own study under a seed derived from the study seed and the replicate
// index (own training subset, validation split and trial seed); stored names carry a hash of the
// parameters, so re-running resumes an unfinished replicate and only re-renders finished ones.
// A reproduction whose deciding comparison needs more replicates than the rest (random-baseline:
// s = 0.9) runs its focus studies alone for replicates past --replicates, up to --focus-replicates.
import { REPRODUCTIONS, parseReproduceArgs, runReproduction } from './reproduce/index.js';

async function main(): Promise<void> {
  const args = parseReproduceArgs(process.argv.slice(2), REPRODUCTIONS.map((r) => r.name));
  const controller = new AbortController();
  process.once('SIGINT', () => { console.log('stopping after the running trial is recorded as interrupted; re-run to resume'); controller.abort(); });
  for (const name of args.names) {
    const r = REPRODUCTIONS.find((x) => x.name === name)!;
    const started = Date.now();
    const runs = await runReproduction(r, args, { signal: controller.signal });
    for (const run of runs) console.log(`[${name}] study seed ${run.seed}: ${run.report.verdict} — ${run.report.reasoning}`);
    console.log(`[${name}] wrote its section of ${args.results} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
    if (controller.signal.aborted) break;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
