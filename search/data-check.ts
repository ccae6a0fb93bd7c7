import type { EvaluatorInfo } from './evaluator.js';
import type { Study } from './types.js';
import { SparsenasError } from './errors.js';

/**
 * A worker joining (or resuming) a study must train on exactly the study's data: the same file
 * names with the same sha256 as the study recorded when it started. Hosts can differ in where
 * they keep the files (`--data-dir`), never in what the files hold; a result trained on other
 * data would be ranked against the others as if it were comparable. Studies without recorded
 * checksums (an evaluator that reports none) are not checked.
 */
export function assertSameData(study: Study, info: EvaluatorInfo, host: string): void {
  const want = study.dataChecksums;
  const have = info.dataChecksums;
  if (!want || !Object.keys(want).length) return;
  const problems: string[] = [];
  for (const [file, sum] of Object.entries(want)) {
    const here = have?.[file];
    if (here === undefined) problems.push(`${file} is missing here`);
    else if (here !== sum) problems.push(`${file} has sha256 ${here.slice(0, 12)}… here, ${sum.slice(0, 12)}… in the study`);
  }
  for (const file of Object.keys(have ?? {})) if (!(file in want)) problems.push(`${file} is here but not in the study`);
  if (!problems.length) return;
  throw new SparsenasError('DATA_MISMATCH', `the dataset on this host (${host}) is not the one study "${study.name}" trains on: ${problems.join('; ')}. Every worker must have the same files: copy them from a host that has them (they are checked by sha256), point --data-dir at them, or start a new study for this data`);
}
