/* db[o] += dz[o] for one row of a layer's output gradient [rows x out], where dz = d (linear)
 * or d where the layer's output g > 0 (relu): the bias gradients of the sparse dense-layer and
 * conv kernels sum their rows in order through this, one lane per output. The loads are
 * unconditional so the gated sum vectorises (a conditional load keeps the loop scalar, ~6x
 * slower at 128 x 300). */
#ifndef SPN_BIAS_ROWS_H
#define SPN_BIAS_ROWS_H

#include <stddef.h>

#include "simd-clones.h"

SPN_CLONES static void spn_bias_row_add(float *restrict db, const float *restrict d, const float *restrict g, size_t out) {
  if (g) {
    for (size_t o = 0; o < out; o++) {
      const float v = d[o];
      db[o] += g[o] > 0.f ? v : 0.f;
    }
  } else {
    for (size_t o = 0; o < out; o++) db[o] += d[o];
  }
}

#endif
