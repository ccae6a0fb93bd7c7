// A plugin with a fake evaluator that writes each trial's "weights" into its artifact directory
// and fails that write with ENOSPC while the file `full` (evaluator option) exists, as node's fs
// does on a full disk: CLI tests of the disk-full path (issue 13) without filling a real disk.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin } from '../../cli/define-plugin.js';
import { FakeEvaluator } from './fake-evaluator.js';
import { ArtifactError } from '../../evaluators/errors.js';
import type { EvaluationRequest, Metrics, TrialReporter } from '../../search/index.js';

class FullDiskEvaluator extends FakeEvaluator {
  constructor(private readonly full: string) {
    super();
  }

  override async evaluate(req: EvaluationRequest, reporter: TrialReporter): Promise<Metrics> {
    const metrics = await super.evaluate(req, reporter);
    if (req.artifactDir) {
      try {
        if (existsSync(this.full)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
        mkdirSync(req.artifactDir, { recursive: true });
        writeFileSync(join(req.artifactDir, 'weights.bin'), String(req.seed));
      } catch (err) {
        throw new ArtifactError(req.artifactDir, `could not write trial weights to ${req.artifactDir}: ${(err as Error).message}; check the directory is writable`, { cause: err });
      }
    }
    return metrics;
  }
}

export default definePlugin({
  evaluators: [{
    name: 'full-disk', description: 'test double whose weights hit ENOSPC while a flag file exists',
    create: (o) => new FullDiskEvaluator(String(o['full'])),
  }],
});
