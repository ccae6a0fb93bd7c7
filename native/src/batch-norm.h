/* Training-mode batch normalisation over the rows of x [rows x ch] (channels last, every axis
 * but the last flattened into rows), forward and its exact gradient, in two passes over the
 * data each way where tfjs' composition runs about six forward and ten backward. Per-channel
 * sums run in float over blocks of a fixed number of rows and in double across blocks, in
 * block order: the results do not depend on the thread count. */
#ifndef SPN_BATCH_NORM_H
#define SPN_BATCH_NORM_H

#include <stddef.h>

/* mean[c] and the biased variance var[c] of x's column c (two-pass: the variance sums
 * (x - mean)^2), then y = x * scale + shift with scale = gamma / sqrt(var + eps) (gamma NULL:
 * 1) and shift = beta - mean * scale (beta NULL: 0). */
void spn_batch_norm_forward(const float *x, const float *gamma, const float *beta, size_t rows,
                            size_t ch, float eps, float *y, float *mean, float *var);

/* The gradient of the forward above at dy, through the batch statistics too:
 *   x^ = (x - mean) / sqrt(var + eps)  (mean NULL: xs is x^ itself, e.g. y without gamma/beta),
 *   dbeta = sum dy,  dgamma = sum dy * x^,
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / rows - x^ * dgamma / rows).
 * dgamma and dbeta may be NULL (not wanted); gamma NULL means 1. */
void spn_batch_norm_backward(const float *dy, const float *xs, const float *mean, const float *var,
                             const float *gamma, size_t rows, size_t ch, float eps, float *dx,
                             float *dgamma, float *dbeta);

#endif
