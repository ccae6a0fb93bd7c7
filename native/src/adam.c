/* Exactly tfjs' per-op float32 arithmetic: no a*b+c contracted into an FMA (GCC honours the
 * optimize pragma, Clang the STDC one). */
#pragma GCC optimize("fp-contract=off")
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "adam.h"

#include <math.h>

#include "simd-clones.h"
#include "thread-pool.h"

#define SPN_ADAM_PARALLEL_MIN (64 * 1024)
#define SPN_ADAM_CHUNK (16 * 1024)

SPN_CLONES
void spn_adam_range(const spn_adam_coeffs *c, const float *restrict w, const float *restrict g,
                    const float *restrict m, const float *restrict v, float *restrict w_out,
                    float *restrict m_out, float *restrict v_out, size_t i0, size_t i1) {
  /* restrict: the outputs never overlap the inputs (the kernel allocates them), and without it
   * GCC gives up on the 12 alias checks and emits the scalar loop in every clone. */
  const float b1 = c->beta1, ob1 = c->one_minus_beta1, b2 = c->beta2, ob2 = c->one_minus_beta2;
  const float oa1 = c->one_minus_acc_beta1, oa2 = c->one_minus_acc_beta2;
  const float eps = c->epsilon, nlr = c->neg_learning_rate;
  for (size_t i = i0; i < i1; i++) {
    const float gi = g[i];
    const float m1 = m[i] * b1, m2 = gi * ob1;
    const float mn = m1 + m2;
    const float v1 = v[i] * b2, g2 = gi * gi;
    const float v2 = g2 * ob2;
    const float vn = v1 + v2;
    const float mh = mn / oa1, vh = vn / oa2;
    const float d = sqrtf(vh) + eps;
    const float q = mh / d;
    const float u = q * nlr;
    const float wn = u + w[i];
    m_out[i] = mn;
    v_out[i] = vn;
    w_out[i] = wn;
  }
}

typedef struct {
  const spn_adam_coeffs *c;
  const float *w, *g, *m, *v;
  float *w_out, *m_out, *v_out;
  size_t n;
} adam_job;

static void adam_task(void *ctx, int task, int thread) {
  (void)thread;
  const adam_job *j = ctx;
  const size_t i0 = (size_t)task * SPN_ADAM_CHUNK;
  const size_t i1 = i0 + SPN_ADAM_CHUNK < j->n ? i0 + SPN_ADAM_CHUNK : j->n;
  spn_adam_range(j->c, j->w, j->g, j->m, j->v, j->w_out, j->m_out, j->v_out, i0, i1);
}

void spn_adam_dense(const spn_adam_coeffs *c, const float *w, const float *g, const float *m,
                    const float *v, float *w_out, float *m_out, float *v_out, size_t n) {
  if (n < SPN_ADAM_PARALLEL_MIN) {
    spn_adam_range(c, w, g, m, v, w_out, m_out, v_out, 0, n);
    return;
  }
  adam_job j = {c, w, g, m, v, w_out, m_out, v_out, n};
  spn_pool_run(adam_task, &j, (int)((n + SPN_ADAM_CHUNK - 1) / SPN_ADAM_CHUNK));
}
