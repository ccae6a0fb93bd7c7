/* Sparse dense-layer kernels: Y = act(X·W + bias) with W [in x out] (tfjs layout) used only
 * at the non-zeros of its mask, its input gradient and its weight gradient at those non-zeros
 * (a sampled dense-dense product). The mask's pattern is given twice, as compressed rows over
 * the outputs (for each output o, the inputs i with M[i][o] = 1, ascending) and over the inputs
 * (for each input i, the outputs o), built by the caller once per mask change; the weights are
 * read from the dense W in place, so no values are copied per step. Batches are transposed
 * internally (row length padded to 8) so every inner loop runs over the batch, contiguous. */
#ifndef SPN_SPARSE_DENSE_H
#define SPN_SPARSE_DENSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int batch, in, out;
  const int32_t *optr;  /* [out + 1] */
  const int32_t *oidx;  /* [nnz] input index per non-zero, grouped by output */
  const int32_t *iptr;  /* [in + 1] */
  const int32_t *iidx;  /* [nnz] output index per non-zero, grouped by input */
  const int32_t *perm;  /* [nnz] by-input position k -> by-output position of the same weight */
} spn_sparse_dense;

/* y[batch x out] = act(x · (W ⊙ M) + bias); activation: SPN_ACT_LINEAR or SPN_ACT_RELU
 * (bias may be NULL). xt_out, when not NULL, receives the transposed input [in x PAD8(batch)]
 * (padding zero), which the weight gradient of the same step takes instead of transposing x. */
void spn_sparse_dense_forward(const spn_sparse_dense *s, const float *x, const float *w,
                              const float *bias, int activation, float *y, float *xt_out);
/* dz = dy (linear) or dy ⊙ (y > 0) (relu); then dx[batch x in] = dz · (W ⊙ M)ᵀ. The gradient
 * calls keep dz transposed; reuse_dz = 1 takes it from the previous gradient call when that
 * call had the same dy, y and shape (the caller vouches that nothing rewrote dy since), else
 * it is transposed again. */
void spn_sparse_dense_grad_input(const spn_sparse_dense *s, const float *dy, const float *y,
                                 int activation, const float *w, float *dx, int reuse_dz);
/* dw[in x out] = (xᵀ · dz) ⊙ M: exactly zero off the mask. xt: the forward's transposed input
 * (xt_out) or NULL (then x is transposed here). */
void spn_sparse_dense_grad_weight(const spn_sparse_dense *s, const float *dy, const float *y,
                                  int activation, const float *x, const float *xt, int reuse_dz,
                                  float *dw);
/* db[out] = sum over the batch of dz, read row by row from dy (never the transposed dz, along
 * which each output would sum serially). */
void spn_sparse_dense_grad_bias(const spn_sparse_dense *s, const float *dy, const float *y,
                                int activation, float *db);

/* Bytes currently held by these kernels' buffers (grow-only, reused across calls). */
size_t spn_sparse_bytes(void);
/* "avx2" or "generic"; spn_sparse_select forces one (tests), returns 0 if unavailable. */
const char *spn_sparse_isa(void);
int spn_sparse_select(const char *isa);

#endif
