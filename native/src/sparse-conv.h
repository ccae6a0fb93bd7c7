/* Sparse 2-D convolution kernels (NHWC input, HWIO filter as tfjs stores them) with the filter
 * used only at the non-zeros of its mask: forward act(conv(x, W ⊙ M) + bias), the input
 * gradient, the filter gradient at the non-zeros (exactly zero elsewhere) and the bias gradient.
 *
 * The mask [K = fh*fw*cin x cout] is given compressed twice, as for the sparse dense layer:
 * by output channel (the patch positions k = (kh*fw + kw)*cin + ci it keeps, ascending) and by
 * patch position (its output channels), built by the caller once per mask change.
 *
 * Method (no im2col): a chunk of images is laid out channel-major on a per-image grid of
 * Hq x Wq pixels, split into stride_h*stride_w pixel phases. On that grid every filter tap
 * (kh, kw) is one constant shift of the flat pixel index, so output channel co is
 *   out[co][p] = sum over its non-zeros (ci, kh, kw) of w * in[row(ci, tap)][p + shift(tap)]
 * — a sparse row times dense vectors running over whole image chunks, contiguous, with no
 * patch matrix. Grid pixels outside the OH x OW output are computed and discarded (their share
 * is 1 - OH*OW/(Hq*Wq)). The input gradient is the same product with the shifts negated over
 * the output gradient; the filter gradient one dot product per non-zero. */
#ifndef SPN_SPARSE_CONV_H
#define SPN_SPARSE_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "conv2d.h"

typedef struct {
  spn_conv_shape g;
  const int32_t *optr;  /* [out_c + 1] */
  const int32_t *oidx;  /* [nnz] patch position k per non-zero, grouped by output channel */
  const int32_t *iptr;  /* [K + 1] */
  const int32_t *iidx;  /* [nnz] output channel per non-zero, grouped by patch position */
} spn_sparse_conv;

/* y[b, oh, ow, co] = act(conv(x, W ⊙ M) + bias); activation SPN_ACT_LINEAR or SPN_ACT_RELU. */
void spn_sparse_conv_forward(const spn_sparse_conv *s, const float *x, const float *w,
                             const float *bias, int activation, float *y);
/* dz = dy (linear) or dy ⊙ (y > 0) (relu); dx = conv_transpose(dz, W ⊙ M). */
void spn_sparse_conv_grad_input(const spn_sparse_conv *s, const float *dy, const float *y,
                                int activation, const float *w, float *dx);
/* dw[kh, kw, ci, co] = sum of patch * dz at the mask's non-zeros, exactly 0 elsewhere. */
void spn_sparse_conv_grad_filter(const spn_sparse_conv *s, const float *dy, const float *y,
                                 int activation, const float *x, float *dw);
/* db[co] = sum over images and pixels of dz. */
void spn_sparse_conv_grad_bias(const spn_sparse_conv *s, const float *dy, const float *y,
                               int activation, float *db);

/* Bytes held by these kernels' grow-only buffers. */
size_t spn_sparse_conv_bytes(void);
/* "avx512", "avx2" or "generic"; spn_sparse_conv_select forces one (tests), 0 if unavailable. */
const char *spn_sparse_conv_isa(void);
int spn_sparse_conv_select(const char *isa);

#endif
