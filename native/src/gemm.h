/* Blocked, packed single-precision GEMM (Goto/BLIS loop order) with a fused epilogue.
 * C[i][j] = beta*C[i][j] + sum_k A(i,k) * B(k,j), then optional bias[j] and activation.
 * A(i,k) = A[i*rs_a + k*cs_a] and B(k,j) = B[k*rs_b + j*cs_b], so every transposition
 * is a choice of strides and the packing routines absorb it. */
#ifndef SPN_GEMM_H
#define SPN_GEMM_H

#include <stddef.h>

enum spn_activation {
  SPN_ACT_LINEAR = 0,
  SPN_ACT_RELU = 1,
  SPN_ACT_RELU6 = 2,
  SPN_ACT_LEAKYRELU = 3,
  SPN_ACT_SIGMOID = 4,
  SPN_ACT_ELU = 5,
  SPN_ACT_PRELU = 6   /* per-column slopes in `prelu` */
};

typedef struct {
  int m, n, k;
  const float *a; ptrdiff_t rs_a, cs_a;
  const float *b; ptrdiff_t rs_b, cs_b;
  float *c; ptrdiff_t ldc;
  int accumulate;       /* 0: C = AB, 1: C += AB */
  const float *bias;    /* length n or NULL */
  int activation;       /* enum spn_activation */
  float alpha;          /* leaky-relu slope */
  const float *prelu;   /* length n, for SPN_ACT_PRELU */
} spn_gemm_args;

/* One micro-kernel: C[mr x nr] (row stride ldc) = (accumulate ? C : 0) + Apanel * Bpanel,
 * Apanel packed k-major with mr values per k, Bpanel k-major with nr values per k. */
typedef void (*spn_ukernel_fn)(int kc, const float *a, const float *b, float *c,
                               ptrdiff_t ldc, int accumulate);
typedef struct {
  const char *isa;
  int mr, nr;
  int mc, kc, nc;       /* cache blocking */
  spn_ukernel_fn kernel;
} spn_ukernel;

const spn_ukernel *spn_gemm_kernel(void);   /* the best kernel this CPU runs */
/* Forces a kernel by ISA name ("avx512", "avx2", "generic"); returns 0 if unavailable. */
int spn_gemm_select(const char *isa);

/* Multithreaded over the pool. */
void spn_gemm(const spn_gemm_args *args);
/* Runs on the calling pool thread only, using that thread's scratch (for callers that
 * already parallelise at a coarser grain, e.g. convolutions over images). */
void spn_gemm_serial(const spn_gemm_args *args, int thread);
/* Bias + activation over rows [0, m) of a row-major block. */
void spn_epilogue(float *c, ptrdiff_t ldc, int m, int n, const float *bias, int activation,
                  float alpha, const float *prelu);

/* Per-thread scratch that grows on demand, 64-byte aligned; slot separates uses. */
float *spn_scratch(int thread, int slot, size_t floats);

extern const spn_ukernel spn_ukernel_generic;
#ifdef SPN_X86
extern const spn_ukernel spn_ukernel_avx512;
extern const spn_ukernel spn_ukernel_avx2;
#endif

#endif
