#include "softmax-xent.h"

#include <math.h>

/* log(sum_j exp(z_j - max)) + max, summed in double. */
static double log_sum_exp(const float *z, size_t cols) {
  float m = z[0];
  for (size_t j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
  double s = 0;
  for (size_t j = 0; j < cols; j++) s += exp((double)z[j] - m);
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
    const double lse = log_sum_exp(zi, cols);
    for (size_t j = 0; j < cols; j++) di[j] = (float)(scale * (exp((double)zi[j] - lse) - yi[j]));
  }
}
