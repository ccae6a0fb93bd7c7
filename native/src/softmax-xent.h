/* Softmax cross-entropy of logits z [rows x cols] against labels y (one distribution per row),
 * as tf.losses.softmaxCrossEntropy with its default mean reduction: one pass per row. */
#ifndef SPN_SOFTMAX_XENT_H
#define SPN_SOFTMAX_XENT_H

#include <stddef.h>

/* *loss = mean over rows of -sum_j y[i][j] * log_softmax(z[i])[j]. */
void spn_softmax_xent_loss(const float *z, const float *y, size_t rows, size_t cols, float *loss);
/* dz[i][j] = dloss * (softmax(z[i])[j] - y[i][j]) / rows: tfjs' gradient (labels summing to 1). */
void spn_softmax_xent_grad(const float *z, const float *y, size_t rows, size_t cols, float dloss,
                           float *dz);

#endif
