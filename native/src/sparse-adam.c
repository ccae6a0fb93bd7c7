/* Adam at the non-zeros of a mask (sparse-adam.h). The arithmetic is tfjs' AdamOptimizer's,
 * operation by operation in float32 and in its order, with no fused multiply-adds (this file
 * turns contraction off), so a masked dense step and this one agree to the last bits at the
 * non-zeros:  m' = m·β1 + g·(1-β1); v' = v·β2 + g²·(1-β2);
 *             w' = ((m'/c1) / (sqrt(v'/c2) + ε))·(-lr) + w. */
#pragma GCC optimize("fp-contract=off")
#include "sparse-adam.h"

#include <math.h>
#include <stddef.h>

#include "simd-clones.h"

/* Non-zeros per block: gathered into contiguous lanes, stepped by the vectorised loop below,
 * scattered back. */
#define SPN_SPARSE_ADAM_BLOCK 512

/* Adam on n contiguous lanes, in place (g is scratch): the operations of the file comment, in
 * its order. IEEE division and square root are exactly rounded at every vector width, and
 * contraction is off, so every clone gives the same bits. */
SPN_CLONES
static void adam_lanes(int n, float *restrict g, float *restrict w, float *restrict m,
                       float *restrict v, const spn_adam_hyper *h) {
  const float b1 = h->b1, b2 = h->b2, ob1 = h->one_minus_b1, ob2 = h->one_minus_b2;
  const float c1 = h->c1, c2 = h->c2, eps = h->eps, neg_lr = h->neg_lr;
  const float scale = h->scale, wd = h->wd;
  const int use_scale = h->use_scale, use_wd = h->use_wd;
  for (int j = 0; j < n; j++) {
    float gj = g[j];
    if (use_scale) gj = gj * scale;
    if (use_wd) { const float d = w[j] * wd; gj = gj + d; }
    const float gm = gj * ob1, g2 = (gj * gj) * ob2;
    const float mm = m[j] * b1, vv = v[j] * b2;
    const float nm = mm + gm, nv = vv + g2;
    m[j] = nm;
    v[j] = nv;
    const float mh = nm / c1, vh = nv / c2;
    const float den = sqrtf(vh) + eps;
    const float upd = (mh / den) * neg_lr;
    w[j] = upd + w[j];
  }
}

void spn_sparse_adam(int in, int out, const int32_t *iptr, const int32_t *iidx, float *w,
                     const float *dw, float *m, float *v, int compact, const spn_adam_hyper *h) {
  float gb[SPN_SPARSE_ADAM_BLOCK], wb[SPN_SPARSE_ADAM_BLOCK];
  float mb[SPN_SPARSE_ADAM_BLOCK], vb[SPN_SPARSE_ADAM_BLOCK];
  size_t at[SPN_SPARSE_ADAM_BLOCK];
  const int32_t first = iptr[0], nnz = iptr[in] - first;
  int i = 0;
  for (int32_t kb = 0; kb < nnz; kb += SPN_SPARSE_ADAM_BLOCK) {
    const int n = nnz - kb < SPN_SPARSE_ADAM_BLOCK ? (int)(nnz - kb) : SPN_SPARSE_ADAM_BLOCK;
    for (int j = 0; j < n; j++) {
      const int32_t k = first + kb + j;
      while (k >= iptr[i + 1]) i++;
      const size_t a = (size_t)i * (size_t)out + (size_t)iidx[k];
      at[j] = a;
      gb[j] = dw[a];
      wb[j] = w[a];
      if (!compact) { mb[j] = m[a]; vb[j] = v[a]; }
    }
    float *mm = compact ? m + first + kb : mb, *vv = compact ? v + first + kb : vb;
    adam_lanes(n, gb, wb, mm, vv, h);
    for (int j = 0; j < n; j++) {
      w[at[j]] = wb[j];
      if (!compact) { m[at[j]] = mb[j]; v[at[j]] = vb[j]; }
    }
  }
}
