/* Multithreaded GEMM driver: spn_gemm() in gemm.h. Packs once, then computes blocks of C
 * tiles on the pool; small outputs with a long reduction split K instead. */
#include <string.h>

#include "gemm-internal.h"
#include "gemm.h"
#include "thread-pool.h"

/* Below this many multiply-adds a GEMM runs on one thread: waking the pool costs more. */
#define SPN_SERIAL_FMAS (64 * 1024)

/* The multithreaded path packs all of A and B once (phase 1, parallel over panels), then
 * hands out blocks of C tiles dynamically (phase 2): no packing is repeated, and a thread
 * that the OS deschedules on a busy machine only delays the tasks it has claimed. */
#define SPN_PREPACK_LIMIT (4u << 20) /* floats of packed A + B per call (16 MiB) */

typedef struct {
  const spn_gemm_args *g;
  const spn_ukernel *uk;
  int kblocks, tiles_m, tiles_n;
  size_t mpad, npad;
  float *pa, *pb;
  int pack_a_tasks, pack_b_tasks;
  int task_m, task_n, grid_n;
} mt_job;

static int kc_of(const mt_job *j, int p) {
  const int kc = j->uk->kc;
  return j->g->k - p * kc < kc ? j->g->k - p * kc : kc;
}

static void mt_pack_task(void *ctx, int task, int thread) {
  (void)thread;
  const mt_job *j = ctx;
  const spn_gemm_args *g = j->g;
  const int mr = j->uk->mr, nr = j->uk->nr, kcm = j->uk->kc;
  const int is_a = task < j->pack_a_tasks;
  const int t = is_a ? task : task - j->pack_a_tasks;
  const int tasks = is_a ? j->pack_a_tasks : j->pack_b_tasks;
  const int tiles = is_a ? j->tiles_m : j->tiles_n;
  const int per = (tiles + tasks - 1) / tasks;
  const int t0 = t * per, t1 = t0 + per < tiles ? t0 + per : tiles;
  if (t0 >= t1) return;
  for (int p = 0; p < j->kblocks; p++) {
    const int kc = kc_of(j, p);
    if (is_a) {
      const int i0 = t0 * mr, rows = (t1 * mr < g->m ? t1 * mr : g->m) - i0;
      spn_pack_a(rows, kc, g->a + i0 * g->rs_a + (ptrdiff_t)p * kcm * g->cs_a, g->rs_a, g->cs_a,
             mr, j->pa + (size_t)p * kcm * j->mpad + (size_t)i0 * kc);
    } else {
      const int c0 = t0 * nr, cols = (t1 * nr < g->n ? t1 * nr : g->n) - c0;
      spn_pack_b(kc, cols, g->b + (ptrdiff_t)p * kcm * g->rs_b + c0 * g->cs_b, g->rs_b, g->cs_b,
             nr, j->pb + (size_t)p * kcm * j->npad + (size_t)c0 * kc);
    }
  }
}

static void mt_compute_task(void *ctx, int task, int thread) {
  (void)thread;
  const mt_job *j = ctx;
  const spn_gemm_args *g = j->g;
  const spn_ukernel *uk = j->uk;
  const int mr = uk->mr, nr = uk->nr, kcm = uk->kc;
  const int bi = task / j->grid_n, bj = task % j->grid_n;
  const int i0 = bi * j->task_m, i1 = i0 + j->task_m < j->tiles_m ? i0 + j->task_m : j->tiles_m;
  const int j0 = bj * j->task_n, j1 = j0 + j->task_n < j->tiles_n ? j0 + j->task_n : j->tiles_n;
  for (int p = 0; p < j->kblocks; p++) {
    const int kc = kc_of(j, p);
    const int acc = g->accumulate || p > 0, last = p == j->kblocks - 1;
    const float *pa = j->pa + (size_t)p * kcm * j->mpad;
    const float *pb = j->pb + (size_t)p * kcm * j->npad;
    for (int jt = j0; jt < j1; jt++) {
      const int cols = g->n - jt * nr < nr ? g->n - jt * nr : nr;
      const float *bp = pb + (size_t)jt * nr * kc;
      for (int it = i0; it < i1; it++) {
        const int rows = g->m - it * mr < mr ? g->m - it * mr : mr;
        const float *ap = pa + (size_t)it * mr * kc;
        spn_run_tile(g, uk, kc, ap, bp, it * mr, jt * nr, rows, cols, acc, last);
      }
    }
  }
}

static void gemm_prepacked(const spn_gemm_args *g, const spn_ukernel *uk, int threads) {
  mt_job j = {.g = g, .uk = uk};
  j.kblocks = (g->k + uk->kc - 1) / uk->kc;
  j.tiles_m = (g->m + uk->mr - 1) / uk->mr;
  j.tiles_n = (g->n + uk->nr - 1) / uk->nr;
  j.mpad = (size_t)j.tiles_m * uk->mr;
  j.npad = (size_t)j.tiles_n * uk->nr;
  j.pa = spn_scratch(0, 0, j.mpad * g->k);
  j.pb = spn_scratch(0, 1, j.npad * g->k);
  j.pack_a_tasks = j.tiles_m < threads ? j.tiles_m : threads;
  j.pack_b_tasks = j.tiles_n < threads ? j.tiles_n : threads;
  spn_pool_run(mt_pack_task, &j, j.pack_a_tasks + j.pack_b_tasks);
  /* Blocks of up to 8 x 4 tiles (96 x 128 with AVX-512): A block in L2, B panel in L1;
   * shrink them until there are at least two blocks per thread. */
  j.task_m = j.tiles_m < 8 ? j.tiles_m : 8;
  j.task_n = j.tiles_n < 4 ? j.tiles_n : 4;
  for (;;) {
    const int blocks = ((j.tiles_m + j.task_m - 1) / j.task_m) *
                       ((j.tiles_n + j.task_n - 1) / j.task_n);
    if (blocks >= 2 * threads) break;
    if (j.task_m > 1) j.task_m = (j.task_m + 1) / 2;
    else if (j.task_n > 1) j.task_n = (j.task_n + 1) / 2;
    else break;
  }
  j.grid_n = (j.tiles_n + j.task_n - 1) / j.task_n;
  spn_pool_run(mt_compute_task, &j, ((j.tiles_m + j.task_m - 1) / j.task_m) * j.grid_n);
}

/* Sub-GEMM on C[i0:i0+m, j0:j0+n]: strides make it a view, no copy. */
static spn_gemm_args sub_gemm(const spn_gemm_args *g, int i0, int m, int j0, int n) {
  spn_gemm_args s = *g;
  s.m = m;
  s.n = n;
  s.a = g->a + i0 * g->rs_a;
  s.b = g->b + j0 * g->cs_b;
  s.c = g->c + i0 * g->ldc + j0;
  s.bias = g->bias ? g->bias + j0 : NULL;
  s.prelu = g->prelu ? g->prelu + j0 : NULL;
  return s;
}

typedef struct {
  const spn_gemm_args *g;
  int tasks;
  float **partials;
} splitk_job;

static void splitk_task(void *ctx, int task, int thread) {
  const splitk_job *j = ctx;
  const spn_gemm_args *g = j->g;
  const int per = (g->k + j->tasks - 1) / j->tasks;
  const int k0 = task * per, k1 = k0 + per < g->k ? k0 + per : g->k;
  spn_gemm_args part = *g;
  part.k = k1 > k0 ? k1 - k0 : 0;
  part.a = g->a + k0 * g->cs_a;
  part.b = g->b + k0 * g->rs_b;
  part.c = j->partials[task];
  part.ldc = g->n;
  part.accumulate = 0;
  part.bias = NULL;
  part.activation = SPN_ACT_LINEAR;
  spn_gemm_block(&part, 0, g->m, 0, g->n, thread);
}

void spn_gemm(const spn_gemm_args *g) {
  const spn_ukernel *uk = spn_gemm_kernel();
  const int threads = spn_pool_threads();
  const double fmas = (double)g->m * g->n * g->k;
  if (threads == 1 || fmas < SPN_SERIAL_FMAS || g->k == 0) {
    spn_gemm_block(g, 0, g->m, 0, g->n, 0);
    return;
  }
  const int tiles_m = (g->m + uk->mr - 1) / uk->mr;
  const int tiles_n = (g->n + uk->nr - 1) / uk->nr;
  if (tiles_m * tiles_n < threads && g->k >= 64 * threads) {
    /* Small output, long reduction (e.g. a filter gradient): split K, sum partials. */
    float *partials[SPN_MAX_THREADS];
    const size_t size = (size_t)g->m * g->n;
    for (int t = 0; t < threads; t++) partials[t] = spn_scratch(t, 2, size);
    splitk_job j = {g, threads, partials};
    spn_pool_run(splitk_task, &j, threads);
    for (int i = 0; i < g->m; i++) {
      float *crow = g->c + i * g->ldc;
      for (int jj = 0; jj < g->n; jj++) {
        float s = g->accumulate ? crow[jj] : 0.f;
        for (int t = 0; t < threads; t++) s += partials[t][i * g->n + jj];
        crow[jj] = s;
      }
    }
    if (g->bias || g->activation != SPN_ACT_LINEAR)
      spn_epilogue(g->c, g->ldc, g->m, g->n, g->bias, g->activation, g->alpha, g->prelu);
    return;
  }
  /* Bound the packed copies: split C into column, then row, strips that fit. */
  const size_t half = SPN_PREPACK_LIMIT / 2;
  if ((size_t)g->k * g->n > half && g->n > uk->nr) {
    int step = (int)(half / g->k) / uk->nr * uk->nr;
    if (step < uk->nr) step = uk->nr;
    for (int j0 = 0; j0 < g->n; j0 += step) {
      spn_gemm_args s = sub_gemm(g, 0, g->m, j0, g->n - j0 < step ? g->n - j0 : step);
      spn_gemm(&s);
    }
    return;
  }
  if ((size_t)g->k * g->m > half && g->m > uk->mr) {
    int step = (int)(half / g->k) / uk->mr * uk->mr;
    if (step < uk->mr) step = uk->mr;
    for (int i0 = 0; i0 < g->m; i0 += step) {
      spn_gemm_args s = sub_gemm(g, i0, g->m - i0 < step ? g->m - i0 : step, 0, g->n);
      spn_gemm(&s);
    }
    return;
  }
  gemm_prepacked(g, uk, threads);
}
