/* The AVX-512 sparse row product shared by the sparse dense-layer and conv kernels:
 * out[0..bp) = sum over k of vals[k] * base[idx[k] * stride + 0..bp), bp a multiple of 8.
 * 128 columns are one pass of 8 zmm accumulators, so each row's indices and values are read
 * once per 128 columns; every column sums over k in order with one fused multiply-add each (the
 * same order, hence the same bits, as the AVX2 rows). */
#ifndef SPN_SPARSE_ROWS_H
#define SPN_SPARSE_ROWS_H

#ifdef SPN_X86
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

__attribute__((target("avx512f,fma")))
static inline void spn_spmm_rows_avx512(const int32_t *idx, size_t stride, int n, const float *vals,
                                        const float *base, size_t bp, float *out) {
  size_t b = 0;
  for (; b + 128 <= bp; b += 128) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = base + (ptrdiff_t)idx[k] * (ptrdiff_t)stride + b;
      const __m512 v = _mm512_set1_ps(vals[k]);
      a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r), a0);
      a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 16), a1);
      a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 32), a2);
      a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 48), a3);
      a4 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 64), a4);
      a5 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 80), a5);
      a6 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 96), a6);
      a7 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 112), a7);
    }
    _mm512_storeu_ps(out + b, a0);
    _mm512_storeu_ps(out + b + 16, a1);
    _mm512_storeu_ps(out + b + 32, a2);
    _mm512_storeu_ps(out + b + 48, a3);
    _mm512_storeu_ps(out + b + 64, a4);
    _mm512_storeu_ps(out + b + 80, a5);
    _mm512_storeu_ps(out + b + 96, a6);
    _mm512_storeu_ps(out + b + 112, a7);
  }
  for (; b + 64 <= bp; b += 64) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < n; k++) {
      const float *r = base + (ptrdiff_t)idx[k] * (ptrdiff_t)stride + b;
      const __m512 v = _mm512_set1_ps(vals[k]);
      a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r), a0);
      a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 16), a1);
      a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 32), a2);
      a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(r + 48), a3);
    }
    _mm512_storeu_ps(out + b, a0);
    _mm512_storeu_ps(out + b + 16, a1);
    _mm512_storeu_ps(out + b + 32, a2);
    _mm512_storeu_ps(out + b + 48, a3);
  }
  /* The rest, 16 columns a pass, the last 8 under a mask (bp is a multiple of 8). */
  for (; b < bp; b += 16) {
    const __mmask16 m = bp - b >= 16 ? (__mmask16)0xFFFF : (__mmask16)0x00FF;
    __m512 a0 = _mm512_setzero_ps();
    for (int k = 0; k < n; k++)
      a0 = _mm512_fmadd_ps(_mm512_set1_ps(vals[k]), _mm512_maskz_loadu_ps(m, base + (ptrdiff_t)idx[k] * (ptrdiff_t)stride + b), a0);
    _mm512_mask_storeu_ps(out + b, m, a0);
  }
}

#endif
#endif
