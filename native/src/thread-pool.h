/* A small persistent thread pool: the calling thread plus (threads - 1) workers run the
 * tasks 0..ntasks-1 of one job, then the call returns. Jobs are synchronous because every
 * caller is a synchronous N-API function blocking the JS thread. Idle threads spin a bounded
 * number of rounds, then sleep (see thread-pool.c). */
#ifndef SPN_THREAD_POOL_H
#define SPN_THREAD_POOL_H

/* Upper bound of the pool size; per-thread scratch is sized by it. */
#define SPN_MAX_THREADS 16

typedef void (*spn_task_fn)(void *ctx, int task, int thread);

/* Starts the workers once; `threads` <= 0 picks the online CPU count (capped at 16) or
 * the SPARSENAS_NATIVE_THREADS environment variable. Returns the thread count. */
int spn_pool_init(int threads);
int spn_pool_threads(void);
/* Runs fn(ctx, task, thread) for every task; `thread` is in [0, spn_pool_threads()) and
 * identifies per-thread scratch. ntasks == 1 runs inline with thread 0. Which thread runs
 * which task varies; the tasks do not, so results do not depend on it. */
void spn_pool_run(spn_task_fn fn, void *ctx, int ntasks);

typedef struct {
  int threads, sleeping, spin_limit, max_worker_spins, max_caller_spins;
  long long jobs, serial_jobs, late_jobs, worker_sleeps, caller_sleeps;
} spn_pool_stats_t;
/* Counters since start: jobs run, jobs run on the caller alone after a late worker, workers'
 * and the caller's sleeps, the most spin rounds any wait took before sleeping. */
void spn_pool_stats(spn_pool_stats_t *s);
/* Blocks until every worker sleeps or timeout_ms passes; returns the sleeping workers. */
int spn_pool_wait_idle(int timeout_ms);
/* Runs one job in which a worker holds its task until the caller sleeps waiting for it
 * (test of the caller's back-off); deadlines bound it at timeout_ms. Then the next
 * `serial_after` jobs run on the caller alone, as after a late worker. */
void spn_pool_self_test(int timeout_ms, int serial_after);

#endif
