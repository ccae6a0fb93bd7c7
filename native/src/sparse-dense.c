/* Sparse dense-layer kernels (sparse-dense.h). Every output value is computed by one thread
 * in a fixed order, so results do not depend on the thread count. */
#include "sparse-dense.h"

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

#define PAD8(n) (((size_t)(n) + 7) & ~(size_t)7)
/* Below this many multiply-adds a phase runs on the calling thread only; the transposes and
 * gathers (memory-bound, a few hundred microseconds at most) run there below this many
 * elements. Every pool run can wait on a worker the OS has descheduled, which on a loaded
 * machine costs more than these phases save (measured: 11 pool runs per layer step doubled
 * the sparse kernels' time at load 25 on 2 cores; 3 are left), and a worker that slept
 * between two steps' kernels (tfjs' work in between outlasts its spin) wakes late. 8 M: the
 * MLP 784-300-100-10's sparse layers at batch 128 run serial at every density they take (the
 * 784x300 layer at 0.25 is 7.5 M). Measured 2026-12-04, 2 cores, its whole training step,
 * 256 K against 8 M in alternating processes, 3 rounds: density 0.1 0.91 / 0.79 / 0.77 ->
 * 0.69 / 0.62 / 0.59 ms, 0.02 0.57 / 0.48 / 0.70 -> 0.54 / 0.36 / 0.32 ms, 0.25 a tie; the
 * layers alone back to back (the worker spinning) the pool still wins the two gradients at
 * 784x300 (0.10 vs 0.14 ms at 0.1) and everything at 1024x1024 x 0.1 (13 M) and above. */
#define SPN_SPARSE_SERIAL_FMAS (8u * 1024 * 1024)
#define SPN_SPARSE_SERIAL_COPY (1u << 20)
#define SPN_SPARSE_MAX_TASKS (SPN_MAX_THREADS * 8)

/* ---- buffers: the transposed operands, grow-only, shared (calls are serialised) ---- */

static struct { float *p; size_t cap; } bufs[4];
static size_t held_bytes;

static float *buffer(int slot, size_t floats) {
  if (bufs[slot].cap < floats) {
    const size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes);
    if (p == NULL) {
      fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes for a sparse kernel\n", bytes);
      abort();
    }
    free(bufs[slot].p);
    held_bytes -= bufs[slot].cap * sizeof(float);
    bufs[slot].p = p;
    bufs[slot].cap = bytes / sizeof(float);
    held_bytes += bytes;
  }
  return bufs[slot].p;
}

size_t spn_sparse_bytes(void) { return held_bytes; }

/* ---- row kernels ---- */

/* out[0..bp) = sum_k vals[k] * in_t[idx[k] * bp + 0..bp) (bp a multiple of 8). */
typedef void (*spmm_row_fn)(const int32_t *idx, int n, const float *vals,
                            const float *in_t, size_t bp, float *out);
/* dw[oidx[k]] = <xrow, dzt[oidx[k] * bp ..]> for every k. */
typedef void (*sddmm_row_fn)(const float *xrow, const int32_t *oidx, int n, const float *dzt,
                             size_t bp, float *dwrow);

static void spmm_row_generic(const int32_t *idx, int n, const float *vals,
                             const float *in_t, size_t bp, float *out) {
  for (size_t b = 0; b < bp; b += 8) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int k = 0; k < n; k++) {
      const float v = vals[k];
      const float *r = in_t + (size_t)idx[k] * bp + b;
      for (int j = 0; j < 8; j++) acc[j] += v * r[j];
    }
    memcpy(out + b, acc, sizeof acc);
  }
}

static void sddmm_row_generic(const float *xrow, const int32_t *oidx, int n, const float *dzt,
                              size_t bp, float *dwrow) {
  for (int k = 0; k < n; k++) {
    const float *r = dzt + (size_t)oidx[k] * bp;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t b = 0; b < bp; b += 8)
      for (int j = 0; j < 8; j++) acc[j] += xrow[b + j] * r[b + j];
    dwrow[oidx[k]] = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  }
}

#ifdef SPN_X86
__attribute__((target("avx2,fma")))
static void spmm_row_avx2(const int32_t *idx, int n, const float *vals,
                          const float *in_t, size_t bp, float *out) {
  size_t b = 0;
  for (; b + 64 <= bp; b += 64) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = in_t + (size_t)idx[k] * bp + b;
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
  for (; b + 32 <= bp; b += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = in_t + (size_t)idx[k] * bp + b;
      const __m256 v = _mm256_broadcast_ss(vals + k);
      a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 8), a1);
      a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 16), a2);
      a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r + 24), a3);
    }
    _mm256_storeu_ps(out + b, a0);
    _mm256_storeu_ps(out + b + 8, a1);
    _mm256_storeu_ps(out + b + 16, a2);
    _mm256_storeu_ps(out + b + 24, a3);
  }
  for (; b < bp; b += 8) {
    __m256 a0 = _mm256_setzero_ps();
    for (int k = 0; k < n; k++) {
      const __m256 v = _mm256_broadcast_ss(vals + k);
      a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(in_t + (size_t)idx[k] * bp + b), a0);
    }
    _mm256_storeu_ps(out + b, a0);
  }
}

__attribute__((target("avx2,fma")))
static inline float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
static void sddmm_row_avx2(const float *xrow, const int32_t *oidx, int n, const float *dzt,
                           size_t bp, float *dwrow) {
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    const float *r0 = dzt + (size_t)oidx[k] * bp, *r1 = dzt + (size_t)oidx[k + 1] * bp;
    const float *r2 = dzt + (size_t)oidx[k + 2] * bp, *r3 = dzt + (size_t)oidx[k + 3] * bp;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    __m256 t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    size_t b = 0;
    for (; b + 16 <= bp; b += 16) {
      const __m256 x0 = _mm256_loadu_ps(xrow + b), x1 = _mm256_loadu_ps(xrow + b + 8);
      s0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + b), s0);
      s1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r1 + b), s1);
      s2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r2 + b), s2);
      s3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r3 + b), s3);
      t0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r0 + b + 8), t0);
      t1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + b + 8), t1);
      t2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r2 + b + 8), t2);
      t3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r3 + b + 8), t3);
    }
    for (; b < bp; b += 8) {
      const __m256 x0 = _mm256_loadu_ps(xrow + b);
      s0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + b), s0);
      s1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r1 + b), s1);
      s2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r2 + b), s2);
      s3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r3 + b), s3);
    }
    dwrow[oidx[k]] = hsum_avx2(_mm256_add_ps(s0, t0));
    dwrow[oidx[k + 1]] = hsum_avx2(_mm256_add_ps(s1, t1));
    dwrow[oidx[k + 2]] = hsum_avx2(_mm256_add_ps(s2, t2));
    dwrow[oidx[k + 3]] = hsum_avx2(_mm256_add_ps(s3, t3));
  }
  for (; k < n; k++) {
    const float *r = dzt + (size_t)oidx[k] * bp;
    __m256 s0 = _mm256_setzero_ps(), t0 = s0;
    size_t b = 0;
    for (; b + 16 <= bp; b += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(xrow + b), _mm256_loadu_ps(r + b), s0);
      t0 = _mm256_fmadd_ps(_mm256_loadu_ps(xrow + b + 8), _mm256_loadu_ps(r + b + 8), t0);
    }
    for (; b < bp; b += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(xrow + b), _mm256_loadu_ps(r + b), s0);
    dwrow[oidx[k]] = hsum_avx2(_mm256_add_ps(s0, t0));
  }
}

/* The 8 x 8 block at r[0..7] (8 rows of 8 floats) transposed in registers: out[j] holds column
 * j of the block. */
__attribute__((target("avx2,fma")))
static inline void transpose8_avx2(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* dst[c * bp + r] = src[r * ld + c] (gated: 0 where gate <= 0) for an 8 x 8 block; the same
 * values as the scalar loop, only moved in registers. */
__attribute__((target("avx2,fma")))
static void tin8_avx2(const float *src, const float *gate, size_t ld, float *dst, size_t bp) {
  __m256 r[8];
  const __m256 zero = _mm256_setzero_ps();
  for (int i = 0; i < 8; i++) {
    r[i] = _mm256_loadu_ps(src + (size_t)i * ld);
    if (gate) r[i] = _mm256_and_ps(r[i], _mm256_cmp_ps(_mm256_loadu_ps(gate + (size_t)i * ld), zero, _CMP_GT_OQ));
  }
  transpose8_avx2(r);
  for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (size_t)j * bp, r[j]);
}

/* dst[r * ld + c] = act(src[c * bp + r] + bias[c]) for an 8 x 8 block (bias may be NULL):
 * the scalar loop's add and `v > 0 ? v : 0` (max(v, 0) returns 0 for NaN and -0 as it does). */
__attribute__((target("avx2,fma")))
static void tout8_avx2(const float *src, size_t bp, const float *bias, int activation, float *dst, size_t ld) {
  __m256 r[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (size_t)i * bp);
  transpose8_avx2(r);
  const __m256 b = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < 8; j++) {
    __m256 v = _mm256_add_ps(r[j], b);
    if (activation == SPN_ACT_RELU) v = _mm256_max_ps(v, zero);
    _mm256_storeu_ps(dst + (size_t)j * ld, v);
  }
}

/* The 16 x 16 block r[0..15] (16 rows of 16 floats) transposed in registers: r[j] becomes
 * column j. Four shuffle levels (pairs of floats, of doubles, of 128-bit lanes twice). */
__attribute__((target("avx512f")))
static inline void transpose16_avx512(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
  }
  for (int h = 0; h < 16; h += 8)
    for (int i = 0; i < 4; i++) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
    }
  for (int i = 0; i < 8; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
}

/* tin8_avx2 for a 16 x 16 block: dst[c * bp + r] = src[r * ld + c] (gated). */
__attribute__((target("avx512f")))
static void tin16_avx512(const float *src, const float *gate, size_t ld, float *dst, size_t bp) {
  __m512 r[16];
  const __m512 zero = _mm512_setzero_ps();
  for (int i = 0; i < 16; i++) {
    r[i] = _mm512_loadu_ps(src + (size_t)i * ld);
    if (gate) r[i] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(gate + (size_t)i * ld), zero, _CMP_GT_OQ), r[i]);
  }
  transpose16_avx512(r);
  for (int j = 0; j < 16; j++) _mm512_storeu_ps(dst + (size_t)j * bp, r[j]);
}

/* tout8_avx2 for a 16 x 16 block: dst[r * ld + c] = act(src[c * bp + r] + bias[c]). */
__attribute__((target("avx512f")))
static void tout16_avx512(const float *src, size_t bp, const float *bias, int activation, float *dst, size_t ld) {
  __m512 r[16];
  for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + (size_t)i * bp);
  transpose16_avx512(r);
  const __m512 b = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
  for (int j = 0; j < 16; j++) {
    __m512 v = _mm512_add_ps(r[j], b);
    if (activation == SPN_ACT_RELU) v = _mm512_max_ps(v, zero);
    _mm512_storeu_ps(dst + (size_t)j * ld, v);
  }
}

/* AVX-512 rows (sparse-rows.h): a batch of 128 (bp = 128) is one pass per output row. */
__attribute__((target("avx512f,fma")))
static void spmm_row_avx512(const int32_t *idx, int n, const float *vals,
                            const float *in_t, size_t bp, float *out) {
  spn_spmm_rows_avx512(idx, bp, n, vals, in_t, bp, out);
}

/* Eight 16-lane partial sums s[0..7] reduced to their eight totals, tot[j] = sum of s[j]'s lanes,
 * in a fixed tree (halves, then quarters, then pairs): three shuffle-and-add levels for all
 * eight instead of one horizontal sum each. */
__attribute__((target("avx512f,fma")))
static inline void reduce8_avx512(const __m512 s[8], float tot[8]) {
  __m512 u[4];
  for (int j = 0; j < 4; j++) /* lanes 0-7: s[2j]'s halves added, lanes 8-15: s[2j+1]'s */
    u[j] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * j], s[2 * j + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(s[2 * j], s[2 * j + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  /* quarter q of v[h]: 4 partial sums of s[4h + q] */
  __m512 v[2];
  for (int h = 0; h < 2; h++)
    v[h] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * h], u[2 * h + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(u[2 * h], u[2 * h + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  /* per quarter q: [a0+a2, b0+b2, a1+a3, b1+b3] with a = s[q]'s 4 sums, b = s[4 + q]'s */
  const __m512 w = _mm512_add_ps(_mm512_unpacklo_ps(v[0], v[1]), _mm512_unpackhi_ps(v[0], v[1]));
  const __m512 x = _mm512_add_ps(w, _mm512_permute_ps(w, _MM_SHUFFLE(1, 0, 3, 2)));
  float t[16];
  _mm512_storeu_ps(t, x);
  for (int q = 0; q < 4; q++) { tot[q] = t[4 * q]; tot[4 + q] = t[4 * q + 1]; }
}

/* dw at 8 non-zeros of an input row at a time: 8 dot products over the batch, one zmm
 * accumulator each (8 independent chains), reduced together. */
__attribute__((target("avx512f,fma")))
static void sddmm_row_avx512(const float *xrow, const int32_t *oidx, int n, const float *dzt,
                             size_t bp, float *dwrow) {
  const __mmask16 tail = (bp & 15) ? (__mmask16)0x00FF : (__mmask16)0xFFFF;
  const size_t full = bp & ~(size_t)15;
  int k = 0;
  /* Groups of 8; a last group of 4 to 7 repeats its last non-zero in the spare chains (cheaper
   * than one horizontal sum each) and stores only its own. */
  for (; k + 4 <= n; k += 8) {
    const int m = n - k < 8 ? n - k : 8;
    const float *r[8];
    __m512 s[8];
    for (int j = 0; j < 8; j++) { r[j] = dzt + (size_t)oidx[k + (j < m ? j : m - 1)] * bp; s[j] = _mm512_setzero_ps(); }
    size_t b = 0;
    for (; b < full; b += 16) {
      const __m512 x = _mm512_loadu_ps(xrow + b);
      for (int j = 0; j < 8; j++) s[j] = _mm512_fmadd_ps(x, _mm512_loadu_ps(r[j] + b), s[j]);
    }
    if (b < bp) {
      const __m512 x = _mm512_maskz_loadu_ps(tail, xrow + b);
      for (int j = 0; j < 8; j++) s[j] = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(tail, r[j] + b), s[j]);
    }
    float tot[8];
    reduce8_avx512(s, tot);
    for (int j = 0; j < m; j++) dwrow[oidx[k + j]] = tot[j];
  }
  for (; k < n; k++) {
    const float *r = dzt + (size_t)oidx[k] * bp;
    __m512 s0 = _mm512_setzero_ps();
    size_t b = 0;
    for (; b < full; b += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(xrow + b), _mm512_loadu_ps(r + b), s0);
    if (b < bp) s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, xrow + b), _mm512_maskz_loadu_ps(tail, r + b), s0);
    dwrow[oidx[k]] = _mm512_reduce_add_ps(s0);
  }
}
#endif

/* ---- dispatch ---- */

/* 8 x 8 transpose blocks of transpose_in / transpose_out (NULL: the scalar loops do it all). */
typedef void (*tin8_fn)(const float *src, const float *gate, size_t ld, float *dst, size_t bp);
typedef void (*tout8_fn)(const float *src, size_t bp, const float *bias, int activation, float *dst, size_t ld);
typedef struct { const char *isa; spmm_row_fn spmm; sddmm_row_fn sddmm; tin8_fn tin8; tout8_fn tout8; tin8_fn tin16; tout8_fn tout16; } sparse_isa;
static const sparse_isa isa_generic = {"generic", spmm_row_generic, sddmm_row_generic, NULL, NULL, NULL, NULL};
#ifdef SPN_X86
static const sparse_isa isa_avx2 = {"avx2", spmm_row_avx2, sddmm_row_avx2, tin8_avx2, tout8_avx2, NULL, NULL};
/* AVX-512: 16 x 16 transpose blocks (full-line stores), the AVX2 8 x 8 ones for the edges. */
static const sparse_isa isa_avx512 = {"avx512", spmm_row_avx512, sddmm_row_avx512, tin8_avx2, tout8_avx2, tin16_avx512, tout16_avx512};
static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int has_avx512(void) {
  __builtin_cpu_init();
  return has_avx2() && __builtin_cpu_supports("avx512f");
}
#endif
static const sparse_isa *active;

static const sparse_isa *isa(void) {
  if (active == NULL) {
    active = &isa_generic;
#ifdef SPN_X86
    if (has_avx512()) active = &isa_avx512;
    else if (has_avx2()) active = &isa_avx2;
#endif
  }
  return active;
}

const char *spn_sparse_isa(void) { return isa()->isa; }

int spn_sparse_select(const char *name) {
  if (strcmp(name, "generic") == 0) { active = &isa_generic; return 1; }
#ifdef SPN_X86
  if (strcmp(name, "avx2") == 0 && has_avx2()) { active = &isa_avx2; return 1; }
  if (strcmp(name, "avx512") == 0 && has_avx512()) { active = &isa_avx512; return 1; }
#endif
  return 0;
}

/* ---- phases run on the pool ---- */

static int task_count(size_t fmas, size_t rows) {
  const int threads = spn_pool_threads();
  if (threads <= 1 || fmas < SPN_SPARSE_SERIAL_FMAS || rows < 2) return 1;
  size_t t = (size_t)threads * 8;
  if (t > SPN_SPARSE_MAX_TASKS) t = SPN_SPARSE_MAX_TASKS;
  return (int)(t < rows ? t : rows);
}

/* A rows x cols row-major block `src` (leading dimension ld) into dst[c * bp + r], rows
 * [rows, bp) zero; with `gate` (relu backward) entries where gate <= 0 become 0. */
typedef struct {
  const float *src, *gate;
  size_t rows, cols, bp;
  float *dst;
  int tasks;
} transpose_in_job;

static void transpose_in_task(void *ctx, int task, int thread) {
  (void)thread;
  const transpose_in_job *j = ctx;
  const size_t per = (j->cols + j->tasks - 1) / j->tasks;
  const size_t c0 = (size_t)task * per, c1 = c0 + per < j->cols ? c0 + per : j->cols;
  const tin8_fn tin8 = isa()->tin8, tin16 = isa()->tin16;
  for (size_t cb = c0; cb < c1; cb += 16) {
    const size_t ce = cb + 16 < c1 ? cb + 16 : c1;
    /* 8 x 8 blocks where the ISA has them: columns [cb, cv), rows [0, rv); the scalar loop
     * does the rest (the same values either way). */
    const size_t cv = tin8 ? cb + ((ce - cb) & ~(size_t)7) : cb;
    const size_t rv = tin8 ? j->rows & ~(size_t)7 : 0;
    /* A full 16-column block takes 16 x 16 blocks over rows [0, rows & ~15) where the ISA has them. */
    const size_t r16 = tin16 && ce - cb == 16 ? j->rows & ~(size_t)15 : 0;
    for (size_t r = 0; r < r16; r += 16)
      tin16(j->src + r * j->cols + cb, j->gate ? j->gate + r * j->cols + cb : NULL, j->cols, j->dst + cb * j->bp + r, j->bp);
    for (size_t c = cb; c < cv; c += 8)
      for (size_t r = r16; r < rv; r += 8)
        tin8(j->src + r * j->cols + c, j->gate ? j->gate + r * j->cols + c : NULL, j->cols, j->dst + c * j->bp + r, j->bp);
    for (size_t r = 0; r < j->rows; r++) {
      const size_t from = r < rv ? cv : cb;
      const float *s = j->src + r * j->cols;
      if (j->gate) {
        const float *g = j->gate + r * j->cols;
        for (size_t c = from; c < ce; c++) j->dst[c * j->bp + r] = g[c] > 0.f ? s[c] : 0.f;
      } else {
        for (size_t c = from; c < ce; c++) j->dst[c * j->bp + r] = s[c];
      }
    }
    for (size_t c = cb; c < ce; c++)
      for (size_t r = j->rows; r < j->bp; r++) j->dst[c * j->bp + r] = 0.f;
  }
}

static void transpose_in(const float *src, const float *gate, size_t rows, size_t cols, size_t bp,
                         float *dst) {
  transpose_in_job j = {src, gate, rows, cols, bp, dst, 1};
  const size_t blocks = (cols + 15) / 16;
  j.tasks = rows * cols < SPN_SPARSE_SERIAL_COPY ? 1 : task_count(rows * cols, blocks);
  spn_pool_run(transpose_in_task, &j, j.tasks);
}

/* dst[r * cols + c] = act(src[c * bp + r] + bias[c]) for r < rows. */
typedef struct {
  const float *src, *bias;
  size_t rows, cols, bp;
  int activation;
  float *dst;
  int tasks;
} transpose_out_job;

static void transpose_out_task(void *ctx, int task, int thread) {
  (void)thread;
  const transpose_out_job *j = ctx;
  const size_t per = (j->rows + j->tasks - 1) / j->tasks;
  const size_t r0 = (size_t)task * per, r1 = r0 + per < j->rows ? r0 + per : j->rows;
  const tout8_fn tout8 = isa()->tout8, tout16 = isa()->tout16;
  for (size_t rb = r0; rb < r1; rb += 16) {
    const size_t re = rb + 16 < r1 ? rb + 16 : r1;
    /* 8 x 8 blocks where the ISA has them: rows [rb, rv), columns [0, cv); scalar for the rest.
     * A full 16-row block takes 16 x 16 blocks over columns [0, cols & ~15) first. */
    const size_t rv = tout8 ? rb + ((re - rb) & ~(size_t)7) : rb;
    const size_t cv = tout8 ? j->cols & ~(size_t)7 : 0;
    const size_t c16 = tout16 && re - rb == 16 ? j->cols & ~(size_t)15 : 0;
    for (size_t c = 0; c < c16; c += 16)
      tout16(j->src + c * j->bp + rb, j->bp, j->bias ? j->bias + c : NULL, j->activation, j->dst + rb * j->cols + c, j->cols);
    for (size_t r = rb; r < rv; r += 8)
      for (size_t c = c16; c < cv; c += 8)
        tout8(j->src + c * j->bp + r, j->bp, j->bias ? j->bias + c : NULL, j->activation, j->dst + r * j->cols + c, j->cols);
    for (size_t c = 0; c < j->cols; c++) {
      const float *s = j->src + c * j->bp;
      const float b = j->bias ? j->bias[c] : 0.f;
      const size_t from = c < cv ? rv : rb;
      if (j->activation == SPN_ACT_RELU) {
        for (size_t r = from; r < re; r++) {
          const float v = s[r] + b;
          j->dst[r * j->cols + c] = v > 0.f ? v : 0.f;
        }
      } else {
        for (size_t r = from; r < re; r++) j->dst[r * j->cols + c] = s[r] + b;
      }
    }
  }
}

static void transpose_out(const float *src, size_t rows, size_t cols, size_t bp, const float *bias,
                          int activation, float *dst) {
  transpose_out_job j = {src, bias, rows, cols, bp, activation, dst, 1};
  j.tasks = rows * cols < SPN_SPARSE_SERIAL_COPY ? 1 : task_count(rows * cols, (rows + 15) / 16);
  spn_pool_run(transpose_out_task, &j, j.tasks);
}

/* Rows of a compressed pattern split into tasks of about equal non-zeros (plus a per-row cost). */
typedef struct {
  const int32_t *ptr, *idx;
  int rows;
  int bounds[SPN_SPARSE_MAX_TASKS + 1];
  int tasks;
} row_split;

static void split_rows(row_split *s, const int32_t *ptr, const int32_t *idx, int rows, size_t bp) {
  s->ptr = ptr;
  s->idx = idx;
  s->rows = rows;
  const size_t nnz = (size_t)ptr[rows];
  s->tasks = task_count(nnz * bp, (size_t)rows);
  const double total = (double)nnz + 2.0 * rows;
  s->bounds[0] = 0;
  int r = 0;
  for (int t = 1; t < s->tasks; t++) {
    const double goal = total * t / s->tasks;
    while (r < rows && (double)ptr[r] + 2.0 * r < goal) r++;
    s->bounds[t] = r;
  }
  s->bounds[s->tasks] = rows;
}

/* spmm: out_t[r * bp ..] = sum over the row's non-zeros of value * in_t[idx * bp ..]. */
typedef struct {
  row_split split;
  const float *vals; /* one value per non-zero, in the pattern's order */
  const float *in_t;
  size_t bp;
  float *out_t;
  spmm_row_fn row;
} spmm_job;

static void spmm_task(void *ctx, int task, int thread) {
  (void)thread;
  const spmm_job *j = ctx;
  const int32_t *ptr = j->split.ptr;
  for (int r = j->split.bounds[task]; r < j->split.bounds[task + 1]; r++) {
    float *out = j->out_t + (size_t)r * j->bp;
    const int n = ptr[r + 1] - ptr[r];
    if (n == 0) { memset(out, 0, j->bp * sizeof(float)); continue; }
    j->row(j->split.idx + ptr[r], n, j->vals + ptr[r], j->in_t, j->bp, out);
  }
}

/* Values of W at the non-zeros, in by-input order (vals[k] = w[i * out + iidx[k]]) or, with
 * `perm` (by-input position -> by-output position), in by-output order. Reads W row by row. */
typedef struct {
  const spn_sparse_dense *s;
  const float *w;
  const int32_t *perm;
  float *vals;
  int tasks;
} gather_job;

static void gather_task(void *ctx, int task, int thread) {
  (void)thread;
  const gather_job *j = ctx;
  const spn_sparse_dense *s = j->s;
  const int per = (s->in + j->tasks - 1) / j->tasks;
  const int i0 = task * per, i1 = i0 + per < s->in ? i0 + per : s->in;
  for (int i = i0; i < i1; i++) {
    const float *row = j->w + (size_t)i * s->out;
    if (j->perm)
      for (int k = s->iptr[i]; k < s->iptr[i + 1]; k++) j->vals[j->perm[k]] = row[s->iidx[k]];
    else
      for (int k = s->iptr[i]; k < s->iptr[i + 1]; k++) j->vals[k] = row[s->iidx[k]];
  }
}

static float *gather_values(const spn_sparse_dense *s, const float *w, const int32_t *perm) {
  const size_t nnz = (size_t)s->iptr[s->in];
  gather_job j = {s, w, perm, buffer(3, nnz ? nnz : 1), 1};
  j.tasks = nnz < SPN_SPARSE_SERIAL_COPY ? 1 : task_count(nnz, (size_t)s->in);
  spn_pool_run(gather_task, &j, j.tasks);
  return j.vals;
}

/* ---- the four kernels ---- */

/* The transposed, gated output gradient of the last grad_input / grad_weight call, kept in
 * buffer 2: the next gradient call of the same layer and step may reuse it (`reuse_dz`)
 * instead of transposing dy again. */
static struct { const float *dy, *y; int batch, out, activation; size_t bp; int valid; } last_dz;

static float *transposed_dz(const spn_sparse_dense *s, const float *dy, const float *y, int activation,
                            int reuse) {
  const size_t bp = PAD8(s->batch);
  if (reuse && last_dz.valid && last_dz.dy == dy && last_dz.y == (activation == SPN_ACT_RELU ? y : NULL) &&
      last_dz.batch == s->batch && last_dz.out == s->out && last_dz.activation == activation && last_dz.bp == bp)
    return bufs[2].p;
  float *dzt = buffer(2, (size_t)s->out * bp);
  transpose_in(dy, activation == SPN_ACT_RELU ? y : NULL, (size_t)s->batch, (size_t)s->out, bp, dzt);
  last_dz.dy = dy;
  last_dz.y = activation == SPN_ACT_RELU ? y : NULL;
  last_dz.batch = s->batch;
  last_dz.out = s->out;
  last_dz.activation = activation;
  last_dz.bp = bp;
  last_dz.valid = 1;
  return dzt;
}

void spn_sparse_dense_forward(const spn_sparse_dense *s, const float *x, const float *w,
                              const float *bias, int activation, float *y, float *xt_out) {
  const size_t bp = PAD8(s->batch);
  float *xt = xt_out ? xt_out : buffer(0, (size_t)s->in * bp);
  float *yt = buffer(1, (size_t)s->out * bp);
  transpose_in(x, NULL, (size_t)s->batch, (size_t)s->in, bp, xt);
  spmm_job j = {.vals = gather_values(s, w, s->perm), .in_t = xt, .bp = bp, .out_t = yt,
                .row = isa()->spmm};
  split_rows(&j.split, s->optr, s->oidx, s->out, bp);
  spn_pool_run(spmm_task, &j, j.split.tasks);
  transpose_out(yt, (size_t)s->batch, (size_t)s->out, bp, bias, activation, y);
}

void spn_sparse_dense_grad_input(const spn_sparse_dense *s, const float *dy, const float *y,
                                 int activation, const float *w, float *dx, int reuse_dz) {
  const size_t bp = PAD8(s->batch);
  float *dzt = transposed_dz(s, dy, y, activation, reuse_dz);
  float *dxt = buffer(1, (size_t)s->in * bp);
  spmm_job j = {.vals = gather_values(s, w, NULL), .in_t = dzt, .bp = bp, .out_t = dxt,
                .row = isa()->spmm};
  split_rows(&j.split, s->iptr, s->iidx, s->in, bp);
  spn_pool_run(spmm_task, &j, j.split.tasks);
  transpose_out(dxt, (size_t)s->batch, (size_t)s->in, bp, NULL, SPN_ACT_LINEAR, dx);
}

typedef struct {
  row_split split;
  const float *xt, *dzt;
  size_t bp;
  int out;
  float *dw;
  sddmm_row_fn row;
} sddmm_job;

static void sddmm_task(void *ctx, int task, int thread) {
  (void)thread;
  const sddmm_job *j = ctx;
  const int32_t *ptr = j->split.ptr;
  const int r0 = j->split.bounds[task], r1 = j->split.bounds[task + 1];
  if (r1 > r0) memset(j->dw + (size_t)r0 * j->out, 0, (size_t)(r1 - r0) * j->out * sizeof(float));
  for (int r = r0; r < r1; r++) {
    const int n = ptr[r + 1] - ptr[r];
    if (n) j->row(j->xt + (size_t)r * j->bp, j->split.idx + ptr[r], n, j->dzt, j->bp, j->dw + (size_t)r * j->out);
  }
}

void spn_sparse_dense_grad_weight(const spn_sparse_dense *s, const float *dy, const float *y,
                                  int activation, const float *x, const float *xt_in, int reuse_dz,
                                  float *dw) {
  const size_t bp = PAD8(s->batch);
  const float *xt = xt_in;
  if (xt == NULL) {
    float *t = buffer(0, (size_t)s->in * bp);
    transpose_in(x, NULL, (size_t)s->batch, (size_t)s->in, bp, t);
    xt = t;
  }
  float *dzt = transposed_dz(s, dy, y, activation, reuse_dz);
  sddmm_job j = {.xt = xt, .dzt = dzt, .bp = bp, .out = s->out, .dw = dw, .row = isa()->sddmm};
  split_rows(&j.split, s->iptr, s->iidx, s->in, bp);
  spn_pool_run(sddmm_task, &j, j.split.tasks);
}

void spn_sparse_dense_grad_bias(const spn_sparse_dense *s, const float *dy, const float *y,
                                int activation, float *db) {
  /* Row by row over dy (bias-rows.h), not along the transposed dz even when it is at hand:
   * that would be one serial chain of adds per output. */
  const size_t out = (size_t)s->out;
  memset(db, 0, out * sizeof(float));
  for (int b = 0; b < s->batch; b++)
    spn_bias_row_add(db, dy + (size_t)b * out, activation == SPN_ACT_RELU ? y + (size_t)b * out : NULL, out);
}
