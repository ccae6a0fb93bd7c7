/* N:M dense-layer kernels (nm-dense.h).
 *
 * Layout: a task owns a tile of bt batch rows (bt = 16, 32 or 64, zero-padded) and transposes
 * its inputs into [rows x bt] so every inner loop runs over the tile, contiguous, with the
 * accumulators in registers. The N:M structure gives locality the general CSR kernel lacks:
 * the kept inputs of every output in a group of m lie in the same m rows, so the tile is
 * swept in chunks of groups whose rows fit in L1 and all outputs take their weights of that
 * chunk before the next (forward: partial sums per output kept in an [out x bt] block;
 * input gradient: the chunk's rows of dx are the accumulators). Every sum runs over the
 * kept weights in ascending order, whatever the thread count. */
#include "nm-dense.h"

/* GCC turns the packer's short copy loops (n values per output and group) into memcpy calls,
 * which cost more than the copies (measured: 14% of a 1024x1024 pack + forward + dX). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "thread-pool.h"

#ifdef SPN_X86
#define SPN_TARGET(t) __attribute__((target(t)))
#else
#define SPN_TARGET(t)
#endif

/* Below this many multiply-adds a call runs its tiles on the calling thread only (a pool
 * run can wait on a descheduled worker; sparse-dense.c measured the same threshold). */
#define SPN_NM_SERIAL_FMAS (256 * 1024)
/* Floats of the transposed rows one chunk of groups may take (16 KiB: half of L1d). */
#define SPN_NM_CHUNK_FLOATS 4096

int spn_nm_kept(int in, int n, int m) {
  const int r = in % m;
  return (in / m) * n + (r > 0 ? (n * r + m - 1) / m : 0);
}

/* ---- per-thread buffers, grow-only ---- */

static struct { float *p; size_t cap; } bufs[SPN_MAX_THREADS][2];

static float *buffer(int thread, int slot, size_t floats) {
  if (bufs[thread][slot].cap < floats) {
    const size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes);
    if (p == NULL) {
      fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes for an N:M kernel\n", bytes);
      abort();
    }
    free(bufs[thread][slot].p);
    bufs[thread][slot].p = p;
    bufs[thread][slot].cap = bytes / sizeof(float);
  }
  return bufs[thread][slot].p;
}

size_t spn_nm_bytes(void) {
  size_t total = 0;
  for (int t = 0; t < SPN_MAX_THREADS; t++)
    for (int s = 0; s < 2; s++) total += bufs[t][s].cap * sizeof(float);
  return total;
}

/* ---- packing ---- */

/* GCC vector extensions: 16 floats, compiled to one zmm, two ymm or four xmm per operation
 * under each function's target; unaligned loads and stores through memcpy. */
typedef float v16 __attribute__((vector_size(64)));
#define V16_LOAD(p) ({ v16 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define V16_STORE(p, v) do { v16 s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)


typedef int32_t v16i __attribute__((vector_size(64)));

/* One group of `size` inputs from i0, outputs [o0, o0 + lanes): ranks are computed 16 outputs
 * at a time (the group's rows of W are contiguous over outputs); kept entries are emitted
 * without branches into a small buffer, then copied. */
static inline __attribute__((always_inline)) void pack_block(spn_nm *p, const float *w, int i0, int size, int keep, int slot0, int o0, int lanes) {
  const int out = p->out, k = p->k;
  v16 a[16], wv[16];
  for (int j = 0; j < size; j++) {
    const float *row = w + (size_t)(i0 + j) * out + o0;
    if (lanes == 16) {
      wv[j] = V16_LOAD(row);
    } else {
      float t[16] = {0};
      memcpy(t, row, (size_t)lanes * sizeof(float));
      wv[j] = V16_LOAD(t);
    }
    /* |w| as a bit operation (fabsf lane by lane) */
    v16i bits;
    memcpy(&bits, &wv[j], sizeof bits);
    bits &= 0x7fffffff;
    memcpy(&a[j], &bits, sizeof bits);
  }
  v16i kept[16];
  for (int j = 0; j < size; j++) {
    /* rank of j: how many beat it (larger, or equal at a lower input), as nm-mask.ts */
    v16i rank = {0};
    for (int i = 0; i < size; i++) rank -= i < j ? (a[i] >= a[j]) : (a[i] > a[j]);
    kept[j] = rank < keep;
  }
  for (int l = 0; l < lanes; l++) {
    int32_t ti[17];
    float tv[17];
    int s = 0;
    for (int j = 0; j < size; j++) {
      ti[s] = i0 + j;
      tv[s] = wv[j][l];
      s += kept[j][l] != 0 && s < keep;
    }
    /* ranks always leave >= keep candidates (a NaN ranks 0, the rest form a permutation);
     * guard anyway, with zero weights at the group's first input */
    for (; s < keep; s++) { ti[s] = i0; tv[s] = 0.f; }
    int32_t *di = p->idx + (size_t)(o0 + l) * k + slot0;
    float *dv = p->val + (size_t)(o0 + l) * k + slot0;
    for (int q = 0; q < keep; q++) { di[q] = ti[q]; dv[q] = tv[q]; }
  }
}

/* Blocks of 16 outputs outermost: each block reads one cache line per row of W and writes
 * its 16 outputs' compressed rows front to back. */
#define NM_PACK(NAME, ATTR)                                                        \
  ATTR static void NAME(spn_nm *p, const float *w) {                               \
    const int in = p->in, out = p->out, n = p->n, m = p->m;                        \
    for (int o0 = 0; o0 < out; o0 += 16) {                                         \
      const int lanes = out - o0 < 16 ? out - o0 : 16;                            \
      for (int i0 = 0, slot0 = 0; i0 < in; i0 += m) {                              \
        const int size = in - i0 < m ? in - i0 : m;                                \
        const int keep = size == m ? n : (n * size + m - 1) / m;                   \
        pack_block(p, w, i0, size, keep, slot0, o0, lanes);                        \
        slot0 += keep;                                                             \
      }                                                                            \
    }                                                                              \
  }

void spn_nm_decay(const spn_nm *p, const float *w, float lambda, float *dw) {
  const int in = p->in, out = p->out, m = p->m, k = p->k;
  for (int o = 0; o < out; o++) {
    const int32_t *idx = p->idx + (size_t)o * k;
    for (int i0 = 0, at = 0; i0 < in; i0 += m) {
      const int size = in - i0 < m ? in - i0 : m;
      unsigned kept = 0;
      while (at < k && idx[at] < i0 + size) kept |= 1u << (idx[at++] - i0);
      for (int j = 0; j < size; j++)
        if (!(kept >> j & 1u)) dw[(size_t)(i0 + j) * out + o] += lambda * w[(size_t)(i0 + j) * out + o];
    }
  }
}

/* ---- row kernels: one output (forward) or one dz row (input gradient) over a k range ---- */

/* acc[0..BT) (+)= sum_{q in [k0,k1)} val[q] * xt[idx[q] * BT + 0..BT) */
#define NM_GATHER(NAME, BT, ATTR)                                                              \
  ATTR static void NAME(const int32_t *idx, const float *val, int k0, int k1, const float *xt, \
                        float *acc_io, int init) {                                            \
    enum { NV = BT / 16 };                                                                    \
    v16 acc[NV];                                                                              \
    for (int u = 0; u < NV; u++) acc[u] = init ? (v16){0} : V16_LOAD(acc_io + 16 * u);        \
    for (int q = k0; q < k1; q++) {                                                           \
      const v16 v = (v16){0} + val[q];                                                        \
      const float *r = xt + (size_t)idx[q] * BT;                                              \
      for (int u = 0; u < NV; u++) acc[u] += v * V16_LOAD(r + 16 * u);                        \
    }                                                                                         \
    for (int u = 0; u < NV; u++) V16_STORE(acc_io + 16 * u, acc[u]);                          \
  }

/* dxt[idx[q] * BT + 0..BT) += val[q] * dz[0..BT) for q in [k0,k1) */
#define NM_SCATTER(NAME, BT, ATTR)                                                             \
  ATTR static void NAME(const int32_t *idx, const float *val, int k0, int k1, const float *dz, \
                        float *dxt) {                                                         \
    enum { NV = BT / 16 };                                                                    \
    v16 d[NV];                                                                                \
    for (int u = 0; u < NV; u++) d[u] = V16_LOAD(dz + 16 * u);                                \
    for (int q = k0; q < k1; q++) {                                                           \
      const v16 v = (v16){0} + val[q];                                                        \
      float *r = dxt + (size_t)idx[q] * BT;                                                   \
      for (int u = 0; u < NV; u++) V16_STORE(r + 16 * u, V16_LOAD(r + 16 * u) + v * d[u]);    \
    }                                                                                         \
  }

typedef void (*nm_gather_fn)(const int32_t *, const float *, int, int, const float *, float *, int);
typedef void (*nm_scatter_fn)(const int32_t *, const float *, int, int, const float *, float *);

#define NM_ISA(SUFFIX, ATTR)                                   \
  NM_PACK(pack_##SUFFIX, ATTR)                                 \
  NM_GATHER(gather16_##SUFFIX, 16, ATTR)                       \
  NM_GATHER(gather32_##SUFFIX, 32, ATTR)                       \
  NM_GATHER(gather64_##SUFFIX, 64, ATTR)                       \
  NM_SCATTER(scatter16_##SUFFIX, 16, ATTR)                     \
  NM_SCATTER(scatter32_##SUFFIX, 32, ATTR)                     \
  NM_SCATTER(scatter64_##SUFFIX, 64, ATTR)

NM_ISA(generic, )
#ifdef SPN_X86
NM_ISA(avx2, SPN_TARGET("avx2,fma"))
NM_ISA(avx512, SPN_TARGET("avx512f,avx512vl,fma"))
#endif

typedef struct {
  const char *isa;
  nm_gather_fn gather[3];   /* bt 16, 32, 64 */
  nm_scatter_fn scatter[3];
  void (*pack)(spn_nm *, const float *);
} nm_isa;

#define NM_TABLE(SUFFIX) {#SUFFIX, {gather16_##SUFFIX, gather32_##SUFFIX, gather64_##SUFFIX}, \
                          {scatter16_##SUFFIX, scatter32_##SUFFIX, scatter64_##SUFFIX}, pack_##SUFFIX}
static const nm_isa isa_generic = NM_TABLE(generic);
#ifdef SPN_X86
static const nm_isa isa_avx2 = NM_TABLE(avx2);
static const nm_isa isa_avx512 = NM_TABLE(avx512);
static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#endif
static const nm_isa *active;

static const nm_isa *isa(void) {
  if (active == NULL) {
    active = &isa_generic;
#ifdef SPN_X86
    if (has_avx512()) active = &isa_avx512;
    else if (has_avx2()) active = &isa_avx2;
#endif
  }
  return active;
}

const char *spn_nm_isa(void) { return isa()->isa; }

int spn_nm_select(const char *name) {
  if (strcmp(name, "generic") == 0) { active = &isa_generic; return 1; }
#ifdef SPN_X86
  if (strcmp(name, "avx2") == 0 && has_avx2()) { active = &isa_avx2; return 1; }
  if (strcmp(name, "avx512") == 0 && has_avx512()) { active = &isa_avx512; return 1; }
#endif
  return 0;
}

void spn_nm_pack(spn_nm *p, const float *w) { isa()->pack(p, w); }

/* ---- tiles ---- */

/* Tiles of the batch: 64 rows, the last one 16, 32 or 64 wide (zero-padded). */
static int tile_count(int batch) { return (batch + 63) / 64; }
static void tile_of(int batch, int t, int *b0, int *rows, int *bt, int *which) {
  *b0 = t * 64;
  *rows = batch - *b0 < 64 ? batch - *b0 : 64;
  *bt = *rows <= 16 ? 16 : *rows <= 32 ? 32 : 64;
  *which = *bt == 16 ? 0 : *bt == 32 ? 1 : 2;
}

/* Groups per chunk: their rows x bt fit SPN_NM_CHUNK_FLOATS (at least one group). */
static int chunk_groups(const spn_nm *p, int bt) {
  const int g = SPN_NM_CHUNK_FLOATS / (bt * p->m);
  return g > 0 ? g : 1;
}

typedef struct {
  const spn_nm *p;
  int batch, activation;
  const float *a, *bias;  /* forward: a = x; input gradient: a = dz */
  float *outp;            /* y or dx */
  nm_gather_fn gather[3];
  nm_scatter_fn scatter[3];
} nm_job;

static void forward_task(void *ctx, int t, int thread) {
  const nm_job *j = ctx;
  const spn_nm *p = j->p;
  const int in = p->in, out = p->out, k = p->k, n = p->n;
  int b0, rows, bt, which;
  tile_of(j->batch, t, &b0, &rows, &bt, &which);
  float *xt = buffer(thread, 0, (size_t)in * bt);
  float *yt = buffer(thread, 1, (size_t)out * bt);
  for (int r = 0; r < bt; r++) {
    if (r < rows) {
      const float *xr = j->a + (size_t)(b0 + r) * in;
      for (int i = 0; i < in; i++) xt[(size_t)i * bt + r] = xr[i];
    } else {
      for (int i = 0; i < in; i++) xt[(size_t)i * bt + r] = 0.f;
    }
  }
  const nm_gather_fn gather = j->gather[which];
  const int groups = (in + p->m - 1) / p->m, step = chunk_groups(p, bt);
  for (int g0 = 0; g0 < groups; g0 += step) {
    const int k0 = g0 * n < k ? g0 * n : k;
    const int k1 = (g0 + step) * n < k ? (g0 + step) * n : k;
    for (int o = 0; o < out; o++)
      gather(p->idx + (size_t)o * k, p->val + (size_t)o * k, k0, k1, xt, yt + (size_t)o * bt, g0 == 0);
  }
  if (groups == 0) memset(yt, 0, (size_t)out * bt * sizeof(float));
  const int relu = j->activation == SPN_ACT_RELU;
  for (int r = 0; r < rows; r++) {
    float *yr = j->outp + (size_t)(b0 + r) * out;
    for (int o = 0; o < out; o++) {
      float v = yt[(size_t)o * bt + r] + (j->bias ? j->bias[o] : 0.f);
      yr[o] = relu && v < 0.f ? 0.f : v;
    }
  }
}

static void grad_input_task(void *ctx, int t, int thread) {
  const nm_job *j = ctx;
  const spn_nm *p = j->p;
  const int in = p->in, out = p->out, k = p->k, n = p->n;
  int b0, rows, bt, which;
  tile_of(j->batch, t, &b0, &rows, &bt, &which);
  float *dxt = buffer(thread, 0, (size_t)in * bt);
  float *dzt = buffer(thread, 1, (size_t)out * bt);
  for (int r = 0; r < bt; r++) {
    if (r < rows) {
      const float *zr = j->a + (size_t)(b0 + r) * out;
      for (int o = 0; o < out; o++) dzt[(size_t)o * bt + r] = zr[o];
    } else {
      for (int o = 0; o < out; o++) dzt[(size_t)o * bt + r] = 0.f;
    }
  }
  memset(dxt, 0, (size_t)in * bt * sizeof(float));
  const nm_scatter_fn scatter = j->scatter[which];
  const int groups = (in + p->m - 1) / p->m, step = chunk_groups(p, bt);
  for (int g0 = 0; g0 < groups; g0 += step) {
    const int k0 = g0 * n < k ? g0 * n : k;
    const int k1 = (g0 + step) * n < k ? (g0 + step) * n : k;
    for (int o = 0; o < out; o++)
      scatter(p->idx + (size_t)o * k, p->val + (size_t)o * k, k0, k1, dzt + (size_t)o * bt, dxt);
  }
  for (int r = 0; r < rows; r++) {
    float *dr = j->outp + (size_t)(b0 + r) * in;
    for (int i = 0; i < in; i++) dr[i] = dxt[(size_t)i * bt + r];
  }
}

static void run_tiles(spn_task_fn fn, nm_job *j) {
  const nm_isa *s = isa();
  memcpy(j->gather, s->gather, sizeof j->gather);
  memcpy(j->scatter, s->scatter, sizeof j->scatter);
  const int tiles = tile_count(j->batch);
  const double fmas = (double)j->batch * j->p->out * j->p->k;
  if (tiles == 1 || fmas < SPN_NM_SERIAL_FMAS || spn_pool_threads() == 1) {
    for (int t = 0; t < tiles; t++) fn(j, t, 0);
  } else {
    spn_pool_run(fn, j, tiles);
  }
}

void spn_nm_forward(const spn_nm *p, int batch, const float *x, const float *bias, int activation, float *y) {
  nm_job j = {.p = p, .batch = batch, .activation = activation, .a = x, .bias = bias, .outp = y};
  run_tiles(forward_task, &j);
}

void spn_nm_grad_input(const spn_nm *p, int batch, const float *dz, float *dx) {
  nm_job j = {.p = p, .batch = batch, .a = dz, .outp = dx};
  run_tiles(grad_input_task, &j);
}
