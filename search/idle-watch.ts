import type { Store } from './store.js';
import type { Study } from './types.js';
import { FINISHED_STATES } from './types.js';
import { type Liveness, pidAlive } from './worker-identity.js';

/**
 * What an idle worker reads (without the write lock) to decide whether another transaction
 * could change anything. Idle workers that took the lock every poll would starve the busy
 * ones' heartbeats of it. A heartbeat is judged stale here when its value has not changed for
 * `staleAfterMs` of this process's own time, so no clock is compared with another's; the
 * transaction then judges it again on the store's clock.
 */
export class IdleWatch {
  /** Last heartbeat value seen per trial or worker, and when (this process's time) it was first seen. */
  private readonly seen = new Map<string, { value: number; since: number }>();

  constructor(private readonly store: Store, private readonly study: Study, private readonly liveness: Liveness, private readonly clock: () => number = () => performance.now()) {}

  async worthATransaction(): Promise<boolean> {
    const study = await this.store.getStudy(this.study.name);
    if (!study || study.state !== 'running') return true;
    const [trials, workers] = [await this.store.getTrials(this.study.id), await this.store.getWorkers(this.study.id)];
    const running = trials.filter((t) => t.state === 'running');
    if (!running.length) return true;
    if (trials.some((t) => (t.state === 'waiting') || (FINISHED_STATES.includes(t.state) && t.toldAt === undefined))) return true;
    const byId = new Map(workers.map((w) => [w.id, w]));
    const gone = (id: string | undefined) => {
      const w = id === undefined ? undefined : byId.get(id);
      if (!w) return false;
      if (w.endedAt !== undefined) return true;
      if ((this.liveness.checkPids ?? true) && w.machine === this.liveness.machine && !(this.liveness.alive ?? pidAlive)(w.pid)) return true;
      return this.stale(`w:${w.id}`, w.heartbeatAt);
    };
    if (study.tester !== undefined && gone(study.tester)) return true;
    return running.some((t) => gone(t.owner) || this.stale(`t:${t.id}`, t.heartbeatAt ?? t.startedAt));
  }

  private stale(key: string, value: number): boolean {
    const now = this.clock();
    const last = this.seen.get(key);
    if (!last || last.value !== value) {
      this.seen.set(key, { value, since: now });
      return false;
    }
    return now - last.since >= this.liveness.staleAfterMs;
  }
}
