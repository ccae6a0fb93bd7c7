#include "reduce-sum.h"

#include <string.h>

#include "gemm.h"
#include "simd-clones.h"
#include "thread-pool.h"

/* Rows summed in float before being added to the double accumulator: vector speed with
 * an error that does not grow with the number of rows. */
#define SPN_BLOCK_ROWS 64
#define SPN_COL_CHUNK 1024

typedef struct {
  const float *x;
  size_t outer, inner;
  float *out;
  double *partials[SPN_MAX_THREADS];
  int tasks;
} sum_job;

SPN_CLONES
static void add_rows(const float *x, size_t rows, size_t inner, size_t c0, size_t cn,
                     float *block) {
  for (size_t c = 0; c < cn; c++) block[c] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * inner + c0;
    for (size_t c = 0; c < cn; c++) block[c] += row[c];
  }
}

static void outer_task(void *ctx, int task, int thread) {
  sum_job *j = ctx;
  const size_t per = (j->outer + j->tasks - 1) / j->tasks;
  const size_t r0 = (size_t)task * per, r1 = r0 + per < j->outer ? r0 + per : j->outer;
  double *acc = j->partials[task];
  float *block = spn_scratch(thread, 3, SPN_COL_CHUNK);
  memset(acc, 0, j->inner * sizeof(double));
  for (size_t c0 = 0; c0 < j->inner; c0 += SPN_COL_CHUNK) {
    const size_t cn = j->inner - c0 < SPN_COL_CHUNK ? j->inner - c0 : SPN_COL_CHUNK;
    for (size_t r = r0; r < r1; r += SPN_BLOCK_ROWS) {
      const size_t rows = r1 - r < SPN_BLOCK_ROWS ? r1 - r : SPN_BLOCK_ROWS;
      add_rows(j->x + r * j->inner, rows, j->inner, c0, cn, block);
      for (size_t c = 0; c < cn; c++) acc[c0 + c] += block[c];
    }
  }
}

void spn_sum_outer(const float *x, size_t outer, size_t inner, float *out) {
  sum_job j = {.x = x, .outer = outer, .inner = inner, .out = out};
  const int threads = spn_pool_threads();
  j.tasks = outer * inner < 65536 || outer < 2 ? 1 : (outer < (size_t)threads ? (int)outer : threads);
  for (int t = 0; t < j.tasks; t++)
    j.partials[t] = (double *)spn_scratch(t, 2, inner * 2); /* doubles in a float buffer */
  spn_pool_run(outer_task, &j, j.tasks);
  for (size_t c = 0; c < inner; c++) {
    double s = 0;
    for (int t = 0; t < j.tasks; t++) s += j.partials[t][c];
    out[c] = (float)s;
  }
}

SPN_CLONES
static float row_sum(const float *row, size_t n) {
  float lanes[16] = {0};
  size_t c = 0;
  for (; c + 16 <= n; c += 16)
    for (int l = 0; l < 16; l++) lanes[l] += row[c + l];
  double s = 0;
  for (int l = 0; l < 16; l++) s += lanes[l];
  for (; c < n; c++) s += row[c];
  return (float)s;
}

static void inner_task(void *ctx, int task, int thread) {
  (void)thread;
  sum_job *j = ctx;
  const size_t per = (j->outer + j->tasks - 1) / j->tasks;
  const size_t r0 = (size_t)task * per, r1 = r0 + per < j->outer ? r0 + per : j->outer;
  for (size_t r = r0; r < r1; r++) j->out[r] = row_sum(j->x + r * j->inner, j->inner);
}

void spn_sum_inner(const float *x, size_t outer, size_t inner, float *out) {
  sum_job j = {.x = x, .outer = outer, .inner = inner, .out = out};
  const int threads = spn_pool_threads();
  j.tasks = outer * inner < 65536 || outer < 2 ? 1 : (outer < (size_t)threads * 4 ? (int)outer : threads * 4);
  spn_pool_run(inner_task, &j, j.tasks);
}
