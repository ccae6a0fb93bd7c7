/* Adam at the non-zeros of a mask (sparse-adam.h). The arithmetic is tfjs' AdamOptimizer's,
 * operation by operation in float32 and in its order, with no fused multiply-adds (this file
 * turns contraction off), so a masked dense step and this one agree to the last bits at the
 * non-zeros:  m' = m·β1 + g·(1-β1); v' = v·β2 + g²·(1-β2);
 *             w' = ((m'/c1) / (sqrt(v'/c2) + ε))·(-lr) + w. */
#pragma GCC optimize("fp-contract=off")
#include "sparse-adam.h"

#include <math.h>
#include <stddef.h>

void spn_sparse_adam(int in, int out, const int32_t *iptr, const int32_t *iidx, float *w,
                     const float *dw, float *m, float *v, int compact, const spn_adam_hyper *h) {
  const float b1 = h->b1, b2 = h->b2, ob1 = h->one_minus_b1, ob2 = h->one_minus_b2;
  const float c1 = h->c1, c2 = h->c2, eps = h->eps, neg_lr = h->neg_lr;
  for (int i = 0; i < in; i++) {
    const size_t row = (size_t)i * (size_t)out;
    for (int32_t k = iptr[i]; k < iptr[i + 1]; k++) {
      const size_t at = row + (size_t)iidx[k];
      const size_t s = compact ? (size_t)k : at;
      float g = dw[at];
      if (h->use_scale) g = g * h->scale;
      if (h->use_wd) { const float d = w[at] * h->wd; g = g + d; }
      const float gm = g * ob1, g2 = (g * g) * ob2;
      const float mm = m[s] * b1, vv = v[s] * b2;
      const float nm = mm + gm, nv = vv + g2;
      m[s] = nm;
      v[s] = nv;
      const float mh = nm / c1, vh = nv / c2;
      const float den = sqrtf(vh) + eps;
      const float upd = (mh / den) * neg_lr;
      w[at] = upd + w[at];
    }
  }
}
