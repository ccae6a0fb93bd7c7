#include "dense-layer.h"

#include "simd-clones.h"

/* Rows summed in float before being added to the double accumulator, as reduce-sum.c does. */
#define SPN_DZ_BLOCK_ROWS 64
#define SPN_DZ_COL_CHUNK 1024

SPN_CLONES
static void mask_rows(const float *dy, const float *y, float *dz, size_t rows, size_t cols,
                      size_t c0, size_t cn, float *block) {
  for (size_t c = 0; c < cn; c++) block[c] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float *g = dy + r * cols + c0;
    if (y) {
      const float *a = y + r * cols + c0;
      float *z = dz + r * cols + c0;
      for (size_t c = 0; c < cn; c++) {
        const float v = a[c] > 0.f ? g[c] : 0.f;
        z[c] = v;
        block[c] += v;
      }
    } else {
      for (size_t c = 0; c < cn; c++) block[c] += g[c];
    }
  }
}

void spn_dense_grad_z(const float *dy, const float *y, float *dz, float *db, size_t rows,
                      size_t cols, int relu) {
  /* Serial: at a training batch this is a few hundred KB, below what a pool wake-up repays. */
  float block[SPN_DZ_COL_CHUNK];
  double acc[SPN_DZ_COL_CHUNK];
  for (size_t c0 = 0; c0 < cols; c0 += SPN_DZ_COL_CHUNK) {
    const size_t cn = cols - c0 < SPN_DZ_COL_CHUNK ? cols - c0 : SPN_DZ_COL_CHUNK;
    for (size_t c = 0; c < cn; c++) acc[c] = 0;
    for (size_t r = 0; r < rows; r += SPN_DZ_BLOCK_ROWS) {
      const size_t n = rows - r < SPN_DZ_BLOCK_ROWS ? rows - r : SPN_DZ_BLOCK_ROWS;
      mask_rows(dy + r * cols, relu ? y + r * cols : NULL, relu ? dz + r * cols : NULL, n, cols,
                c0, cn, block);
      for (size_t c = 0; c < cn; c++) acc[c] += block[c];
    }
    if (db)
      for (size_t c = 0; c < cn; c++) db[c0 + c] = (float)acc[c];
  }
}
