/* Adam over the non-zeros of a masked weight only (sparse-adam.c). The pattern is the mask's
 * by-input compression (sparse-dense.h: iptr/iidx); W and its gradient are dense [in x out]
 * (the gradient is zero off the mask), the moments either dense [in x out] (`compact` 0:
 * indexed like W) or one value per non-zero in pattern order (`compact` 1). Entries of W off
 * the mask are never read or written, so a W that is exactly 0 there stays exactly 0. */
#ifndef SPN_SPARSE_ADAM_H
#define SPN_SPARSE_ADAM_H

#include <stdint.h>

typedef struct {
  /* tfjs' AdamOptimizer constants, each as the float32 scalar it multiplies by:
   * one_minus_b1 = 1 - beta1, c1 = 1 - beta1^t (tfjs' 1 - accBeta1), neg_lr = -learningRate. */
  float b1, b2, one_minus_b1, one_minus_b2, c1, c2, eps, neg_lr;
  /* g = dw * scale + w * wd (global-norm clipping, then coupled L2 decay); flags skip each. */
  float scale, wd;
  int use_scale, use_wd;
} spn_adam_hyper;

void spn_sparse_adam(int in, int out, const int32_t *iptr, const int32_t *iidx, float *w,
                     const float *dw, float *m, float *v, int compact, const spn_adam_hyper *h);

#endif
