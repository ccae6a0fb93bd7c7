import type { StudyDefinition, Trial } from '../../search/index.js';
import type { Reproduction, ReproductionReport, StudyData } from './types.js';

export interface RunInfo {
  command: string;
  /** Wall time of this invocation (ms), when it ran trials. */
  wallMs?: number;
  host: string;
}

/** The markdown section of one reproduction: claim, protocol, provenance, tables, verdict. */
export function renderSection(r: Reproduction, data: StudyData[], report: ReproductionReport, info: RunInfo): string {
  const lines: string[] = [`## ${r.title}`, '', `**Claim.** ${r.claim}`, '', `**Protocol.** ${r.protocol}`, '', `**Command:** \`${info.command}\``, ''];
  for (const { study, trials } of data) {
    const d = study.definition as StudyDefinition;
    const finished = trials.filter((t) => t.finishedAt !== undefined);
    const trainMs = finished.reduce((a, t) => a + (t.finishedAt! - t.startedAt), 0);
    const span = finished.length ? Math.max(...finished.map((t) => t.finishedAt!)) - Math.min(...trials.map((t) => t.startedAt)) : 0;
    const counts = new Map<string, number>();
    for (const t of trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    lines.push(
      `- Study \`${study.name}\` (state ${study.state}): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')} trials; strategy \`${d.strategy.name}\` options \`${JSON.stringify(d.strategy.options)}\`.`,
      `- Seeds: study seed ${d.seed}; trial seeds by replicate ${replicateSeeds(trials)}.`,
      `- Dataset: \`${d.dataset.name}\`, subset ${d.dataset.subset ?? 'all'} training images (stratified), validation fraction ${d.dataset.validationFraction}; sha256 ${Object.entries(study.dataChecksums ?? {}).map(([f, h]) => `${f} \`${h.slice(0, 16)}…\``).join(', ') || 'not recorded'}.`,
      `- Training: ${JSON.stringify(d.training)}.`,
      `- Backend: ${study.backend ?? 'unknown'}; machine: ${info.host}.`,
      `- Time: ${minutes(trainMs)} of training over all trials; wall time ${minutes(span)} from the first trial's start to the last one's end.`,
    );
  }
  if (info.wallMs !== undefined) lines.push(`- The invocation that last ran trials took ${minutes(info.wallMs)} (resumed studies count only the part it ran).`);
  lines.push('', report.body, '', `**Verdict: ${report.verdict}.** ${report.reasoning}`);
  return lines.join('\n');
}

function replicateSeeds(trials: readonly Trial[]): string {
  const seeds = new Map<number, number>();
  for (const t of trials) {
    const r = t.attributes?.['replicate'];
    if (typeof r === 'number' && !seeds.has(r)) seeds.set(r, t.seed);
  }
  return [...seeds].sort((a, b) => a[0] - b[0]).map(([r, s]) => `${r}: ${s}`).join(', ') || '—';
}

function minutes(ms: number): string {
  return `${(ms / 60000).toFixed(1)} min`;
}
