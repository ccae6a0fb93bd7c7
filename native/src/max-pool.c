#include "max-pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "simd-clones.h"
#include "thread-pool.h"

#ifdef SPN_X86
#include <immintrin.h>
#endif

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

/* The input offsets (pixel × channels) of window (oh, ow)'s taps inside the image, in row-major
 * window order (the order the first maximum is taken in); returns how many. */
static int window_positions(const spn_pool_shape *s, int oh, int ow, int *pos) {
  int n = 0;
  for (int kh = 0; kh < s->f_h; kh++) {
    const int ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
    if (ih < 0 || ih >= s->in_h) continue;
    for (int kw = 0; kw < s->f_w; kw++) {
      const int iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
      if (iw >= 0 && iw < s->in_w) pos[n++] = (ih * s->in_w + iw) * s->channels;
    }
  }
  return n;
}

/* The taps are walked in place here, not listed by window_positions: at 4 channels listing
 * them first cost the portable forward 15%. */
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

#ifdef SPN_X86
/* The lanes of a 16-channel chunk that has `left` channels left (all 16 when left >= 16). */
static inline __mmask16 chunk_lanes(int left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

/* pool_task in AVX-512 registers, 16 channels at a time (the last chunk masked): the window's
 * running maximum stays in a register across its taps, one store per output. The same
 * comparison (a tap replaces the maximum only if strictly greater, so NaN never does), the same
 * values as pool_task. */
__attribute__((target("avx512f")))
static void pool_task_avx512(void *ctx, int b, int thread) {
  (void)thread;
  const pool_job *j = ctx;
  const spn_pool_shape *s = j->s;
  const int C = s->channels;
  const float *img = j->x + (size_t)b * s->in_h * s->in_w * C;
  float *out = j->out + (size_t)b * s->out_h * s->out_w * C;
  int pos[64];
  for (int oh = 0; oh < s->out_h; oh++) {
    for (int ow = 0; ow < s->out_w; ow++, out += C) {
      const int n = window_positions(s, oh, ow, pos);
      for (int c = 0; c < C; c += 16) {
        const __mmask16 lanes = chunk_lanes(C - c);
        __m512 best = _mm512_set1_ps(-INFINITY);
        for (int k = 0; k < n; k++) {
          const __m512 v = _mm512_maskz_loadu_ps(lanes, img + pos[k] + c);
          best = _mm512_mask_mov_ps(best, _mm512_mask_cmp_ps_mask(lanes, v, best, _CMP_GT_OQ), v);
        }
        _mm512_mask_storeu_ps(out + c, lanes, best);
      }
    }
  }
}
#endif

/* The AVX-512 paths hold a window of up to 64 taps (8 x 8); larger ones take the portable loops. */
static int wide_pool(const spn_pool_shape *s) {
#ifdef SPN_X86
  static int avx512 = -1;
  if (avx512 < 0) { __builtin_cpu_init(); avx512 = __builtin_cpu_supports("avx512f") != 0; }
  /* read per call: the test that compares the two paths sets it between calls */
  return avx512 && s->f_h * s->f_w <= 64 && getenv("SPARSENAS_POOL_PORTABLE") == NULL;
#else
  (void)s;
  return 0;
#endif
}

void spn_max_pool(const spn_pool_shape *s, const float *x, float *out) {
  pool_job j = {s, x, NULL, out};
#ifdef SPN_X86
  if (wide_pool(s)) { spn_pool_run(pool_task_avx512, &j, s->batch); return; }
#endif
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
  /* one scratch slot: the channels' first-maximum positions, then the window's tap offsets */
  int *where = (int *)spn_scratch(thread, 3, (size_t)C + (size_t)s->f_h * s->f_w);
  int *pos = where + C;
  memset(dx, 0, image * sizeof(float));
  for (int oh = 0; oh < s->out_h; oh++) {
    for (int ow = 0; ow < s->out_w; ow++, dy += C) {
      for (int c = 0; c < C; c++) { best[c] = -INFINITY; where[c] = -1; }
      const int n = window_positions(s, oh, ow, pos);
      for (int k = 0; k < n; k++) argmax_into(best, where, img + pos[k], pos[k], C);
      for (int c = 0; c < C; c++)
        if (where[c] >= 0) dx[where[c]] += dy[c];
    }
  }
}

#ifdef SPN_X86
/* grad_task in AVX-512 registers, 16 channels at a time (the last chunk masked): the window's
 * running maximum and the index of its first maximum stay in two registers across the window
 * (instead of a best/where pass through memory per position), and dy goes back with one masked
 * add per window position (instead of a scalar scatter per channel). The same rule (strictly
 * greater replaces, so ties keep the earlier position; NaN and -inf never win), the same adds
 * onto the zeroed dx in the same window order: the same bits as grad_task. */
__attribute__((target("avx512f")))
static void grad_task_avx512(void *ctx, int b, int thread) {
  (void)thread;
  const pool_job *j = ctx;
  const spn_pool_shape *s = j->s;
  const int C = s->channels;
  const size_t image = (size_t)s->in_h * s->in_w * C;
  const float *img = j->x + (size_t)b * image;
  const float *dy = j->dy + (size_t)b * s->out_h * s->out_w * C;
  float *dx = j->out + (size_t)b * image;
  memset(dx, 0, image * sizeof(float));
  int pos[64];
  for (int oh = 0; oh < s->out_h; oh++) {
    for (int ow = 0; ow < s->out_w; ow++, dy += C) {
      const int n = window_positions(s, oh, ow, pos);
      for (int c = 0; c < C; c += 16) {
        const __mmask16 lanes = chunk_lanes(C - c);
        __m512 best = _mm512_set1_ps(-INFINITY);
        __m512i first = _mm512_set1_epi32(-1);
        for (int k = 0; k < n; k++) {
          const __m512 v = _mm512_maskz_loadu_ps(lanes, img + pos[k] + c);
          const __mmask16 gt = _mm512_mask_cmp_ps_mask(lanes, v, best, _CMP_GT_OQ);
          best = _mm512_mask_mov_ps(best, gt, v);
          first = _mm512_mask_mov_epi32(first, gt, _mm512_set1_epi32(k));
        }
        const __m512 d = _mm512_maskz_loadu_ps(lanes, dy + c);
        for (int k = 0; k < n; k++) {
          const __mmask16 at = _mm512_mask_cmpeq_epi32_mask(lanes, first, _mm512_set1_epi32(k));
          if (at == 0) continue;
          float *o = dx + pos[k] + c;
          _mm512_mask_storeu_ps(o, at, _mm512_add_ps(_mm512_maskz_loadu_ps(at, o), d));
        }
      }
    }
  }
}
#endif

void spn_max_pool_grad(const spn_pool_shape *s, const float *dy, const float *x, float *dx) {
  pool_job j = {s, x, dy, dx};
#ifdef SPN_X86
  if (wide_pool(s)) { spn_pool_run(grad_task_avx512, &j, s->batch); return; }
#endif
  spn_pool_run(grad_task, &j, s->batch);
}
