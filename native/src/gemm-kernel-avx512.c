/* AVX-512 micro-kernel: 12 rows x 32 columns, 24 zmm accumulators, one broadcast of A
 * and two vector loads of B per k. Compiled with a target attribute so the rest of the
 * addon stays baseline x86-64; it only runs where __builtin_cpu_supports("avx512f"). */
#include "gemm.h"

#include <immintrin.h>

#define MR 12
#define NR 32

#define SPN_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f,fma")))
static void kernel_12x32(int kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                         int accumulate) {
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
  SPN_ROWS(DECL)
#undef DECL
  for (int k = 0; k < kc; k++) {
    __m512 b0 = _mm512_load_ps(b);
    __m512 b1 = _mm512_load_ps(b + 16);
#define STEP(i)                                  \
  {                                              \
    __m512 ai = _mm512_set1_ps(a[i]);            \
    c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);  \
    c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);  \
  }
    SPN_ROWS(STEP)
#undef STEP
    a += MR;
    b += NR;
  }
  if (accumulate) {
#define STORE(i)                                                               \
  _mm512_storeu_ps(c + i * ldc, _mm512_add_ps(_mm512_loadu_ps(c + i * ldc), c##i##0)); \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_add_ps(_mm512_loadu_ps(c + i * ldc + 16), c##i##1));
    SPN_ROWS(STORE)
#undef STORE
  } else {
#define STORE(i)                              \
  _mm512_storeu_ps(c + i * ldc, c##i##0);     \
  _mm512_storeu_ps(c + i * ldc + 16, c##i##1);
    SPN_ROWS(STORE)
#undef STORE
  }
}

/* kc*nr*4 = 32 KiB of B per micro-panel stays in L1 (48 KiB on Sapphire Rapids);
 * mc*kc*4 = 192 KiB of packed A stays in L2. */
const spn_ukernel spn_ukernel_avx512 = {"avx512", MR, NR, 192, 256, 2048, kernel_12x32};
