/* Fused dense Adam update: one pass over a variable reads w, g, m, v and writes w', m', v'
 * (tfjs' Adam is 14 element-wise kernels per variable). The arithmetic is tfjs' own,
 * operation by operation in float32 and in its order, with no contraction into FMAs:
 *   m' = m*b1 + g*(1-b1)          v' = v*b2 + (g*g)*(1-b2)
 *   w' = ((m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps)) * (-lr) + w
 * The coefficients arrive already rounded to float32 as tfjs rounds its scalars.
 * Kept in its own file so other optimisers (Adam over a sparse layer's non-zeros) can call
 * spn_adam_range on their own index sets. */
#ifndef SPN_ADAM_H
#define SPN_ADAM_H

#include <stddef.h>

typedef struct {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float one_minus_acc_beta1, one_minus_acc_beta2; /* 1 - beta^t, as float32 */
  float epsilon, neg_learning_rate;
} spn_adam_coeffs;

/* Elements [i0, i1) on the calling thread. Outputs may alias their inputs (in place). */
/* The outputs must not overlap the inputs (restrict). */
void spn_adam_range(const spn_adam_coeffs *c, const float *restrict w, const float *restrict g,
                    const float *restrict m, const float *restrict v, float *restrict w_out,
                    float *restrict m_out, float *restrict v_out, size_t i0, size_t i1);
/* All n elements, on the pool when n is large. */
void spn_adam_dense(const spn_adam_coeffs *c, const float *w, const float *g, const float *m,
                    const float *v, float *w_out, float *m_out, float *v_out, size_t n);

#endif
