/* AVX2+FMA micro-kernel: 6 rows x 16 columns, 12 ymm accumulators (the Haswell shape). */
#include "gemm.h"

#include <immintrin.h>

#define MR 6
#define NR 16

#define SPN_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

__attribute__((target("avx2,fma")))
static void kernel_6x16(int kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                        int accumulate) {
#define DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
  SPN_ROWS(DECL)
#undef DECL
  for (int k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(b);
    __m256 b1 = _mm256_load_ps(b + 8);
#define STEP(i)                                  \
  {                                              \
    __m256 ai = _mm256_broadcast_ss(a + i);      \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);  \
    c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);  \
  }
    SPN_ROWS(STEP)
#undef STEP
    a += MR;
    b += NR;
  }
  if (accumulate) {
#define STORE(i)                                                               \
  _mm256_storeu_ps(c + i * ldc, _mm256_add_ps(_mm256_loadu_ps(c + i * ldc), c##i##0)); \
  _mm256_storeu_ps(c + i * ldc + 8, _mm256_add_ps(_mm256_loadu_ps(c + i * ldc + 8), c##i##1));
    SPN_ROWS(STORE)
#undef STORE
  } else {
#define STORE(i)                              \
  _mm256_storeu_ps(c + i * ldc, c##i##0);     \
  _mm256_storeu_ps(c + i * ldc + 8, c##i##1);
    SPN_ROWS(STORE)
#undef STORE
  }
}

const spn_ukernel spn_ukernel_avx2 = {"avx2", MR, NR, 120, 256, 2048, kernel_6x16};
