/* The element-wise half of a dense layer's gradient, y = act(x·W + b): the gradient at the
 * pre-activation (dz = dy masked by ReLU's derivative) and the bias gradient (its column sum)
 * in one pass over dy; the dX and dW GEMMs run on spn_gemm. */
#ifndef SPN_DENSE_LAYER_H
#define SPN_DENSE_LAYER_H

#include <stddef.h>

/* Row-major [rows x cols]. relu: dz[i] = y[i] > 0 ? dy[i] : 0 (dz may be NULL: linear, dz is
 * dy itself). db (or NULL) = sum over rows of dz, accumulated in double. */
void spn_dense_grad_z(const float *dy, const float *y, float *dz, float *db, size_t rows,
                      size_t cols, int relu);

#endif
