#include "conv2d.h"

#include <string.h>

#include "gemm.h"
#include "thread-pool.h"

/* Patch-matrix budget per chunk: 256 Ki floats = 1 MiB, half of a Sapphire Rapids L2. */
#define SPN_COLS_BUDGET (256 * 1024)
#define SPN_SLOT_COLS 3

static int patch_len(const spn_conv_shape *s) { return s->f_h * s->f_w * s->in_c; }
static int pixels(const spn_conv_shape *s) { return s->out_h * s->out_w; }

/* A 1x1, stride-1, unpadded convolution is already a GEMM on the input itself. */
static int is_pointwise(const spn_conv_shape *s) {
  return s->f_h == 1 && s->f_w == 1 && s->stride_h == 1 && s->stride_w == 1 &&
         s->pad_top == 0 && s->pad_left == 0 && s->out_h == s->in_h && s->out_w == s->in_w;
}

static int chunk_images(const spn_conv_shape *s) {
  const long per_image = (long)pixels(s) * patch_len(s);
  int by_budget = per_image > 0 ? (int)(SPN_COLS_BUDGET / per_image) : s->batch;
  /* At least ~4 chunks per thread so a descheduled thread doesn't stall the others. */
  const int by_balance = (s->batch + 4 * spn_pool_threads() - 1) / (4 * spn_pool_threads());
  int n = by_budget < by_balance ? by_budget : by_balance;
  return n < 1 ? 1 : n;
}

/* cols[(b - b0) * P + oh * OW + ow][(kh * FW + kw) * C + c] = x[b, ih, iw, c] or 0. */
static void im2col(const spn_conv_shape *s, const float *x, int b0, int nb, float *cols) {
  const int C = s->in_c, K = patch_len(s), W = s->in_w, H = s->in_h;
  const int run = s->f_w * C;
  float *row = cols;
  for (int b = b0; b < b0 + nb; b++) {
    const float *img = x + (size_t)b * H * W * C;
    for (int oh = 0; oh < s->out_h; oh++) {
      for (int ow = 0; ow < s->out_w; ow++, row += K) {
        const int iw0 = ow * s->stride_w - s->pad_left;
        for (int kh = 0; kh < s->f_h; kh++) {
          const int ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
          float *dst = row + kh * run;
          if (ih < 0 || ih >= H) { memset(dst, 0, (size_t)run * sizeof(float)); continue; }
          const float *src_row = img + (size_t)ih * W * C;
          if (s->dil_w == 1 && iw0 >= 0 && iw0 + s->f_w <= W) {
            memcpy(dst, src_row + (size_t)iw0 * C, (size_t)run * sizeof(float));
            continue;
          }
          for (int kw = 0; kw < s->f_w; kw++, dst += C) {
            const int iw = iw0 + kw * s->dil_w;
            if (iw < 0 || iw >= W) memset(dst, 0, (size_t)C * sizeof(float));
            else memcpy(dst, src_row + (size_t)iw * C, (size_t)C * sizeof(float));
          }
        }
      }
    }
  }
}

/* The adjoint of im2col: dx[b, ih, iw, c] += cols[...] for images [b0, b0 + nb). */
static void col2im_add(const spn_conv_shape *s, const float *cols, int b0, int nb, float *dx) {
  const int C = s->in_c, K = patch_len(s), W = s->in_w, H = s->in_h;
  const float *row = cols;
  for (int b = b0; b < b0 + nb; b++) {
    float *img = dx + (size_t)b * H * W * C;
    for (int oh = 0; oh < s->out_h; oh++) {
      for (int ow = 0; ow < s->out_w; ow++, row += K) {
        const int iw0 = ow * s->stride_w - s->pad_left;
        for (int kh = 0; kh < s->f_h; kh++) {
          const int ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
          if (ih < 0 || ih >= H) continue;
          const float *src = row + kh * s->f_w * C;
          float *dst_row = img + (size_t)ih * W * C;
          for (int kw = 0; kw < s->f_w; kw++, src += C) {
            const int iw = iw0 + kw * s->dil_w;
            if (iw < 0 || iw >= W) continue;
            float *dst = dst_row + (size_t)iw * C;
            for (int c = 0; c < C; c++) dst[c] += src[c];
          }
        }
      }
    }
  }
}

typedef struct {
  const spn_conv_shape *s;
  const float *x, *w, *bias, *dy;
  float *out;
  int activation;
  float alpha;
  const float *prelu;
  int chunk;
  float **partials;   /* filter gradient: one accumulator per slot of a wave */
  int wave, wave_width;
} conv_job;

/* The images of one task and their patch matrix (the input itself for pointwise convs). */
static const float *patches(const conv_job *j, int task, int thread, int *b0, int *nb) {
  const spn_conv_shape *s = j->s;
  *b0 = task * j->chunk;
  *nb = *b0 + j->chunk <= s->batch ? j->chunk : s->batch - *b0;
  const size_t rows = (size_t)*nb * pixels(s);
  if (is_pointwise(s)) return j->x + (size_t)*b0 * pixels(s) * patch_len(s);
  float *buf = spn_scratch(thread, SPN_SLOT_COLS, rows * patch_len(s));
  im2col(s, j->x, *b0, *nb, buf);
  return buf;
}

static void forward_task(void *ctx, int task, int thread) {
  const conv_job *j = ctx;
  const spn_conv_shape *s = j->s;
  int b0, nb;
  const float *cols = patches(j, task, thread, &b0, &nb);
  const int P = pixels(s), K = patch_len(s);
  spn_gemm_args g = {
      .m = nb * P, .n = s->out_c, .k = K,
      .a = cols, .rs_a = K, .cs_a = 1,
      .b = j->w, .rs_b = s->out_c, .cs_b = 1,
      .c = j->out + (size_t)b0 * P * s->out_c, .ldc = s->out_c,
      .accumulate = 0, .bias = j->bias, .activation = j->activation, .alpha = j->alpha,
      .prelu = j->prelu};
  spn_gemm_serial(&g, thread);
}

static int chunk_count(const spn_conv_shape *s, int chunk) {
  return (s->batch + chunk - 1) / chunk;
}

void spn_conv2d(const spn_conv_shape *s, const float *x, const float *w, const float *bias,
                int activation, float alpha, const float *prelu, float *out) {
  conv_job j = {.s = s, .x = x, .w = w, .bias = bias, .out = out, .activation = activation,
                .alpha = alpha, .prelu = prelu, .chunk = chunk_images(s)};
  spn_pool_run(forward_task, &j, chunk_count(s, j.chunk));
}

static void filter_task(void *ctx, int slot, int thread) {
  const conv_job *j = ctx;
  const spn_conv_shape *s = j->s;
  /* Wave `wave` runs chunks wave*W .. wave*W+W-1; slot i always accumulates chunk wave*W+i into
   * partials[i], whichever thread runs it: the sum order is fixed, so the gradient is the same
   * bits on every run with the same thread count (a per-thread accumulator depended on which
   * thread claimed which chunk). */
  const int task = j->wave * j->wave_width + slot;
  int b0, nb;
  const float *cols = patches(j, task, thread, &b0, &nb);
  const int P = pixels(s), K = patch_len(s);
  /* dW[K x Cout] += cols^T[K x rows] * dy[rows x Cout]: A is cols read transposed. */
  spn_gemm_args g = {
      .m = K, .n = s->out_c, .k = nb * P,
      .a = cols, .rs_a = 1, .cs_a = K,
      .b = j->dy + (size_t)b0 * P * s->out_c, .rs_b = s->out_c, .cs_b = 1,
      .c = j->partials[slot], .ldc = s->out_c,
      .accumulate = 1, .bias = NULL, .activation = SPN_ACT_LINEAR, .alpha = 0.f};
  spn_gemm_serial(&g, thread);
}

void spn_conv2d_backprop_filter(const spn_conv_shape *s, const float *x, const float *dy,
                                float *dw) {
  const int threads = spn_pool_threads();
  const size_t size = (size_t)patch_len(s) * s->out_c;
  float *partials[SPN_MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    partials[t] = spn_scratch(t, 2, size);
    memset(partials[t], 0, size * sizeof(float));
  }
  conv_job j = {.s = s, .x = x, .dy = dy, .chunk = chunk_images(s), .partials = partials, .wave_width = threads};
  const int tasks = chunk_count(s, j.chunk);
  for (j.wave = 0; j.wave * threads < tasks; j.wave++) {
    const int left = tasks - j.wave * threads;
    spn_pool_run(filter_task, &j, left < threads ? left : threads);
  }
  memcpy(dw, partials[0], size * sizeof(float));
  for (int t = 1; t < threads; t++)
    for (size_t i = 0; i < size; i++) dw[i] += partials[t][i];
}

static void input_task(void *ctx, int task, int thread) {
  const conv_job *j = ctx;
  const spn_conv_shape *s = j->s;
  const int b0 = task * j->chunk;
  const int nb = b0 + j->chunk <= s->batch ? j->chunk : s->batch - b0;
  const int P = pixels(s), K = patch_len(s);
  const size_t image = (size_t)s->in_h * s->in_w * s->in_c;
  const int pointwise = is_pointwise(s);
  float *dcols = pointwise ? j->out + (size_t)b0 * image
                           : spn_scratch(thread, SPN_SLOT_COLS, (size_t)nb * P * K);
  /* dcols[rows x K] = dy[rows x Cout] * W^T, W stored [K x Cout]. */
  spn_gemm_args g = {
      .m = nb * P, .n = K, .k = s->out_c,
      .a = j->dy + (size_t)b0 * P * s->out_c, .rs_a = s->out_c, .cs_a = 1,
      .b = j->w, .rs_b = 1, .cs_b = s->out_c,
      .c = dcols, .ldc = K,
      .accumulate = 0, .bias = NULL, .activation = SPN_ACT_LINEAR, .alpha = 0.f};
  spn_gemm_serial(&g, thread);
  if (pointwise) return;
  memset(j->out + (size_t)b0 * image, 0, (size_t)nb * image * sizeof(float));
  col2im_add(s, dcols, b0, nb, j->out);
}

void spn_conv2d_backprop_input(const spn_conv_shape *s, const float *dy, const float *w,
                               float *dx) {
  conv_job j = {.s = s, .dy = dy, .w = w, .out = dx, .chunk = chunk_images(s)};
  spn_pool_run(input_task, &j, chunk_count(s, j.chunk));
}
