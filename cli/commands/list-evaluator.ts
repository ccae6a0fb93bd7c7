import { resolve } from 'node:path';
import { probeBackends } from '../../evaluators/index.js';
import { listDatasets } from '../../evaluators/data/index.js';
import type { CommandIo } from '../io.js';
import { table } from './list.js';

/** `sparsenas list backends`: every backend, whether it works here, and why not. */
export async function listBackendsText(): Promise<string> {
  const probes = await probeBackends();
  return table([['backend', 'works', 'detail'], ...probes.map((p) => [p.backend, p.available ? 'yes' : 'no', p.available ? p.detail : `${p.detail}; fix: ${p.fix ?? '-'}`])]);
}

/** `sparsenas list datasets`: every known dataset, whether it is here and where. */
export async function listDatasetsText(io: CommandIo, flags: Record<string, unknown>): Promise<string> {
  const dataDir = typeof flags['data-dir'] === 'string' ? resolve(io.cwd, flags['data-dir']) : undefined;
  const rows = listDatasets({ env: io.env, dataDir }).map((d) => [
    d.name, d.available ? 'yes' : 'no', `[${d.shape.join('x')}] ${d.classes} classes`, d.location ?? `looked in: ${d.searched.join(', ')}`,
  ]);
  return table([['dataset', 'local', 'shape', 'location'], ...rows]);
}
