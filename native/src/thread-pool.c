#include "thread-pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Bounded spinning, then sleep (workers and the caller alike). A training step calls
 * kernels back to back with tens of microseconds of JS in between, and a wake-up through a
 * condition variable costs tens of microseconds, so a short spin pays; past it every thread
 * sleeps on a condition variable, so an oversubscribed machine (many processes on few cores)
 * gets its CPU back instead of having it burnt by idle pools. `pause` takes 40-140 cycles:
 * 4000 rounds are ~0.1-0.3 ms. */
#define SPN_SPIN_ROUNDS 4000

/* A job whose caller waited longer than this for a task that a worker had claimed means that
 * worker was descheduled (busy machine): the next jobs run on the calling thread alone, the
 * count doubling after each such job, up to SPN_SERIAL_MAX, and dropping back to 0 after a job
 * without a late worker. The tasks are the same whoever runs them, so results do not change. */
#define SPN_LATE_NS 2000000LL
#define SPN_SERIAL_MAX 256

static int pool_threads = 0;
static pthread_t workers[SPN_MAX_THREADS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;   /* workers wait for a job */
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;   /* the caller waits for the last task */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;   /* spn_pool_wait_idle waits for sleepers */

static spn_task_fn job_fn;
static void *job_ctx;
static int job_tasks;
/* (generation << 32) | next task index, claimed with one CAS: a worker that wakes late
 * for a finished job sees another generation and cannot claim a task of the next job. */
static _Atomic uint64_t job_claim;
static atomic_int job_done;
static atomic_uint job_generation;

/* Under `lock`. */
static int sleepers;        /* workers waiting on `wake` */
static int caller_waiting;  /* the caller waits on `done` */
static int serial_left;     /* jobs still to run on the caller alone */
static int serial_next = 1; /* length of the next serial stretch */

static _Atomic long long stat_jobs, stat_serial_jobs, stat_worker_sleeps, stat_caller_sleeps,
    stat_late_jobs;
static atomic_int stat_max_worker_spins, stat_max_caller_spins;
/* Test hook: the job run by spn_pool_self_test holds its worker tasks until the caller sleeps. */
static atomic_int caller_asleep;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void note_max(atomic_int *slot, int v) {
  int cur = atomic_load_explicit(slot, memory_order_relaxed);
  while (v > cur && !atomic_compare_exchange_weak_explicit(slot, &cur, v, memory_order_relaxed,
                                                           memory_order_relaxed)) {
  }
}

static void drain(uint32_t gen, int thread) {
  for (;;) {
    uint64_t v = atomic_load_explicit(&job_claim, memory_order_acquire);
    int tasks;
    for (;;) {
      tasks = job_tasks;
      if ((uint32_t)(v >> 32) != gen || (int)(uint32_t)v >= tasks) return;
      if (atomic_compare_exchange_weak_explicit(&job_claim, &v, v + 1, memory_order_acq_rel,
                                                memory_order_acquire))
        break;
    }
    job_fn(job_ctx, (int)(uint32_t)v, thread);
    /* job_tasks cannot change before this increment completes the job. */
    const int finished = atomic_fetch_add_explicit(&job_done, 1, memory_order_acq_rel) + 1;
    if (finished == tasks && thread != 0) {
      pthread_mutex_lock(&lock);
      if (caller_waiting) pthread_cond_signal(&done);
      pthread_mutex_unlock(&lock);
    }
  }
}

static void *worker_main(void *arg) {
  int thread = (int)(long)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned gen;
    int spins = 0;
    while ((gen = atomic_load_explicit(&job_generation, memory_order_acquire)) == seen) {
      if (spins < SPN_SPIN_ROUNDS) { spins++; cpu_relax(); continue; }
      note_max(&stat_max_worker_spins, spins);
      pthread_mutex_lock(&lock);
      while (atomic_load_explicit(&job_generation, memory_order_acquire) == seen) {
        sleepers++;
        atomic_fetch_add_explicit(&stat_worker_sleeps, 1, memory_order_relaxed);
        pthread_cond_broadcast(&idle);
        pthread_cond_wait(&wake, &lock);
        sleepers--;
      }
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

static void run_inline(spn_task_fn fn, void *ctx, int ntasks) {
  for (int t = 0; t < ntasks; t++) fn(ctx, t, 0);
}

void spn_pool_run(spn_task_fn fn, void *ctx, int ntasks) {
  int threads = spn_pool_threads();
  if (ntasks <= 0) return;
  atomic_fetch_add_explicit(&stat_jobs, 1, memory_order_relaxed);
  if (ntasks == 1 || threads == 1) {
    run_inline(fn, ctx, ntasks);
    return;
  }
  pthread_mutex_lock(&lock);
  const int serial = serial_left > 0;
  if (serial) serial_left--;
  pthread_mutex_unlock(&lock);
  if (serial) {
    atomic_fetch_add_explicit(&stat_serial_jobs, 1, memory_order_relaxed);
    run_inline(fn, ctx, ntasks);
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
  uint32_t gen = prev + 1;
  atomic_store_explicit(&job_claim, (uint64_t)gen << 32, memory_order_release);
  atomic_store_explicit(&job_generation, gen, memory_order_release);
  if (sleepers > 0) pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  drain(gen, 0);
  /* Completion counts tasks, not workers: a sleeping or descheduled worker that never
   * claimed a task does not hold the caller. The caller spins briefly, then sleeps until
   * the worker that finishes the last task signals it. */
  int spins = 0;
  while (atomic_load_explicit(&job_done, memory_order_acquire) < ntasks) {
    if (spins < SPN_SPIN_ROUNDS) { spins++; cpu_relax(); continue; }
    note_max(&stat_max_caller_spins, spins);
    const long long t0 = now_ns();
    pthread_mutex_lock(&lock);
    caller_waiting = 1;
    atomic_store_explicit(&caller_asleep, 1, memory_order_release);
    while (atomic_load_explicit(&job_done, memory_order_acquire) < ntasks)
      pthread_cond_wait(&done, &lock);
    caller_waiting = 0;
    atomic_store_explicit(&caller_asleep, 0, memory_order_release);
    const int late = now_ns() - t0 > SPN_LATE_NS;
    if (late) {
      serial_left = serial_next;
      if (serial_next < SPN_SERIAL_MAX) serial_next *= 2;
    }
    pthread_mutex_unlock(&lock);
    atomic_fetch_add_explicit(&stat_caller_sleeps, 1, memory_order_relaxed);
    if (late) atomic_fetch_add_explicit(&stat_late_jobs, 1, memory_order_relaxed);
    return;
  }
  pthread_mutex_lock(&lock);
  serial_next = 1;
  pthread_mutex_unlock(&lock);
}

void spn_pool_stats(spn_pool_stats_t *s) {
  s->threads = spn_pool_threads();
  s->jobs = atomic_load(&stat_jobs);
  s->serial_jobs = atomic_load(&stat_serial_jobs);
  s->late_jobs = atomic_load(&stat_late_jobs);
  s->worker_sleeps = atomic_load(&stat_worker_sleeps);
  s->caller_sleeps = atomic_load(&stat_caller_sleeps);
  s->max_worker_spins = atomic_load(&stat_max_worker_spins);
  s->max_caller_spins = atomic_load(&stat_max_caller_spins);
  s->spin_limit = SPN_SPIN_ROUNDS;
  pthread_mutex_lock(&lock);
  s->sleeping = sleepers;
  pthread_mutex_unlock(&lock);
}

int spn_pool_wait_idle(int timeout_ms) {
  const int want = spn_pool_threads() - 1;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
  pthread_mutex_lock(&lock);
  while (sleepers < want)
    if (pthread_cond_timedwait(&idle, &lock, &until) != 0) break;
  const int n = sleepers;
  pthread_mutex_unlock(&lock);
  return n;
}

/* Self-test job: task 0 (the caller's first claim) waits until a worker has claimed a task;
 * a worker's task holds until the caller is asleep waiting for it. Deadlines keep a broken
 * pool from hanging the test: it then fails on the counters instead. */
static atomic_int self_claimed;
static void self_task(void *ctx, int task, int thread) {
  (void)task;
  const long long deadline = *(const long long *)ctx;
  struct timespec nap = {0, 200000};
  if (thread == 0) {
    while (!atomic_load(&self_claimed) && now_ns() < deadline) nanosleep(&nap, NULL);
  } else {
    atomic_store(&self_claimed, 1);
    while (!atomic_load(&caller_asleep) && now_ns() < deadline) nanosleep(&nap, NULL);
  }
}

void spn_pool_self_test(int timeout_ms, int serial_after) {
  const int threads = spn_pool_threads();
  long long deadline = now_ns() + (long long)timeout_ms * 1000000LL;
  atomic_store(&self_claimed, 0);
  pthread_mutex_lock(&lock);
  serial_left = 0;
  pthread_mutex_unlock(&lock);
  spn_pool_run(self_task, &deadline, threads);
  pthread_mutex_lock(&lock);
  /* The held job was slow on purpose, not a sign of a busy machine; serial_after lets a test
   * run the next jobs on the caller alone, as after a late worker. */
  serial_left = serial_after > 0 ? serial_after : 0;
  serial_next = 1;
  pthread_mutex_unlock(&lock);
}
