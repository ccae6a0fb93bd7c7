#include "elementwise.h"

#include <math.h>

#include "simd-clones.h"
#include "thread-pool.h"

/* Below this many elements a kernel runs on the calling thread. */
#define SPN_PARALLEL_MIN (64 * 1024)
#define SPN_CHUNK (16 * 1024)

/* One binary op over out[i0:i1]; the switch is outside the loops so each loop vectorises. */
#define SPN_BINARY_LOOPS(EXPR)                                                           \
  switch (broadcast) {                                                                   \
    case SPN_BCAST_NONE:                                                                 \
      for (size_t i = i0; i < i1; i++) { const float x = a[i], y = b[i]; out[i] = EXPR; } \
      break;                                                                             \
    case SPN_BCAST_A_SCALAR: {                                                           \
      const float x = a[0];                                                              \
      for (size_t i = i0; i < i1; i++) { const float y = b[i]; out[i] = EXPR; }          \
      break;                                                                             \
    }                                                                                    \
    case SPN_BCAST_B_SCALAR: {                                                           \
      const float y = b[0];                                                              \
      for (size_t i = i0; i < i1; i++) { const float x = a[i]; out[i] = EXPR; }          \
      break;                                                                             \
    }                                                                                    \
    case SPN_BCAST_A_ROW:                                                                \
      for (size_t r = i0 / row * row; r < i1; r += row) {                                \
        const size_t c0 = r < i0 ? i0 - r : 0, c1 = r + row > i1 ? i1 - r : row;         \
        for (size_t c = c0; c < c1; c++) { const float x = a[c], y = b[r + c]; out[r + c] = EXPR; } \
      }                                                                                  \
      break;                                                                             \
    case SPN_BCAST_B_ROW:                                                                \
      for (size_t r = i0 / row * row; r < i1; r += row) {                                \
        const size_t c0 = r < i0 ? i0 - r : 0, c1 = r + row > i1 ? i1 - r : row;         \
        for (size_t c = c0; c < c1; c++) { const float x = a[r + c], y = b[c]; out[r + c] = EXPR; } \
      }                                                                                  \
      break;                                                                             \
  }

SPN_CLONES
static void binary_range(int op, int broadcast, const float *a, const float *b, float *out,
                         size_t i0, size_t i1, size_t row) {
  switch (op) {
    case SPN_ADD: SPN_BINARY_LOOPS(x + y) break;
    case SPN_SUB: SPN_BINARY_LOOPS(x - y) break;
    case SPN_MUL: SPN_BINARY_LOOPS(x * y) break;
    case SPN_DIV: SPN_BINARY_LOOPS(x / y) break;
  }
}

SPN_CLONES
static void unary_range(int op, const float *x, float *out, size_t i0, size_t i1, float alpha) {
  switch (op) {
    case SPN_SQRT: for (size_t i = i0; i < i1; i++) out[i] = sqrtf(x[i]); break;
    case SPN_SQUARE: for (size_t i = i0; i < i1; i++) out[i] = x[i] * x[i]; break;
    /* NaN propagates through both, as in tfjs. */
    case SPN_RELU: for (size_t i = i0; i < i1; i++) out[i] = x[i] < 0.f ? 0.f : x[i]; break;
    case SPN_STEP:
      for (size_t i = i0; i < i1; i++) out[i] = x[i] > 0.f ? 1.f : (x[i] != x[i] ? x[i] : alpha);
      break;
  }
}

typedef struct {
  int op, broadcast, unary;
  const float *a, *b;
  float *out;
  size_t n, row;
  float alpha;
} ew_job;

static void ew_task(void *ctx, int task, int thread) {
  (void)thread;
  const ew_job *j = ctx;
  const size_t i0 = (size_t)task * SPN_CHUNK;
  const size_t i1 = i0 + SPN_CHUNK < j->n ? i0 + SPN_CHUNK : j->n;
  if (j->unary) unary_range(j->op, j->a, j->out, i0, i1, j->alpha);
  else binary_range(j->op, j->broadcast, j->a, j->b, j->out, i0, i1, j->row);
}

static void run(const ew_job *j) {
  if (j->n < SPN_PARALLEL_MIN) {
    ew_task((void *)j, 0, 0);
    if (j->n > SPN_CHUNK) { /* ew_task covers one chunk: finish inline */
      if (j->unary) unary_range(j->op, j->a, j->out, SPN_CHUNK, j->n, j->alpha);
      else binary_range(j->op, j->broadcast, j->a, j->b, j->out, SPN_CHUNK, j->n, j->row);
    }
    return;
  }
  spn_pool_run(ew_task, (void *)j, (int)((j->n + SPN_CHUNK - 1) / SPN_CHUNK));
}

void spn_binary(int op, int broadcast, const float *a, const float *b, float *out, size_t n,
                size_t row) {
  ew_job j = {.op = op, .broadcast = broadcast, .a = a, .b = b, .out = out, .n = n, .row = row};
  run(&j);
}

void spn_unary(int op, const float *x, float *out, size_t n, float alpha) {
  ew_job j = {.op = op, .unary = 1, .a = x, .out = out, .n = n, .alpha = alpha};
  run(&j);
}
