/* Sparse convolution kernels (sparse-conv.h). Work is split by chunks of images; every output
 * value is computed by one thread in a fixed order and the filter gradient's per-chunk partial
 * sums are added in chunk order, so results do not depend on the thread count. */
#include "sparse-conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bias-rows.h"
#include "gemm.h"
#include "sparse-rows.h"
#include "thread-pool.h"

#ifdef SPN_X86
#include <immintrin.h>
#endif

#define RUP16(n) (((size_t)(n) + 15) & ~(size_t)15)
/* Floats of input rows one position tile may touch: the tile loop keeps them in L1/L2. */
#define SPN_SPCONV_TILE_FLOATS 8192
/* Floats of channel-major buffers per image chunk (input + output grids). */
#define SPN_SPCONV_CHUNK_FLOATS (192 * 1024)

/* ---- grow-only buffers ---- */

typedef struct { void *p; size_t cap; } grow_buf;
static grow_buf thread_bufs[SPN_MAX_THREADS][3];
enum { G_OFF, G_VAL, G_RPTR, G_ROFF, G_RVAL, G_PART, G_COUNT };
static grow_buf global_bufs[G_COUNT];
static size_t held_bytes;

static void *grow(grow_buf *b, size_t bytes) {
  if (bytes == 0) bytes = 64;
  if (b->cap < bytes) {
    const size_t want = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, want);
    if (p == NULL) {
      fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes for a sparse convolution\n", want);
      abort();
    }
    free(b->p);
    held_bytes = held_bytes - b->cap + want;
    b->p = p;
    b->cap = want;
  }
  return b->p;
}

static float *thread_buf(int thread, int slot, size_t floats) {
  return grow(&thread_bufs[thread][slot], floats * sizeof(float));
}

size_t spn_sparse_conv_bytes(void) { return held_bytes; }

/* ---- row kernels ---- */

/* out[0..len) = sum_k vals[k] * base[off[k] + 0..len), len a multiple of 16. */
typedef void (*spmm_off_fn)(const int32_t *off, int n, const float *vals, const float *base,
                            size_t len, float *out);
/* acc[k] += <base[off[k] + 0..len), z[0..len)> for every k, len a multiple of 16. */
typedef void (*sddmm_off_fn)(const int32_t *off, int n, const float *base, const float *z,
                             size_t len, float *acc);

static void spmm_off_generic(const int32_t *off, int n, const float *vals, const float *base,
                             size_t len, float *out) {
  for (size_t b = 0; b < len; b += 16) {
    float acc[16] = {0};
    for (int k = 0; k < n; k++) {
      const float v = vals[k];
      const float *r = base + off[k] + b;
      for (int j = 0; j < 16; j++) acc[j] += v * r[j];
    }
    memcpy(out + b, acc, sizeof acc);
  }
}

static void sddmm_off_generic(const int32_t *off, int n, const float *base, const float *z,
                              size_t len, float *acc) {
  for (int k = 0; k < n; k++) {
    const float *r = base + off[k];
    float s[8] = {0};
    for (size_t b = 0; b < len; b += 8)
      for (int j = 0; j < 8; j++) s[j] += r[b + j] * z[b + j];
    acc[k] += ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  }
}

#ifdef SPN_X86
__attribute__((target("avx2,fma")))
static void spmm_off_avx2(const int32_t *off, int n, const float *vals, const float *base,
                          size_t len, float *out) {
  size_t b = 0;
  for (; b + 64 <= len; b += 64) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = base + off[k] + b;
      const __m256 v = _mm256_broadcast_ss(vals + k);
      a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 8), a1);
      a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 16), a2);
      a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 24), a3);
      a4 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 32), a4);
      a5 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 40), a5);
      a6 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 48), a6);
      a7 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 56), a7);
    }
    _mm256_storeu_ps(out + b, a0);
    _mm256_storeu_ps(out + b + 8, a1);
    _mm256_storeu_ps(out + b + 16, a2);
    _mm256_storeu_ps(out + b + 24, a3);
    _mm256_storeu_ps(out + b + 32, a4);
    _mm256_storeu_ps(out + b + 40, a5);
    _mm256_storeu_ps(out + b + 48, a6);
    _mm256_storeu_ps(out + b + 56, a7);
  }
  for (; b < len; b += 16) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = base + off[k] + b;
      const __m256 v = _mm256_broadcast_ss(vals + k);
      a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 8), a1);
    }
    _mm256_storeu_ps(out + b, a0);
    _mm256_storeu_ps(out + b + 8, a1);
  }
}

__attribute__((target("avx2,fma")))
static inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
static void sddmm_off_avx2(const int32_t *off, int n, const float *base, const float *z,
                           size_t len, float *acc) {
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    const float *r0 = base + off[k], *r1 = base + off[k + 1], *r2 = base + off[k + 2], *r3 = base + off[k + 3];
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (size_t b = 0; b < len; b += 16) {
      const __m256 z0 = _mm256_loadu_ps(z + b), z1 = _mm256_loadu_ps(z + b + 8);
      s0 = _mm256_fmadd_ps(z0, _mm256_loadu_ps(r0 + b), s0);
      s1 = _mm256_fmadd_ps(z0, _mm256_loadu_ps(r1 + b), s1);
      s2 = _mm256_fmadd_ps(z0, _mm256_loadu_ps(r2 + b), s2);
      s3 = _mm256_fmadd_ps(z0, _mm256_loadu_ps(r3 + b), s3);
      t0 = _mm256_fmadd_ps(z1, _mm256_loadu_ps(r0 + b + 8), t0);
      t1 = _mm256_fmadd_ps(z1, _mm256_loadu_ps(r1 + b + 8), t1);
      t2 = _mm256_fmadd_ps(z1, _mm256_loadu_ps(r2 + b + 8), t2);
      t3 = _mm256_fmadd_ps(z1, _mm256_loadu_ps(r3 + b + 8), t3);
    }
    acc[k] += hsum8(_mm256_add_ps(s0, t0));
    acc[k + 1] += hsum8(_mm256_add_ps(s1, t1));
    acc[k + 2] += hsum8(_mm256_add_ps(s2, t2));
    acc[k + 3] += hsum8(_mm256_add_ps(s3, t3));
  }
  for (; k < n; k++) {
    const float *r = base + off[k];
    __m256 s0 = _mm256_setzero_ps(), t0 = s0;
    for (size_t b = 0; b < len; b += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(z + b), _mm256_loadu_ps(r + b), s0);
      t0 = _mm256_fmadd_ps(_mm256_loadu_ps(z + b + 8), _mm256_loadu_ps(r + b + 8), t0);
    }
    acc[k] += hsum8(_mm256_add_ps(s0, t0));
  }
}

__attribute__((target("avx512f,fma")))
static void spmm_off_avx512(const int32_t *off, int n, const float *vals, const float *base,
                            size_t len, float *out) {
  spn_spmm_rows_avx512(off, 1, n, vals, base, len, out);
}

__attribute__((target("avx512f")))
static void sddmm_off_avx512(const int32_t *off, int n, const float *base, const float *z,
                             size_t len, float *acc) {
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    const float *r0 = base + off[k], *r1 = base + off[k + 1], *r2 = base + off[k + 2], *r3 = base + off[k + 3];
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    size_t b = 0;
    for (; b + 32 <= len; b += 32) {
      const __m512 z0 = _mm512_loadu_ps(z + b), z1 = _mm512_loadu_ps(z + b + 16);
      s0 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r0 + b), s0);
      s1 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r1 + b), s1);
      s2 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r2 + b), s2);
      s3 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r3 + b), s3);
      t0 = _mm512_fmadd_ps(z1, _mm512_loadu_ps(r0 + b + 16), t0);
      t1 = _mm512_fmadd_ps(z1, _mm512_loadu_ps(r1 + b + 16), t1);
      t2 = _mm512_fmadd_ps(z1, _mm512_loadu_ps(r2 + b + 16), t2);
      t3 = _mm512_fmadd_ps(z1, _mm512_loadu_ps(r3 + b + 16), t3);
    }
    if (b < len) {
      const __m512 z0 = _mm512_loadu_ps(z + b);
      s0 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r0 + b), s0);
      s1 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r1 + b), s1);
      s2 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r2 + b), s2);
      s3 = _mm512_fmadd_ps(z0, _mm512_loadu_ps(r3 + b), s3);
    }
    acc[k] += _mm512_reduce_add_ps(_mm512_add_ps(s0, t0));
    acc[k + 1] += _mm512_reduce_add_ps(_mm512_add_ps(s1, t1));
    acc[k + 2] += _mm512_reduce_add_ps(_mm512_add_ps(s2, t2));
    acc[k + 3] += _mm512_reduce_add_ps(_mm512_add_ps(s3, t3));
  }
  for (; k < n; k++) {
    const float *r = base + off[k];
    __m512 s0 = _mm512_setzero_ps();
    for (size_t b = 0; b < len; b += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(z + b), _mm512_loadu_ps(r + b), s0);
    acc[k] += _mm512_reduce_add_ps(s0);
  }
}
#endif

/* ---- dispatch ---- */

typedef struct { const char *isa; spmm_off_fn spmm; sddmm_off_fn sddmm; } conv_isa;
static const conv_isa isa_generic = {"generic", spmm_off_generic, sddmm_off_generic};
#ifdef SPN_X86
static const conv_isa isa_avx2 = {"avx2", spmm_off_avx2, sddmm_off_avx2};
static const conv_isa isa_avx512 = {"avx512", spmm_off_avx512, sddmm_off_avx512};
static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx512(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#endif
static const conv_isa *active;

static const conv_isa *isa(void) {
  if (active == NULL) {
    active = &isa_generic;
#ifdef SPN_X86
    if (has_avx512()) active = &isa_avx512;
    else if (has_avx2()) active = &isa_avx2;
#endif
  }
  return active;
}

const char *spn_sparse_conv_isa(void) { return isa()->isa; }

int spn_sparse_conv_select(const char *name) {
  if (strcmp(name, "generic") == 0) { active = &isa_generic; return 1; }
#ifdef SPN_X86
  if (strcmp(name, "avx2") == 0 && has_avx2()) { active = &isa_avx2; return 1; }
  if (strcmp(name, "avx512") == 0 && has_avx512()) { active = &isa_avx512; return 1; }
#endif
  return 0;
}

/* ---- the grid ---- */

typedef struct {
  const spn_sparse_conv *s;
  int ph;            /* pixel phases: stride_h * stride_w */
  int hq, wq, S;     /* per-image grid and its size */
  int maxshift;      /* largest tap shift on the grid */
  int rows_in;       /* in_c * ph channel-major input rows */
  int nb, chunks;    /* images per chunk */
  size_t lc;         /* compute length of a full chunk (nb * S rounded up to 16) */
  size_t rs;         /* input row stride: lc + maxshift, rounded */
  size_t zs;         /* output-gradient row stride: margin maxshift + lc, rounded */
} grid;

static int tap_row(const spn_conv_shape *g, int ph, int k) {
  const int ci = k % g->in_c, tap = k / g->in_c, kh = tap / g->f_w, kw = tap % g->f_w;
  return ci * ph + ((kh * g->dil_h) % g->stride_h) * g->stride_w + (kw * g->dil_w) % g->stride_w;
}

static int tap_shift(const spn_conv_shape *g, int wq, int k) {
  const int tap = k / g->in_c, kh = tap / g->f_w, kw = tap % g->f_w;
  return ((kh * g->dil_h) / g->stride_h) * wq + (kw * g->dil_w) / g->stride_w;
}

static void make_grid(const spn_sparse_conv *s, grid *q) {
  const spn_conv_shape *g = &s->g;
  q->s = s;
  q->ph = g->stride_h * g->stride_w;
  q->hq = g->out_h + ((g->f_h - 1) * g->dil_h) / g->stride_h;
  q->wq = g->out_w + ((g->f_w - 1) * g->dil_w) / g->stride_w;
  q->S = q->hq * q->wq;
  q->maxshift = ((g->f_h - 1) * g->dil_h / g->stride_h) * q->wq + ((g->f_w - 1) * g->dil_w) / g->stride_w;
  q->rows_in = g->in_c * q->ph;
  const size_t per_image = (size_t)(q->rows_in + g->out_c) * q->S;
  int nb = per_image ? (int)(SPN_SPCONV_CHUNK_FLOATS / per_image) : g->batch;
  const int threads = spn_pool_threads();
  const int by_balance = threads > 1 ? (g->batch + 4 * threads - 1) / (4 * threads) : g->batch;
  if (nb > by_balance) nb = by_balance;
  if (nb < 1) nb = 1;
  /* int32 offsets address rows_in * rs floats */
  while (nb > 1 && (size_t)q->rows_in * (RUP16((size_t)nb * q->S) + q->maxshift + 16) > (1u << 30)) nb /= 2;
  q->nb = nb;
  q->chunks = (g->batch + nb - 1) / nb;
  q->lc = RUP16((size_t)nb * q->S);
  q->rs = RUP16(q->lc + q->maxshift);
  q->zs = RUP16((size_t)q->maxshift + q->lc);
}

static int tile_len(int rows, int maxshift) {
  long t = SPN_SPCONV_TILE_FLOATS / (rows > 0 ? rows : 1) - maxshift;
  t &= ~31L;
  if (t < 64) t = 64;
  if (t > 2048) t = 2048;
  return (int)t;
}

/* Images [b0, b0 + nb) of x (NHWC) onto the channel-major phase grid xb[rows_in][rs]. */
static void grid_in(const grid *q, const float *x, int b0, int nb, float *xb) {
  const spn_conv_shape *g = &q->s->g;
  const int C = g->in_c, H = g->in_h, W = g->in_w, sh = g->stride_h, sw = g->stride_w, ph = q->ph;
  for (int li = 0; li < nb; li++) {
    const float *img = x + (size_t)(b0 + li) * H * W * C;
    for (int i = 0; i < q->hq; i++) {
      for (int a = 0; a < sh; a++) {
        const int ih = i * sh + a - g->pad_top;
        const size_t at = (size_t)li * q->S + (size_t)i * q->wq;
        if (ih < 0 || ih >= H) {
          for (int c = 0; c < C; c++)
            for (int b = 0; b < sw; b++)
              memset(xb + (size_t)(c * ph + a * sw + b) * q->rs + at, 0, (size_t)q->wq * sizeof(float));
          continue;
        }
        const float *row = img + (size_t)ih * W * C;
        for (int j = 0; j < q->wq; j++) {
          for (int b = 0; b < sw; b++) {
            const int iw = j * sw + b - g->pad_left;
            float *dst = xb + (size_t)(a * sw + b) * q->rs + at + j;
            const size_t step = (size_t)ph * q->rs;
            if (iw < 0 || iw >= W) {
              for (int c = 0; c < C; c++) dst[c * step] = 0.f;
            } else {
              const float *src = row + (size_t)iw * C;
              for (int c = 0; c < C; c++) dst[c * step] = src[c];
            }
          }
        }
      }
    }
  }
  /* tails read by discarded grid pixels and by the filter gradient (times a zero) */
  const size_t used = (size_t)nb * q->S;
  for (int r = 0; r < q->rows_in; r++) memset(xb + (size_t)r * q->rs + used, 0, (q->rs - used) * sizeof(float));
}

/* dz of images [b0, b0 + nb) onto zb[out_c][zs] at margin maxshift; every other entry 0. */
static void grid_dz(const grid *q, const float *dy, const float *gate, int b0, int nb, float *zb) {
  const spn_conv_shape *g = &q->s->g;
  const int O = g->out_c, OH = g->out_h, OW = g->out_w;
  memset(zb, 0, (size_t)O * q->zs * sizeof(float));
  for (int li = 0; li < nb; li++) {
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const size_t px = (((size_t)(b0 + li) * OH + oh) * OW + ow) * O;
        const float *d = dy + px;
        float *dst = zb + q->maxshift + (size_t)li * q->S + (size_t)oh * q->wq + ow;
        if (gate) {
          const float *y = gate + px;
          for (int c = 0; c < O; c++) dst[c * q->zs] = y[c] > 0.f ? d[c] : 0.f;
        } else {
          for (int c = 0; c < O; c++) dst[c * q->zs] = d[c];
        }
      }
    }
  }
}

/* ---- prepared per call: offsets and values of the non-zeros ---- */

typedef struct {
  grid q;
  const float *x, *w, *bias, *dy, *gate;
  float *out;
  int activation;
  const int32_t *off;   /* by output channel: rows_in-grid offset of each non-zero */
  const float *val;     /* by output channel: its weight */
  const int32_t *rptr;  /* input gradient: non-zeros grouped by input row */
  const int32_t *roff;
  const float *rval;
  float *partials;      /* filter gradient: [chunks x nnz] */
} conv_job;

static void prepare_by_output(conv_job *j) {
  const spn_sparse_conv *s = j->q.s;
  const spn_conv_shape *g = &s->g;
  const size_t nnz = (size_t)s->optr[g->out_c];
  int32_t *off = grow(&global_bufs[G_OFF], nnz * sizeof(int32_t));
  float *val = grow(&global_bufs[G_VAL], nnz * sizeof(float));
  for (int co = 0; co < g->out_c; co++)
    for (int p = s->optr[co]; p < s->optr[co + 1]; p++) {
      const int k = s->oidx[p];
      off[p] = (int32_t)((size_t)tap_row(g, j->q.ph, k) * j->q.rs + tap_shift(g, j->q.wq, k));
      if (j->w) val[p] = j->w[(size_t)k * g->out_c + co];
    }
  j->off = off;
  j->val = val;
}

static void prepare_by_input(conv_job *j) {
  const spn_sparse_conv *s = j->q.s;
  const spn_conv_shape *g = &s->g;
  const int K = g->f_h * g->f_w * g->in_c, rows = j->q.rows_in;
  const size_t nnz = (size_t)s->iptr[K];
  int32_t *rptr = grow(&global_bufs[G_RPTR], ((size_t)rows + 1) * sizeof(int32_t));
  int32_t *roff = grow(&global_bufs[G_ROFF], nnz * sizeof(int32_t));
  float *rval = grow(&global_bufs[G_RVAL], nnz * sizeof(float));
  memset(rptr, 0, ((size_t)rows + 1) * sizeof(int32_t));
  for (int k = 0; k < K; k++) rptr[tap_row(g, j->q.ph, k) + 1] += s->iptr[k + 1] - s->iptr[k];
  for (int r = 0; r < rows; r++) rptr[r + 1] += rptr[r];
  /* fill in k order: within a row, taps ascending, then channels ascending */
  int32_t *fill = grow(&global_bufs[G_PART], (size_t)rows * sizeof(int32_t));
  memcpy(fill, rptr, (size_t)rows * sizeof(int32_t));
  for (int k = 0; k < K; k++) {
    const int r = tap_row(g, j->q.ph, k);
    const int32_t base = (int32_t)j->q.maxshift - tap_shift(g, j->q.wq, k);
    for (int p = s->iptr[k]; p < s->iptr[k + 1]; p++) {
      const int co = s->iidx[p];
      const int32_t at = fill[r]++;
      roff[at] = (int32_t)((size_t)co * j->q.zs) + base;
      rval[at] = j->w[(size_t)k * g->out_c + co];
    }
  }
  j->rptr = rptr;
  j->roff = roff;
  j->rval = rval;
}

static void chunk_of(const grid *q, int task, int *b0, int *nb, size_t *lc) {
  *b0 = task * q->nb;
  *nb = *b0 + q->nb <= q->s->g.batch ? q->nb : q->s->g.batch - *b0;
  *lc = RUP16((size_t)*nb * q->S);
}

/* ---- forward ---- */

static void forward_task(void *ctx, int task, int thread) {
  const conv_job *j = ctx;
  const grid *q = &j->q;
  const spn_sparse_conv *s = q->s;
  const spn_conv_shape *g = &s->g;
  const int O = g->out_c, OH = g->out_h, OW = g->out_w;
  int b0, nb;
  size_t lc;
  chunk_of(q, task, &b0, &nb, &lc);
  float *xb = thread_buf(thread, 0, (size_t)q->rows_in * q->rs);
  float *ob = thread_buf(thread, 1, (size_t)O * q->lc);
  grid_in(q, j->x, b0, nb, xb);
  const spmm_off_fn spmm = isa()->spmm;
  const size_t tile = (size_t)tile_len(q->rows_in, q->maxshift);
  for (size_t t = 0; t < lc; t += tile) {
    const size_t len = t + tile <= lc ? tile : lc - t;
    for (int co = 0; co < O; co++) {
      const int p0 = s->optr[co], n = s->optr[co + 1] - p0;
      float *out = ob + (size_t)co * q->lc + t;
      if (n == 0) memset(out, 0, len * sizeof(float));
      else spmm(j->off + p0, n, j->val + p0, xb + t, len, out);
    }
  }
  /* back to NHWC with bias and activation, 16 channels at a time */
  for (int li = 0; li < nb; li++)
    for (int oh = 0; oh < OH; oh++) {
      const size_t src = (size_t)li * q->S + (size_t)oh * q->wq;
      float *dst = j->out + ((size_t)(b0 + li) * OH + oh) * OW * O;
      for (int cb = 0; cb < O; cb += 16) {
        const int ce = cb + 16 < O ? cb + 16 : O;
        for (int ow = 0; ow < OW; ow++) {
          float *d = dst + (size_t)ow * O;
          for (int c = cb; c < ce; c++) {
            const float v = ob[(size_t)c * q->lc + src + ow] + (j->bias ? j->bias[c] : 0.f);
            d[c] = j->activation == SPN_ACT_RELU && v < 0.f ? 0.f : v;
          }
        }
      }
    }
}

void spn_sparse_conv_forward(const spn_sparse_conv *s, const float *x, const float *w,
                             const float *bias, int activation, float *y) {
  conv_job j = {.x = x, .w = w, .bias = bias, .out = y, .activation = activation};
  make_grid(s, &j.q);
  prepare_by_output(&j);
  spn_pool_run(forward_task, &j, j.q.chunks);
}

/* ---- input gradient ---- */

static void input_task(void *ctx, int task, int thread) {
  const conv_job *j = ctx;
  const grid *q = &j->q;
  const spn_conv_shape *g = &q->s->g;
  const int C = g->in_c, H = g->in_h, W = g->in_w, sh = g->stride_h, sw = g->stride_w;
  int b0, nb;
  size_t lc;
  chunk_of(q, task, &b0, &nb, &lc);
  float *zb = thread_buf(thread, 2, (size_t)g->out_c * q->zs);
  float *db = thread_buf(thread, 1, (size_t)q->rows_in * q->lc);
  grid_dz(q, j->dy, j->gate, b0, nb, zb);
  const spmm_off_fn spmm = isa()->spmm;
  const size_t tile = (size_t)tile_len(g->out_c, q->maxshift);
  for (size_t t = 0; t < lc; t += tile) {
    const size_t len = t + tile <= lc ? tile : lc - t;
    for (int r = 0; r < q->rows_in; r++) {
      const int p0 = j->rptr[r], n = j->rptr[r + 1] - p0;
      float *out = db + (size_t)r * q->lc + t;
      if (n == 0) memset(out, 0, len * sizeof(float));
      else spmm(j->roff + p0, n, j->rval + p0, zb + t, len, out);
    }
  }
  for (int li = 0; li < nb; li++)
    for (int ih = 0; ih < H; ih++) {
      const int pr = ih + g->pad_top, a = pr % sh, i = pr / sh;
      float *dst = j->out + ((size_t)(b0 + li) * H + ih) * W * C;
      for (int iw = 0; iw < W; iw++, dst += C) {
        const int pc = iw + g->pad_left, b = pc % sw, jj = pc / sw;
        if (i >= q->hq || jj >= q->wq) { memset(dst, 0, (size_t)C * sizeof(float)); continue; }
        const float *src = db + (size_t)(a * sw + b) * q->lc + (size_t)li * q->S + (size_t)i * q->wq + jj;
        const size_t step = (size_t)q->ph * q->lc;
        for (int c = 0; c < C; c++) dst[c] = src[c * step];
      }
    }
}

void spn_sparse_conv_grad_input(const spn_sparse_conv *s, const float *dy, const float *y,
                                int activation, const float *w, float *dx) {
  conv_job j = {.dy = dy, .gate = activation == SPN_ACT_RELU ? y : NULL, .w = w, .out = dx};
  make_grid(s, &j.q);
  prepare_by_input(&j);
  spn_pool_run(input_task, &j, j.q.chunks);
}

/* ---- filter gradient ---- */

static void filter_task(void *ctx, int task, int thread) {
  const conv_job *j = ctx;
  const grid *q = &j->q;
  const spn_sparse_conv *s = q->s;
  const spn_conv_shape *g = &s->g;
  const int O = g->out_c;
  const size_t nnz = (size_t)s->optr[O];
  int b0, nb;
  size_t lc;
  chunk_of(q, task, &b0, &nb, &lc);
  float *xb = thread_buf(thread, 0, (size_t)q->rows_in * q->rs);
  float *zb = thread_buf(thread, 2, (size_t)O * q->zs);
  float *part = j->partials + (size_t)task * nnz;
  memset(part, 0, nnz * sizeof(float));
  grid_in(q, j->x, b0, nb, xb);
  grid_dz(q, j->dy, j->gate, b0, nb, zb);
  const sddmm_off_fn sddmm = isa()->sddmm;
  const size_t tile = (size_t)tile_len(q->rows_in + O, q->maxshift);
  for (size_t t = 0; t < lc; t += tile) {
    const size_t len = t + tile <= lc ? tile : lc - t;
    for (int co = 0; co < O; co++) {
      const int p0 = s->optr[co], n = s->optr[co + 1] - p0;
      if (n) sddmm(j->off + p0, n, xb + t, zb + (size_t)co * q->zs + q->maxshift + t, len, part + p0);
    }
  }
}

void spn_sparse_conv_grad_filter(const spn_sparse_conv *s, const float *dy, const float *y,
                                 int activation, const float *x, float *dw) {
  const spn_conv_shape *g = &s->g;
  const int O = g->out_c;
  const size_t K = (size_t)g->f_h * g->f_w * g->in_c, nnz = (size_t)s->optr[O];
  conv_job j = {.dy = dy, .gate = activation == SPN_ACT_RELU ? y : NULL, .x = x};
  make_grid(s, &j.q);
  prepare_by_output(&j);
  j.partials = grow(&global_bufs[G_PART], (size_t)j.q.chunks * nnz * sizeof(float));
  spn_pool_run(filter_task, &j, j.q.chunks);
  memset(dw, 0, K * O * sizeof(float));
  for (int co = 0; co < O; co++)
    for (int p = s->optr[co]; p < s->optr[co + 1]; p++) {
      float v = 0.f;
      for (int t = 0; t < j.q.chunks; t++) v += j.partials[(size_t)t * nnz + p];
      dw[(size_t)s->oidx[p] * O + co] = v;
    }
}

void spn_sparse_conv_grad_bias(const spn_sparse_conv *s, const float *dy, const float *y,
                               int activation, float *db) {
  const spn_conv_shape *g = &s->g;
  const size_t O = (size_t)g->out_c, px = (size_t)g->batch * g->out_h * g->out_w;
  memset(db, 0, O * sizeof(float));
  for (size_t r = 0; r < px; r++) spn_bias_row_add(db, dy + r * O, activation == SPN_ACT_RELU ? y + r * O : NULL, O);
}
