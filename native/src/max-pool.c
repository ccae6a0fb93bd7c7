#include "max-pool.h"

#include <math.h>
#include <string.h>

#include "gemm.h"
#include "simd-clones.h"
#include "thread-pool.h"

typedef struct {
  const spn_pool_shape *s;
  const float *x, *dy;
  float *out;
} pool_job;

SPN_CLONES
static void max_into(float *out, const float *px, int C) {
  for (int c = 0; c < C; c++) out[c] = px[c] > out[c] ? px[c] : out[c];
}

/* Branch-free so it vectorises: lanes whose value beats the running maximum take its
 * value and position; ties keep the earlier position. */
SPN_CLONES
static void argmax_into(float *best, int *where, const float *px, int pos, int C) {
  for (int c = 0; c < C; c++) {
    const int gt = px[c] > best[c];
    best[c] = gt ? px[c] : best[c];
    where[c] = gt ? pos + c : where[c];
  }
}

static void pool_task(void *ctx, int b, int thread) {
  (void)thread;
  const pool_job *j = ctx;
  const spn_pool_shape *s = j->s;
  const int C = s->channels;
  const float *img = j->x + (size_t)b * s->in_h * s->in_w * C;
  float *out = j->out + (size_t)b * s->out_h * s->out_w * C;
  for (int oh = 0; oh < s->out_h; oh++) {
    for (int ow = 0; ow < s->out_w; ow++, out += C) {
      for (int c = 0; c < C; c++) out[c] = -INFINITY;
      for (int kh = 0; kh < s->f_h; kh++) {
        const int ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
        if (ih < 0 || ih >= s->in_h) continue;
        for (int kw = 0; kw < s->f_w; kw++) {
          const int iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
          if (iw < 0 || iw >= s->in_w) continue;
          max_into(out, img + ((size_t)ih * s->in_w + iw) * C, C);
        }
      }
    }
  }
}

void spn_max_pool(const spn_pool_shape *s, const float *x, float *out) {
  pool_job j = {s, x, NULL, out};
  spn_pool_run(pool_task, &j, s->batch);
}

static void grad_task(void *ctx, int b, int thread) {
  const pool_job *j = ctx;
  const spn_pool_shape *s = j->s;
  const int C = s->channels;
  const size_t image = (size_t)s->in_h * s->in_w * C;
  const float *img = j->x + (size_t)b * image;
  const float *dy = j->dy + (size_t)b * s->out_h * s->out_w * C;
  float *dx = j->out + (size_t)b * image;
  float *best = spn_scratch(thread, 2, (size_t)C);
  int *where = (int *)spn_scratch(thread, 3, (size_t)C);
  memset(dx, 0, image * sizeof(float));
  for (int oh = 0; oh < s->out_h; oh++) {
    for (int ow = 0; ow < s->out_w; ow++, dy += C) {
      for (int c = 0; c < C; c++) { best[c] = -INFINITY; where[c] = -1; }
      for (int kh = 0; kh < s->f_h; kh++) {
        const int ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
        if (ih < 0 || ih >= s->in_h) continue;
        for (int kw = 0; kw < s->f_w; kw++) {
          const int iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
          if (iw < 0 || iw >= s->in_w) continue;
          const int pos = (ih * s->in_w + iw) * C;
          argmax_into(best, where, img + pos, pos, C);
        }
      }
      for (int c = 0; c < C; c++)
        if (where[c] >= 0) dx[where[c]] += dy[c];
    }
  }
}

void spn_max_pool_grad(const spn_pool_shape *s, const float *dy, const float *x, float *dx) {
  pool_job j = {s, x, dy, dx};
  spn_pool_run(grad_task, &j, s->batch);
}
