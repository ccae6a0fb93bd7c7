import type { EpochMetrics, Study, StudyDefinitionInput, Trial } from '../../search/index.js';

/** One finished (or partly finished) study of a reproduction, as read back from the store. */
export interface StudyData {
  study: Study;
  trials: Trial[];
  /** Per-epoch curves by trial id. */
  epochs: Map<number, EpochMetrics[]>;
}

/** What a reproduction's table builder returns: markdown tables and a plain verdict. */
export interface ReproductionReport {
  /** Markdown: tables and the numbers behind the verdict. */
  body: string;
  verdict: 'held' | 'did not hold' | 'inconclusive' | 'partly held';
  /** One paragraph: which claim, which numbers. */
  reasoning: string;
}

/**
 * A paper reproduction as data: the claim, the study definitions to run (each stored as one
 * study in the reproductions database) and a table builder over their trials. Registered in
 * `registry.ts`; `npm run reproduce -- <name>` runs it and rewrites its section of docs/results.md.
 */
export interface Reproduction {
  name: string;
  title: string;
  /** The paper's claim being checked, in one or two sentences. */
  claim: string;
  /** Scale choices and deviations from the paper, said plainly in the results. */
  protocol: string;
  studies: { name: string; definition: StudyDefinitionInput }[];
  report(data: StudyData[]): ReproductionReport;
}
