#include "softmax-xent.h"

#include <math.h>

/* Per row: m = max z, e_j = exp(z_j - m) in float (one expf per element; the row's sum and
 * the loss in double), so the gradient's softmax e_j / sum needs no second exp. expf is within
 * an ulp of float, where every caller compares against tfjs' float32 composition. */

static float row_max(const float *z, size_t cols) {
  float m = z[0];
  for (size_t j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
  return m;
}

/* log(sum_j exp(z_j - max)) + max. */
static double log_sum_exp(const float *z, size_t cols) {
  const float m = row_max(z, cols);
  double s = 0;
  for (size_t j = 0; j < cols; j++) s += (double)expf(z[j] - m);
  return log(s) + m;
}

void spn_softmax_xent_loss(const float *z, const float *y, size_t rows, size_t cols, float *loss) {
  double total = 0;
  for (size_t i = 0; i < rows; i++) {
    const float *zi = z + i * cols, *yi = y + i * cols;
    const double lse = log_sum_exp(zi, cols);
    for (size_t j = 0; j < cols; j++) total -= (double)yi[j] * ((double)zi[j] - lse);
  }
  *loss = (float)(total / (double)rows);
}

void spn_softmax_xent_grad(const float *z, const float *y, size_t rows, size_t cols, float dloss,
                           float *dz) {
  const double scale = (double)dloss / (double)rows;
  for (size_t i = 0; i < rows; i++) {
    const float *zi = z + i * cols, *yi = y + i * cols;
    float *di = dz + i * cols;
    const float m = row_max(zi, cols);
    double s = 0;
    for (size_t j = 0; j < cols; j++) {
      const float e = expf(zi[j] - m);
      di[j] = e; /* the row's exps, scaled below */
      s += (double)e;
    }
    const double inv = 1.0 / s;
    for (size_t j = 0; j < cols; j++) di[j] = (float)(scale * ((double)di[j] * inv - yi[j]));
  }
}
