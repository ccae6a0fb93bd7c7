/* N:M dense-layer kernels: Y = act(X · (W ⊙ M(W)) + bias) with W [in x out] (tfjs layout) and
 * M(W) the N:M magnitude mask along the input axis: in every group of m consecutive inputs of
 * an output keep the n of largest |w| (ties: the lower input); a trailing partial group of
 * r = in mod m inputs keeps ceil(n·r/m) (evaluators/sparse/nm-mask.ts, the same rule).
 *
 * The compressed format has no row pointers: every output keeps the same number of weights,
 * k = nmKept(in, n, m), stored as k values and k input indices per output, in group order.
 * Packing reads W once (one pass, O(in·out)), so SR-STE, whose mask follows W at every step,
 * repacks in every forward. Results do not depend on the thread count: every output value is
 * summed by one task in a fixed order. */
#ifndef SPN_NM_DENSE_H
#define SPN_NM_DENSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int in, out, n, m, k;   /* k: kept weights per output */
  int32_t *idx;           /* [out x k] input index, ascending per output */
  float *val;             /* [out x k] W at idx */
} spn_nm;

/* Kept weights per output along an input axis of length `in`. */
int spn_nm_kept(int in, int n, int m);
/* Fills p->idx and p->val (sized out x k by the caller) from W [in x out]. */
void spn_nm_pack(spn_nm *p, const float *w);
/* y[batch x out] = act(x · W_nm + bias); activation SPN_ACT_LINEAR or SPN_ACT_RELU, bias may be NULL. */
void spn_nm_forward(const spn_nm *p, int batch, const float *x, const float *bias, int activation, float *y);
/* dx[batch x in] = dz · W_nmᵀ (dz = the gradient at the pre-activation). */
void spn_nm_grad_input(const spn_nm *p, int batch, const float *dz, float *dx);
/* SR-STE's refinement: dw[i][o] += lambda · w[i][o] wherever M(W)[i][o] = 0 (kept entries untouched). */
void spn_nm_decay(const spn_nm *p, const float *w, float lambda, float *dw);

/* "avx512", "avx2" or "generic"; spn_nm_select forces one (tests), returns 0 if unavailable. */
const char *spn_nm_isa(void);
int spn_nm_select(const char *isa);
/* Bytes held by these kernels' per-thread buffers (grow-only, reused). */
size_t spn_nm_bytes(void);

#endif
