/* Portable micro-kernel (4 x 16) in plain C: the compiler vectorises the inner loop with
 * the baseline ISA (SSE2 on x86-64, NEON on aarch64). */
#include "gemm.h"

#define MR 4
#define NR 16

static void kernel_4x16(int kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                        int accumulate) {
  float acc[MR][NR] = {{0}};
  for (int k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++) {
      const float ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    float *row = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < NR; j++) row[j] += acc[i][j];
    } else {
      for (int j = 0; j < NR; j++) row[j] = acc[i][j];
    }
  }
}

const spn_ukernel spn_ukernel_generic = {"generic", MR, NR, 128, 256, 2048, kernel_4x16};
