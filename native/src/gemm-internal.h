/* Building blocks shared by the serial (gemm.c) and multithreaded (gemm-parallel.c) drivers. */
#ifndef SPN_GEMM_INTERNAL_H
#define SPN_GEMM_INTERNAL_H

#include "gemm.h"

/* Packs rows [0, mc) x cols [0, kc) of A into mr-row panels, k-major, zero-padded. */
void spn_pack_a(int mc, int kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, int mr, float *dst);
/* Packs rows [0, kc) x cols [0, nc) of B into nr-column panels, k-major, zero-padded. */
void spn_pack_b(int kc, int nc, const float *b, ptrdiff_t rs, ptrdiff_t cs, int nr, float *dst);
/* One micro-tile of C at (i, j), ragged edges included; epilogue after the last K block. */
void spn_run_tile(const spn_gemm_args *g, const spn_ukernel *uk, int kc, const float *ap,
                  const float *bp, int i, int j, int rows, int cols, int acc, int last);
/* C[m0:m1, n0:n1] on one thread, with that thread's scratch. */
void spn_gemm_block(const spn_gemm_args *g, int m0, int m1, int n0, int n1, int thread);

#endif
