#include "dense-layer.h"

#include <string.h>

#include "gemm.h"
#include "simd-clones.h"
#include "thread-pool.h"

/* Rows summed in float before being added to the double accumulator, as reduce-sum.c does. */
#define SPN_DZ_BLOCK_ROWS 64
#define SPN_DZ_COL_CHUNK 1024
/* Below this many values one thread does it: a pool wake-up costs more than the pass. */
#define SPN_DZ_PARALLEL_MIN (64 * 1024)

SPN_CLONES
static void mask_rows(const float *restrict dy, const float *restrict y, float *restrict dz,
                      size_t rows, size_t cols, size_t c0, size_t cn, float *restrict block) {
  for (size_t c = 0; c < cn; c++) block[c] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float *restrict g = dy + r * cols + c0;
    const float *restrict a = y + r * cols + c0;
    float *restrict z = dz + r * cols + c0;
    for (size_t c = 0; c < cn; c++) {
      const float gv = g[c], av = a[c]; /* both loaded: a branch-free select vectorises */
      const float v = av > 0.f ? gv : 0.f;
      z[c] = v;
      block[c] += v;
    }
  }
}

SPN_CLONES
static void sum_rows(const float *restrict dy, size_t rows, size_t cols, size_t c0, size_t cn,
                     float *restrict block) {
  for (size_t c = 0; c < cn; c++) block[c] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float *restrict g = dy + r * cols + c0;
    for (size_t c = 0; c < cn; c++) block[c] += g[c];
  }
}

typedef struct {
  const float *dy, *y;
  float *dz;
  size_t rows, cols;
  int relu, tasks;
  double *partials[SPN_MAX_THREADS];
} grad_z_job;

/* Rows [r0, r1) of task `task`: dz written, column sums into that task's partials. */
static void grad_z_task(void *ctx, int task, int thread) {
  (void)thread;
  grad_z_job *j = ctx;
  const size_t per = (j->rows + j->tasks - 1) / j->tasks;
  const size_t r0 = (size_t)task * per, r1 = r0 + per < j->rows ? r0 + per : j->rows;
  double *acc = j->partials[task];
  float block[SPN_DZ_COL_CHUNK];
  memset(acc, 0, j->cols * sizeof(double));
  for (size_t c0 = 0; c0 < j->cols; c0 += SPN_DZ_COL_CHUNK) {
    const size_t cn = j->cols - c0 < SPN_DZ_COL_CHUNK ? j->cols - c0 : SPN_DZ_COL_CHUNK;
    for (size_t r = r0; r < r1; r += SPN_DZ_BLOCK_ROWS) {
      const size_t n = r1 - r < SPN_DZ_BLOCK_ROWS ? r1 - r : SPN_DZ_BLOCK_ROWS;
      if (j->relu)
        mask_rows(j->dy + r * j->cols, j->y + r * j->cols, j->dz + r * j->cols, n, j->cols, c0,
                  cn, block);
      else
        sum_rows(j->dy + r * j->cols, n, j->cols, c0, cn, block);
      for (size_t c = 0; c < cn; c++) acc[c0 + c] += block[c];
    }
  }
}

void spn_dense_grad_z(const float *dy, const float *y, float *dz, float *db, size_t rows,
                      size_t cols, int relu) {
  grad_z_job j = {.dy = dy, .y = y, .dz = dz, .rows = rows, .cols = cols, .relu = relu};
  const int threads = spn_pool_threads();
  j.tasks = rows * cols < SPN_DZ_PARALLEL_MIN || rows < 2 ? 1 : (rows < (size_t)threads ? (int)rows : threads);
  for (int t = 0; t < j.tasks; t++)
    j.partials[t] = (double *)spn_scratch(t, 2, cols * 2); /* doubles in a float buffer */
  if (j.tasks == 1) grad_z_task(&j, 0, 0);
  else spn_pool_run(grad_z_task, &j, j.tasks);
  if (db)
    for (size_t c = 0; c < cols; c++) {
      double s = 0;
      for (int t = 0; t < j.tasks; t++) s += j.partials[t][c];
      db[c] = (float)s;
    }
}
