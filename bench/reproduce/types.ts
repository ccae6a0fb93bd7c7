import type { EpochMetrics, Study, StudyDefinitionInput, Trial } from '../../search/index.js';
import type { ClaimVerdict } from './inference.js';

/** One study of a reproduction (all its replicates merged), as read back from the store. */
export interface StudyData {
  study: Study;
  /** Trials of every replicate; `attributes.replicate` is the replicate index. */
  trials: Trial[];
  /** Per-epoch curves by trial id. */
  epochs: Map<number, EpochMetrics[]>;
  /** The replicate studies behind this one (one per replicate: its own subset, split and trial seed). */
  replicates?: { index: number; study: Study }[];
}

/** One claim's verdict, for the robustness table across study seeds. */
export interface ClaimResult {
  claim: string;
  verdict: ClaimVerdict;
}

/** What a reproduction's table builder returns: markdown tables and a plain verdict. */
export interface ReproductionReport {
  /** Markdown: tables and the numbers behind the verdict. */
  body: string;
  verdict: 'held' | 'did not hold' | 'inconclusive' | 'inconclusive at this n' | 'partly held';
  /** One paragraph: which claim, which numbers. */
  reasoning: string;
  /** Per-claim verdicts (compared across study seeds). */
  claims?: ClaimResult[];
}

/** The parameters of one run of a reproduction (from the command line, else its defaults). */
export interface ReproParams {
  /** Study seed: replicate r's study seed is deriveSeed(seed, 'reproduce-replicate', r). */
  seed: number;
  replicates: number;
  dataset: string;
  /** Training images drawn per replicate; undefined: the reproduction's own default. */
  subset?: number;
  /** Training epochs; undefined: the reproduction's own default. */
  epochs?: number;
  /** `--quick` was given (a reproduction may drop its costliest part; it says so in its sizing). */
  quick?: boolean;
  /** `--full` was given: the reproduction also runs what its default leaves out for cost (its `fullPart`). */
  full?: boolean;
  /**
   * Replicates of the reproduction's deciding comparison (its `focus`) when that needs more than the
   * rest: replicates `replicates` … `focusReplicates − 1` run only its `focus.studies`. Undefined, or
   * not above `replicates`: none beyond `replicates`.
   */
  focusReplicates?: number;
}

/** A study of one replicate: `seeds: 1` in the strategy; the harness sets the seed and the name. */
export interface StudySpec { name: string; definition: StudyDefinitionInput }

/**
 * A paper reproduction as data: the claim, the study definitions of one replicate (the harness
 * runs each once per replicate, each replicate under its own derived seed, hence its own training
 * subset, validation split and trial seed) and a table builder over their trials. Registered in
 * `registry.ts`; `npm run reproduce -- <name>` runs it and rewrites its section of docs/results.md.
 */
export interface Reproduction {
  name: string;
  title: string;
  /** The paper's claim being checked, in one or two sentences. */
  claim: string;
  /** Scale choices and deviations from the paper, said plainly in the results. */
  protocol(p: ReproParams): string;
  /** Defaults of `npm run reproduce -- NAME` (seed, replicates, dataset, and focusReplicates where it has a focus). */
  defaults: Pick<ReproParams, 'seed' | 'replicates' | 'dataset' | 'focusReplicates'>;
  /** `--quick`: a smoke run under 15 minutes on an idle 2-core machine. */
  quick: Partial<ReproParams>;
  /** What `--full` adds to the default (left out of it for cost, with that cost); absent: `--full` is refused. */
  fullPart?: string;
  /** Why the default has the size it has: the effect it must detect, the sd, the replicates. */
  sizing: string;
  studies(p: ReproParams): StudySpec[];
  /**
   * The comparison that needs more replicates than the rest (e.g. "s = 0.9"), and the studies its
   * extra replicates run: the same names as in `studies`, so the report reads them merged with the
   * first `replicates` replicates. Absent: every replicate runs `studies`.
   */
  focus?: { label: string; studies(p: ReproParams): StudySpec[] };
  report(data: StudyData[], p: ReproParams): ReproductionReport;
}
