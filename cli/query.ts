import { SparsenasError, bestTrial, withTestResults } from '../search/index.js';
import type { EpochMetrics, Store, Study, Trial } from '../search/index.js';
import { selectLeaderboard } from './leaderboard/index.js';
import type { LeaderboardEntry, LeaderboardQuery } from './leaderboard/index.js';
import { DEFAULT_DB, openStore } from './api.js';

export interface QueryOptions {
  /** Database file (default ./sparsenas.db) or an open Store (left open by `close`). */
  db?: string | Store;
}

/** A study opened for reading (a SQLite file read-only). Every method returns snapshots; call `close()` when done. */
export interface StudyView {
  readonly study: Study;
  /**
   * Every trial, in trial-number order. Here and in every method below, the best trials measured
   * on the test split after the search (`study.testResults`) show that result as
   * `metrics.testAccuracy` / `testLoss` (see `withTestResults`).
   */
  trials(): Promise<Trial[]>;
  trial(number: number): Promise<Trial | undefined>;
  /** Per-epoch curve of one trial. */
  epochs(number: number): Promise<EpochMetrics[]>;
  /** Filtered, ranked trials, as `sparsenas leaderboard` selects them (default sort: the study's objective). */
  leaderboard(query?: LeaderboardQuery): Promise<LeaderboardEntry[]>;
  /** Best completed trial by the study's first objective. */
  best(): Promise<Trial | undefined>;
  /** The underlying store (closed by `close()` when the view opened it; read-only when the view opened a SQLite file). */
  store: Store;
  close(): Promise<void>;
}

/**
 * Opens a study of an existing database for queries (the most recent study when `name` is
 * undefined). A missing database file is an error, never silently created.
 *
 *   const s = await openStudy('mnist-sparse', { db: 'runs.db' });
 *   const top = await s.leaderboard({ where: 'sparsity>=0.9', top: 5 });
 *   await s.close();
 */
export async function openStudy(name: string | undefined, options: QueryOptions = {}): Promise<StudyView> {
  const store = await openExistingStore(options.db);
  const owned = typeof options.db !== 'object';
  try {
    const study = await findStudy(store, name);
    const trial = async (n: number) => {
      const t = await store.getTrial(study.id, n);
      if (!t) throw new SparsenasError('TRIAL_NOT_FOUND', `study "${study.name}" has no trial ${n}; \`sparsenas leaderboard --study ${study.name} --all\` lists its trials`);
      return t;
    };
    const trials = async () => withTestResults(await store.getTrials(study.id), study.testResults);
    return {
      study,
      store,
      trials,
      trial: async (n) => {
        const t = await store.getTrial(study.id, n);
        return t && withTestResults([t], study.testResults)[0];
      },
      epochs: async (n) => store.getEpochs((await trial(n)).id),
      leaderboard: async (query = {}) => selectLeaderboard(await trials(), query, study.definition.objectives),
      best: async () => bestTrial(await trials(), study.definition.objectives[0]!),
      close: async () => { if (owned) await store.close(); },
    };
  } catch (err) {
    if (owned) await store.close();
    throw err;
  }
}

/** The leaderboard of one study in one call: `await leaderboard('s', { db, top: 5 })`. */
export async function leaderboard(study: string | undefined, query: LeaderboardQuery & QueryOptions = {}): Promise<LeaderboardEntry[]> {
  const view = await openStudy(study, query);
  try {
    return await view.leaderboard(query);
  } finally {
    await view.close();
  }
}

/** Every study of a database, oldest first. */
export async function listStudies(options: QueryOptions = {}): Promise<Study[]> {
  const store = await openExistingStore(options.db);
  try {
    return await store.listStudies();
  } finally {
    if (typeof options.db !== 'object') await store.close();
  }
}

/** The named study, or the most recent one; errors say how to find the right name. */
export async function findStudy(store: Store, name: string | undefined): Promise<Study> {
  if (name) {
    const s = await store.getStudy(name);
    if (!s) throw new SparsenasError('STUDY_NOT_FOUND', `no study "${name}" in this database; \`sparsenas list studies\` shows them`);
    return s;
  }
  const all = await store.listStudies();
  if (!all.length) throw new SparsenasError('STUDY_NOT_FOUND', 'this database holds no study yet; run `sparsenas search` first');
  return all.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
}

/**
 * Like `openStore`, for reading: a database file that does not exist is an error (a typo must not
 * create one), and a SQLite file is opened read-only, so nothing is ever written to it.
 */
export function openExistingStore(db: string | Store = DEFAULT_DB): Promise<Store> {
  return openStore(db, { mustExist: true, readOnly: true });
}
