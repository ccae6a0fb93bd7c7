import { existsSync } from 'node:fs';
import type { Trial, WorkerInfo } from './types.js';
import { trialArtifactDir } from './test-phase.js';

/** Where a trial's saved weights are, as far as this host can tell. */
export interface TrialArtifacts {
  /** A directory here that holds them. */
  dir?: string;
  /** Where its worker saved them, when that is not here (another host, or a directory this host cannot see). */
  savedOn?: { host: string; dir: string; worker: string };
  /** Every directory looked in, for messages. */
  tried: string[];
}

/**
 * Finds a trial's weights: under the roots given (a shared `--artifacts` directory, this
 * host's default) or where its worker recorded saving them (`WorkerInfo.artifacts`, an
 * absolute path on `WorkerInfo.host`: found here when the hosts share it under the same path).
 * When none holds them, `savedOn` names the host and directory that do.
 */
export function locateTrialArtifacts(trial: Trial, workers: readonly WorkerInfo[], roots: readonly (string | undefined)[], exists: (dir: string) => boolean = existsSync): TrialArtifacts {
  const owner = workers.find((w) => w.id === trial.owner);
  const recorded = owner?.artifacts ? trialArtifactDir(owner.artifacts, trial.number) : undefined;
  const tried = [...new Set([...roots.filter((r): r is string => !!r).map((r) => trialArtifactDir(r, trial.number)), ...(recorded ? [recorded] : [])])];
  const dir = tried.find(exists);
  if (dir) return { dir, tried };
  return { tried, ...(owner && recorded ? { savedOn: { host: owner.host, dir: recorded, worker: owner.id } } : {}) };
}

/** Why a trial's weights cannot be used here, naming the host that has them when another one does. */
export function missingArtifacts(trial: Trial, found: TrialArtifacts, here: string): string {
  const s = found.savedOn;
  if (s && s.host !== here) return `its weights were saved on host ${s.host} in ${s.dir} (by worker ${s.worker}), not on this host (${here}); run this on ${s.host}, or copy that directory here and pass --artifacts, or give every worker one --artifacts directory all hosts can read`;
  return `no saved weights in ${found.tried.join(' or ') || 'any artifacts directory'}`;
}
