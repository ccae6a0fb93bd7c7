import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KnownDataset } from './known-datasets.js';
import { isMatch, type LayoutMatch, matchLayout } from './layouts.js';

/**
 * Where a named dataset is looked for, in order: `--data-dir` (its `<name>/` subdirectory,
 * then the directory itself), `$SPARSENAS_DATA/<name>`, the system datasets directory
 * (`/usr/share/datasets/<name>`, where Debian's `dataset-fashion-mnist` installs), then the
 * user cache (`$XDG_CACHE_HOME/sparsenas/<name>` or `~/.cache/sparsenas/<name>`), which is
 * also where downloads go.
 */
export interface DataEnvironment {
  /** Environment variables (default `process.env`); injected by tests. */
  env?: Record<string, string | undefined>;
  /** Overrides the user cache root. */
  cacheDir?: string;
  /** Overrides `/usr/share/datasets`. */
  systemDir?: string;
}

export const SYSTEM_DATASETS_DIR = '/usr/share/datasets';

export interface SearchPlace {
  dir: string;
  /** Why this place is searched, for messages: `--data-dir`, `$SPARSENAS_DATA`, … */
  via: string;
}

export interface SearchOutcome {
  place: SearchPlace;
  match?: LayoutMatch;
  /** Files missing there, when the directory exists. */
  missing?: string[];
  exists: boolean;
}

export function userCacheDir(environment: DataEnvironment = {}): string {
  if (environment.cacheDir) return environment.cacheDir;
  const env = environment.env ?? process.env;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'sparsenas');
}

export function searchPlaces(name: string, dataDir: string | undefined, environment: DataEnvironment = {}): SearchPlace[] {
  const env = environment.env ?? process.env;
  const places: SearchPlace[] = [];
  if (dataDir) places.push({ dir: join(dataDir, name), via: '--data-dir' }, { dir: dataDir, via: '--data-dir' });
  if (env.SPARSENAS_DATA) places.push({ dir: join(env.SPARSENAS_DATA, name), via: '$SPARSENAS_DATA' });
  const debian = name === 'fashion-mnist' ? ', Debian package dataset-fashion-mnist' : '';
  places.push({ dir: join(environment.systemDir ?? SYSTEM_DATASETS_DIR, name), via: `system datasets${debian}` });
  places.push({ dir: join(userCacheDir(environment), name), via: 'download cache' });
  return places;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Tries every place in order; stops at the first that holds all the files. */
export function locate(known: KnownDataset, dataDir: string | undefined, environment: DataEnvironment = {}): SearchOutcome[] {
  const outcomes: SearchOutcome[] = [];
  for (const place of searchPlaces(known.name, dataDir, environment)) {
    if (!isDir(place.dir)) {
      outcomes.push({ place, exists: false });
      continue;
    }
    const m = matchLayout(place.dir, known.format);
    if (isMatch(m)) {
      outcomes.push({ place, match: m, exists: true });
      break;
    }
    outcomes.push({ place, missing: m.missing, exists: true });
  }
  return outcomes;
}

/** The optional places that were not searched because they are not configured, for messages. */
export function unconfiguredPlaces(dataDir: string | undefined, environment: DataEnvironment = {}): string[] {
  const env = environment.env ?? process.env;
  return [...(dataDir ? [] : ['--data-dir: not given']), ...(env.SPARSENAS_DATA ? [] : ['$SPARSENAS_DATA: not set'])];
}

export function describeOutcome(o: SearchOutcome): string {
  const where = `${o.place.dir} (${o.place.via})`;
  if (o.match) return `${where}: found`;
  if (!o.exists) return `${where}: no such directory`;
  return `${where}: missing ${o.missing!.join(', ')}`;
}
