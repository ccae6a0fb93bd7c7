#include "thread-pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Idle workers spin this many pause rounds (~0.2-0.5 ms, pause takes 40-140 cycles) before
 * sleeping: a training step calls kernels back to back with tens to hundreds of
 * microseconds of JS in between, and a wake-up through the condition variable costs tens of
 * microseconds; spinning longer would only burn a shared core. */
#define SPN_SPIN_ROUNDS 4000

static int pool_threads = 0;
static pthread_t workers[SPN_MAX_THREADS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static spn_task_fn job_fn;
static void *job_ctx;
static int job_tasks;
/* (generation << 32) | next task index, claimed with one CAS: a worker that wakes late
 * for a finished job sees another generation and cannot claim a task of the next job. */
static _Atomic uint64_t job_claim;
static atomic_int job_done;
static atomic_uint job_generation;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void drain(uint32_t gen, int thread) {
  for (;;) {
    uint64_t v = atomic_load_explicit(&job_claim, memory_order_acquire);
    for (;;) {
      if ((uint32_t)(v >> 32) != gen || (int)(uint32_t)v >= job_tasks) return;
      if (atomic_compare_exchange_weak_explicit(&job_claim, &v, v + 1, memory_order_acq_rel,
                                                memory_order_acquire))
        break;
    }
    job_fn(job_ctx, (int)(uint32_t)v, thread);
    atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
  }
}

static void *worker_main(void *arg) {
  int thread = (int)(long)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned gen;
    int spins = 0;
    while ((gen = atomic_load_explicit(&job_generation, memory_order_acquire)) == seen) {
      if (++spins < SPN_SPIN_ROUNDS) { cpu_relax(); continue; }
      pthread_mutex_lock(&lock);
      while (atomic_load_explicit(&job_generation, memory_order_acquire) == seen)
        pthread_cond_wait(&wake, &lock);
      pthread_mutex_unlock(&lock);
    }
    seen = gen;
    drain(gen, thread);
  }
  return NULL;
}

int spn_pool_init(int threads) {
  if (pool_threads > 0) return pool_threads;
  if (threads <= 0) {
    const char *env = getenv("SPARSENAS_NATIVE_THREADS");
    threads = env ? atoi(env) : 0;
  }
  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (int)n : 1;
  }
  if (threads > SPN_MAX_THREADS) threads = SPN_MAX_THREADS;
  pool_threads = 1;
  for (int i = 1; i < threads; i++) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&workers[i], &attr, worker_main, (void *)(long)i);
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    pool_threads++;
  }
  return pool_threads;
}

int spn_pool_threads(void) { return pool_threads > 0 ? pool_threads : spn_pool_init(0); }

void spn_pool_run(spn_task_fn fn, void *ctx, int ntasks) {
  int threads = spn_pool_threads();
  if (ntasks <= 0) return;
  if (ntasks == 1 || threads == 1) {
    for (int t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  /* Close the previous job's claim word before touching the job fields: a worker still
   * inside drain() for that generation could otherwise compare a stale claim index
   * against the NEW job_tasks, win its CAS (the word is unchanged until the store below),
   * run a task of the new job outside the new claim sequence and bump job_done after the
   * reset, so this call could return while a task still writes its output (segfaults
   * seen under heavy CPU contention). The sentinel index is >= any task count. */
  uint32_t prev = atomic_load_explicit(&job_generation, memory_order_relaxed);
  atomic_store_explicit(&job_claim, ((uint64_t)prev << 32) | 0x7fffffffu, memory_order_seq_cst);
  atomic_thread_fence(memory_order_seq_cst); /* the job fields below are written after it */
  job_fn = fn;
  job_ctx = ctx;
  job_tasks = ntasks;
  atomic_store_explicit(&job_done, 0, memory_order_relaxed);
  pthread_mutex_lock(&lock);
  uint32_t gen = atomic_load_explicit(&job_generation, memory_order_relaxed) + 1;
  atomic_store_explicit(&job_claim, (uint64_t)gen << 32, memory_order_release);
  atomic_store_explicit(&job_generation, gen, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  drain(gen, 0);
  /* Completion counts tasks, not workers: a sleeping or descheduled worker that never
   * claimed a task does not hold the caller. */
  for (int spins = 0; atomic_load_explicit(&job_done, memory_order_acquire) < ntasks; spins++) {
    if (spins < SPN_SPIN_ROUNDS) cpu_relax(); else sched_yield();
  }
}
