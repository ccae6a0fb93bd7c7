/* A small persistent thread pool: the calling thread plus (threads - 1) workers run the
 * tasks 0..ntasks-1 of one job, then the call returns. Jobs are synchronous because every
 * caller is a synchronous N-API function blocking the JS thread. */
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
 * identifies per-thread scratch. ntasks == 1 runs inline with thread 0. */
void spn_pool_run(spn_task_fn fn, void *ctx, int ntasks);

#endif
