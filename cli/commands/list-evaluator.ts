import { resolve } from 'node:path';
import { probeBackends } from '../../evaluators/index.js';
import { listDatasets } from '../../evaluators/data/index.js';
import type { CommandIo } from '../io.js';
import { table } from './list.js';

/**
 * `sparsenas list backends`: the chain in `auto`'s order, one line each: what runs when it
 * works, why not and what to install when it does not.
 */
export async function listBackendsText(_io: CommandIo, flags: Record<string, unknown> = {}): Promise<string> {
  const probes = await probeBackends({ allowSoftwareGpu: flags['allow-software-gpu'] === true });
  const rows = probes.map((p) => [p.backend, p.available ? 'yes' : 'no', p.available ? p.detail : `${p.detail}; to use it: ${p.fix ?? '-'}`]);
  return table([['backend', 'works', 'what runs / why not'], ...rows]) + '--backend auto takes the first that works, from the top.\n';
}

/** `sparsenas list datasets`: every known dataset, whether it is here and where. */
export async function listDatasetsText(io: CommandIo, flags: Record<string, unknown>): Promise<string> {
  const dataDir = typeof flags['data-dir'] === 'string' ? resolve(io.cwd, flags['data-dir']) : undefined;
  const rows = listDatasets({ env: io.env, dataDir }).map((d) => [
    d.name, d.available ? 'yes' : 'no', `[${d.shape.join('x')}] ${d.classes} classes`, d.location ?? `looked in: ${d.searched.join(', ')}`,
  ]);
  return table([['dataset', 'local', 'shape', 'location'], ...rows]);
}
