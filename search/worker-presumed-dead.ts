import { SparsenasError } from './errors.js';

/** This worker was presumed dead by another (no heartbeat in time) and its work handed over. */
export class WorkerPresumedDead extends SparsenasError {
  constructor(id: string) {
    super('WORKER_PRESUMED_DEAD', `worker ${id} was presumed dead by another process (no heartbeat within the stale timeout, e.g. this process was paused, or \`resume --force\` took over) and its trial was handed to another worker; this worker stops. Raise --stale-timeout if training blocks the process for long`);
    this.name = 'WorkerPresumedDead';
  }
}
