#include "gemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread-pool.h"

#define SPN_MAX_THREADS 16
#define SPN_SCRATCH_SLOTS 4
/* Below this many multiply-adds a GEMM runs on one thread: waking the pool costs more. */
#define SPN_SERIAL_FMAS (64 * 1024)

static const spn_ukernel *active_kernel = NULL;

const spn_ukernel *spn_gemm_kernel(void) {
  if (active_kernel) return active_kernel;
#ifdef SPN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    active_kernel = &spn_ukernel_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    active_kernel = &spn_ukernel_avx2;
  } else
#endif
  {
    active_kernel = &spn_ukernel_generic;
  }
  return active_kernel;
}

int spn_gemm_select(const char *isa) {
  if (strcmp(isa, "generic") == 0) { active_kernel = &spn_ukernel_generic; return 1; }
#ifdef SPN_X86
  __builtin_cpu_init();
  if (strcmp(isa, "avx512") == 0 && __builtin_cpu_supports("avx512f")) {
    active_kernel = &spn_ukernel_avx512;
    return 1;
  }
  if (strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    active_kernel = &spn_ukernel_avx2;
    return 1;
  }
#endif
  return 0;
}

typedef struct { float *p; size_t cap; } scratch_buf;
static scratch_buf scratch[SPN_MAX_THREADS][SPN_SCRATCH_SLOTS];

float *spn_scratch(int thread, int slot, size_t floats) {
  scratch_buf *s = &scratch[thread][slot];
  if (s->cap < floats) {
    free(s->p);
    size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0) {
      fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes of scratch\n", bytes);
      abort();
    }
    s->p = p;
    s->cap = floats;
  }
  return s->p;
}

void spn_epilogue(float *c, ptrdiff_t ldc, int m, int n, const float *bias, int activation,
                  float alpha, const float *prelu) {
  for (int i = 0; i < m; i++) {
    float *row = c + i * ldc;
    if (bias) for (int j = 0; j < n; j++) row[j] += bias[j];
    switch (activation) {
      case SPN_ACT_RELU:
        for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
        break;
      case SPN_ACT_RELU6:
        for (int j = 0; j < n; j++) row[j] = fminf(fmaxf(row[j], 0.f), 6.f);
        break;
      case SPN_ACT_LEAKYRELU:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? alpha * row[j] : row[j];
        break;
      case SPN_ACT_SIGMOID:
        for (int j = 0; j < n; j++) row[j] = 1.f / (1.f + expf(-row[j]));
        break;
      case SPN_ACT_PRELU:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? prelu[j] * row[j] : row[j];
        break;
      case SPN_ACT_ELU:
        for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : expm1f(row[j]);
        break;
      default:
        break;
    }
  }
}

/* Packs rows [0, mc) x cols [0, kc) of A into mr-row panels, k-major, zero-padded. */
static void pack_a(int mc, int kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, int mr,
                   float *dst) {
  for (int i0 = 0; i0 < mc; i0 += mr) {
    const int rows = mc - i0 < mr ? mc - i0 : mr;
    const float *src = a + i0 * rs;
    if (cs == 1) {
      for (int i = 0; i < rows; i++) {
        const float *r = src + i * rs;
        for (int k = 0; k < kc; k++) dst[k * mr + i] = r[k];
      }
      for (int i = rows; i < mr; i++)
        for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.f;
    } else {
      for (int k = 0; k < kc; k++) {
        const float *col = src + k * cs;
        float *d = dst + k * mr;
        for (int i = 0; i < rows; i++) d[i] = col[i * rs];
        for (int i = rows; i < mr; i++) d[i] = 0.f;
      }
    }
    dst += mr * kc;
  }
}

/* Packs rows [0, kc) x cols [0, nc) of B into nr-column panels, k-major, zero-padded. */
static void pack_b(int kc, int nc, const float *b, ptrdiff_t rs, ptrdiff_t cs, int nr,
                   float *dst) {
  for (int j0 = 0; j0 < nc; j0 += nr) {
    const int cols = nc - j0 < nr ? nc - j0 : nr;
    if (cs == 1) {
      for (int k = 0; k < kc; k++) {
        const float *r = b + k * rs + j0;
        float *d = dst + k * nr;
        memcpy(d, r, (size_t)cols * sizeof(float));
        for (int j = cols; j < nr; j++) d[j] = 0.f;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float *col = b + (j0 + j) * cs;
        for (int k = 0; k < kc; k++) dst[k * nr + j] = col[k * rs];
      }
      if (cols < nr)
        for (int k = 0; k < kc; k++)
          for (int j = cols; j < nr; j++) dst[k * nr + j] = 0.f;
    }
    dst += nr * kc;
  }
}

/* One micro-tile of C at (i, j): full tiles go straight to C, ragged edge tiles through a
 * local buffer; the epilogue runs once the last K block has been added. */
static void run_tile(const spn_gemm_args *g, const spn_ukernel *uk, int kc, const float *ap,
                     const float *bp, int i, int j, int rows, int cols, int acc, int last) {
  float tile[12 * 32] __attribute__((aligned(64)));
  float *cp = g->c + (ptrdiff_t)i * g->ldc + j;
  if (rows == uk->mr && cols == uk->nr) {
    uk->kernel(kc, ap, bp, cp, g->ldc, acc);
  } else {
    uk->kernel(kc, ap, bp, tile, uk->nr, 0);
    for (int r = 0; r < rows; r++) {
      float *crow = cp + r * g->ldc;
      const float *trow = tile + r * uk->nr;
      if (acc) for (int c = 0; c < cols; c++) crow[c] += trow[c];
      else for (int c = 0; c < cols; c++) crow[c] = trow[c];
    }
  }
  if (last && (g->bias != NULL || g->activation != SPN_ACT_LINEAR))
    spn_epilogue(cp, g->ldc, rows, cols, g->bias ? g->bias + j : NULL, g->activation,
                 g->alpha, g->prelu ? g->prelu + j : NULL);
}

/* C[m0:m1, n0:n1] of one GEMM on one thread: the five Goto loops around the micro-kernel. */
static void gemm_block(const spn_gemm_args *g, int m0, int m1, int n0, int n1, int thread) {
  const spn_ukernel *uk = spn_gemm_kernel();
  const int mr = uk->mr, nr = uk->nr;
  const int has_epilogue = g->bias != NULL || g->activation != SPN_ACT_LINEAR;
  if (m1 <= m0 || n1 <= n0) return;
  if (g->k == 0) {
    for (int i = m0; i < m1; i++)
      if (!g->accumulate) memset(g->c + i * g->ldc + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    if (has_epilogue)
      spn_epilogue(g->c + m0 * g->ldc + n0, g->ldc, m1 - m0, n1 - n0,
                   g->bias ? g->bias + n0 : NULL, g->activation, g->alpha,
                   g->prelu ? g->prelu + n0 : NULL);
    return;
  }
  const int mc_max = uk->mc, kc_max = uk->kc, nc_max = uk->nc;
  const int nc_alloc = (n1 - n0 < nc_max ? n1 - n0 : nc_max) + nr;
  float *pa = spn_scratch(thread, 0, (size_t)(mc_max + mr) * kc_max);
  float *pb = spn_scratch(thread, 1, (size_t)nc_alloc * kc_max);

  for (int jc = n0; jc < n1; jc += nc_max) {
    const int nc = n1 - jc < nc_max ? n1 - jc : nc_max;
    for (int pc = 0; pc < g->k; pc += kc_max) {
      const int kc = g->k - pc < kc_max ? g->k - pc : kc_max;
      const int acc = g->accumulate || pc > 0;
      const int last = pc + kc >= g->k;
      pack_b(kc, nc, g->b + pc * g->rs_b + jc * g->cs_b, g->rs_b, g->cs_b, nr, pb);
      for (int ic = m0; ic < m1; ic += mc_max) {
        const int mc = m1 - ic < mc_max ? m1 - ic : mc_max;
        pack_a(mc, kc, g->a + ic * g->rs_a + pc * g->cs_a, g->rs_a, g->cs_a, mr, pa);
        for (int jr = 0; jr < nc; jr += nr) {
          const int cols = nc - jr < nr ? nc - jr : nr;
          const float *bp = pb + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += mr) {
            const int rows = mc - ir < mr ? mc - ir : mr;
            const float *ap = pa + (size_t)ir * kc;
            run_tile(g, uk, kc, ap, bp, ic + ir, jc + jr, rows, cols, acc, last);
          }
        }
      }
    }
  }
}

void spn_gemm_serial(const spn_gemm_args *g, int thread) {
  gemm_block(g, 0, g->m, 0, g->n, thread);
}

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
      pack_a(rows, kc, g->a + i0 * g->rs_a + (ptrdiff_t)p * kcm * g->cs_a, g->rs_a, g->cs_a,
             mr, j->pa + (size_t)p * kcm * j->mpad + (size_t)i0 * kc);
    } else {
      const int c0 = t0 * nr, cols = (t1 * nr < g->n ? t1 * nr : g->n) - c0;
      pack_b(kc, cols, g->b + (ptrdiff_t)p * kcm * g->rs_b + c0 * g->cs_b, g->rs_b, g->cs_b,
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
        run_tile(g, uk, kc, ap, bp, it * mr, jt * nr, rows, cols, acc, last);
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
  gemm_block(&part, 0, g->m, 0, g->n, thread);
}

void spn_gemm(const spn_gemm_args *g) {
  const spn_ukernel *uk = spn_gemm_kernel();
  const int threads = spn_pool_threads();
  const double fmas = (double)g->m * g->n * g->k;
  if (threads == 1 || fmas < SPN_SERIAL_FMAS || g->k == 0) {
    gemm_block(g, 0, g->m, 0, g->n, 0);
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
