#include "batch-norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd-clones.h"
#include "thread-pool.h"

/* Rows per float partial sum: fixed (not per thread), so the sums' order never changes. */
#define SPN_BN_BLOCK 128
/* Below this many values a pass runs on the calling thread only. */
#define SPN_BN_SERIAL (64 * 1024)

static void *bn_alloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (p == NULL) {
    fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes for a batch norm\n", bytes);
    abort();
  }
  return p;
}

/* One block's float sums: s0[c] = sum of x - center[c] (center NULL: x) or, squared, of its
 * square (kind 1); kind 2: s0[c] = sum dy, s1[c] = sum dy * x^ with x^ = (x - center) * inv
 * (center NULL: x^ = x). */
SPN_CLONES
static void block_sums(int kind, const float *x, const float *dy, const float *center,
                       const float *inv, size_t rows, size_t ch, float *restrict s0,
                       float *restrict s1) {
  for (size_t c = 0; c < ch; c++) s0[c] = s1[c] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * ch;
    if (kind == 0) {
      for (size_t c = 0; c < ch; c++) s0[c] += xr[c];
    } else if (kind == 1) {
      for (size_t c = 0; c < ch; c++) { const float d = xr[c] - center[c]; s0[c] += d * d; }
    } else {
      const float *g = dy + r * ch;
      if (center) {
        for (size_t c = 0; c < ch; c++) { s0[c] += g[c]; s1[c] += g[c] * ((xr[c] - center[c]) * inv[c]); }
      } else {
        for (size_t c = 0; c < ch; c++) { s0[c] += g[c]; s1[c] += g[c] * xr[c]; }
      }
    }
  }
}

typedef struct {
  int kind;
  const float *x, *dy, *center, *inv;
  size_t rows, ch, blocks;
  float *fsum;   /* per task: 2 * ch floats */
  double *part;  /* per block: 2 * ch doubles */
  int tasks;
} sums_job;

static void sums_task(void *ctx, int task, int thread) {
  (void)thread;
  const sums_job *j = ctx;
  const size_t per = (j->blocks + (size_t)j->tasks - 1) / (size_t)j->tasks;
  const size_t b0 = (size_t)task * per, b1 = b0 + per < j->blocks ? b0 + per : j->blocks;
  float *s0 = j->fsum + (size_t)task * 2 * j->ch, *s1 = s0 + j->ch;
  for (size_t b = b0; b < b1; b++) {
    const size_t r0 = b * SPN_BN_BLOCK, n = j->rows - r0 < SPN_BN_BLOCK ? j->rows - r0 : SPN_BN_BLOCK;
    block_sums(j->kind, j->x + r0 * j->ch, j->dy ? j->dy + r0 * j->ch : NULL, j->center, j->inv, n, j->ch, s0, s1);
    double *p = j->part + b * 2 * j->ch;
    for (size_t c = 0; c < j->ch; c++) { p[c] = s0[c]; p[j->ch + c] = s1[c]; }
  }
}

static int pass_tasks(size_t values, size_t units) {
  const int threads = spn_pool_threads();
  if (threads <= 1 || values < SPN_BN_SERIAL || units < 2) return 1;
  const size_t t = (size_t)threads * 4;
  return (int)(t < units ? t : units);
}

/* out0[c] (and out1[c]) = the column sums of one kind, in double, block by block in order. */
static void column_sums(int kind, const float *x, const float *dy, const float *center,
                        const float *inv, size_t rows, size_t ch, double *out0, double *out1) {
  sums_job j = {kind, x, dy, center, inv, rows, ch, (rows + SPN_BN_BLOCK - 1) / SPN_BN_BLOCK, NULL, NULL, 1};
  j.tasks = pass_tasks(rows * ch, j.blocks);
  j.fsum = bn_alloc((size_t)j.tasks * 2 * ch * sizeof(float));
  j.part = bn_alloc(j.blocks * 2 * ch * sizeof(double));
  spn_pool_run(sums_task, &j, j.tasks);
  for (size_t c = 0; c < ch; c++) out0[c] = 0, out1[c] = 0;
  for (size_t b = 0; b < j.blocks; b++) {
    const double *p = j.part + b * 2 * ch;
    for (size_t c = 0; c < ch; c++) { out0[c] += p[c]; out1[c] += p[ch + c]; }
  }
  free(j.part);
  free(j.fsum);
}

/* The element-wise passes: forward y = x * a + b; backward dx = a * (dy - b - x^ * d) with
 * x^ = (x - center) * inv (center NULL: x). Per row, one value per channel of each vector. */
typedef struct {
  int backward;
  const float *x, *dy, *a, *b, *d, *center, *inv;
  float *out;
  size_t rows, ch;
  int tasks;
} map_job;

SPN_CLONES
static void map_rows(const map_job *j, size_t r0, size_t r1) {
  const size_t ch = j->ch;
  const float *restrict a = j->a, *restrict b = j->b;
  for (size_t r = r0; r < r1; r++) {
    const float *xr = j->x + r * ch;
    float *restrict o = j->out + r * ch;
    if (!j->backward) {
      for (size_t c = 0; c < ch; c++) o[c] = xr[c] * a[c] + b[c];
    } else {
      const float *g = j->dy + r * ch, *restrict d = j->d;
      if (j->center) {
        const float *restrict m = j->center, *restrict inv = j->inv;
        for (size_t c = 0; c < ch; c++) o[c] = a[c] * (g[c] - b[c] - ((xr[c] - m[c]) * inv[c]) * d[c]);
      } else {
        for (size_t c = 0; c < ch; c++) o[c] = a[c] * (g[c] - b[c] - xr[c] * d[c]);
      }
    }
  }
}

static void map_task(void *ctx, int task, int thread) {
  (void)thread;
  const map_job *j = ctx;
  const size_t per = (j->rows + (size_t)j->tasks - 1) / (size_t)j->tasks;
  const size_t r0 = (size_t)task * per, r1 = r0 + per < j->rows ? r0 + per : j->rows;
  if (r1 > r0) map_rows(j, r0, r1);
}

static void map_pass(map_job *j) {
  j->tasks = pass_tasks(j->rows * j->ch, j->rows);
  spn_pool_run(map_task, j, j->tasks);
}

void spn_batch_norm_forward(const float *x, const float *gamma, const float *beta, size_t rows,
                            size_t ch, float eps, float *y, float *mean, float *var) {
  double *s = bn_alloc(2 * ch * sizeof(double));
  float *scale = bn_alloc(2 * ch * sizeof(float)), *shift = scale + ch;
  column_sums(0, x, NULL, NULL, NULL, rows, ch, s, s + ch);
  for (size_t c = 0; c < ch; c++) mean[c] = (float)(s[c] / (double)rows);
  column_sums(1, x, NULL, mean, NULL, rows, ch, s, s + ch);
  for (size_t c = 0; c < ch; c++) {
    var[c] = (float)(s[c] / (double)rows);
    const float inv = 1.f / sqrtf(var[c] + eps);
    scale[c] = gamma ? inv * gamma[c] : inv;
    shift[c] = (beta ? beta[c] : 0.f) - mean[c] * scale[c];
  }
  map_job j = {.backward = 0, .x = x, .a = scale, .b = shift, .out = y, .rows = rows, .ch = ch};
  map_pass(&j);
  free(scale);
  free(s);
}

void spn_batch_norm_backward(const float *dy, const float *xs, const float *mean, const float *var,
                             const float *gamma, size_t rows, size_t ch, float eps, float *dx,
                             float *dgamma, float *dbeta) {
  double *s = bn_alloc(2 * ch * sizeof(double));
  float *inv = bn_alloc(4 * ch * sizeof(float)), *scale = inv + ch, *mb = scale + ch, *mg = mb + ch;
  for (size_t c = 0; c < ch; c++) {
    inv[c] = 1.f / sqrtf(var[c] + eps);
    scale[c] = gamma ? inv[c] * gamma[c] : inv[c];
  }
  column_sums(2, xs, dy, mean, inv, rows, ch, s, s + ch);
  for (size_t c = 0; c < ch; c++) {
    if (dbeta) dbeta[c] = (float)s[c];
    if (dgamma) dgamma[c] = (float)s[ch + c];
    mb[c] = (float)(s[c] / (double)rows);
    mg[c] = (float)(s[ch + c] / (double)rows);
  }
  map_job j = {.backward = 1, .x = xs, .dy = dy, .a = scale, .b = mb, .d = mg, .center = mean, .inv = inv,
               .out = dx, .rows = rows, .ch = ch};
  map_pass(&j);
  free(inv);
  free(s);
}
