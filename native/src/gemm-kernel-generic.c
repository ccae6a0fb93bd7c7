/* Portable micro-kernel in plain C: the compiler vectorises the inner loop with the
 * baseline ISA. The accumulator tile must fit the register file: 4 x 16 floats are 16
 * NEON registers of aarch64's 32, while x86-64's baseline (SSE2, 16 registers) gets 4 x 8. */
#include "gemm.h"

#define MR 4
#if defined(__x86_64__) || defined(__i386__)
#define NR 8
#else
#define NR 16
#endif

static void kernel_generic(int kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
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

const spn_ukernel spn_ukernel_generic = {"generic", MR, NR, 128, 256, 2048, kernel_generic};
