import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_FILES, embeddedDirectory } from './embedded.js';
import { KNOWN_DATASETS } from './known-datasets.js';
import { type DataEnvironment, describeOutcome, locate, unconfiguredPlaces } from './locate.js';

/** One line of `sparsenas list datasets`. */
export interface DatasetListing {
  name: string;
  description: string;
  shape: number[];
  classes: number;
  available: boolean;
  /** The directory it would be loaded from, when available. */
  location?: string;
  /** Every place looked at, in search order, with what was found there. */
  searched: string[];
  /** Where it is downloaded from when absent (empty for `embedded`). */
  downloadUrls: string[];
}

export function listDatasets(options: DataEnvironment & { dataDir?: string } = {}): DatasetListing[] {
  const embedded = embeddedDirectory();
  const embeddedHere = Object.values(EMBEDDED_FILES).every((f) => existsSync(join(embedded, f)));
  return [
    {
      name: 'embedded',
      description: 'Fashion-MNIST test release shipped with sparsenas: 10,000 28×28 grey images, 1,000 held out for test, 10 classes',
      shape: [28, 28, 1],
      classes: 10,
      available: embeddedHere,
      ...(embeddedHere ? { location: embedded } : {}),
      searched: [`${embedded} (package data): ${embeddedHere ? 'found' : 'missing'}`],
      downloadUrls: [],
    },
    ...KNOWN_DATASETS.map((known) => {
      const outcomes = locate(known, options.dataDir, options);
      const match = outcomes.find((o) => o.match)?.match;
      return {
        name: known.name,
        description: known.description,
        shape: known.shape.slice(),
        classes: known.classes,
        available: match !== undefined,
        ...(match ? { location: match.dir } : {}),
        searched: [...unconfiguredPlaces(options.dataDir, options), ...outcomes.map(describeOutcome)],
        downloadUrls: known.downloads.map((d) => d.url),
      };
    }),
  ];
}
