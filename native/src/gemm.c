#include "gemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm-internal.h"
#include "thread-pool.h"

#define SPN_SCRATCH_SLOTS 4

static const spn_ukernel *active_kernel = NULL;

const spn_ukernel *spn_gemm_kernel(void) {
  if (active_kernel) return active_kernel;
#ifdef SPN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    active_kernel = &spn_ukernel_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    active_kernel = &spn_ukernel_avx2;
  } else
#endif
  {
    active_kernel = &spn_ukernel_generic;
  }
  return active_kernel;
}

int spn_gemm_select(const char *isa) {
  if (strcmp(isa, "generic") == 0) { active_kernel = &spn_ukernel_generic; return 1; }
#ifdef SPN_X86
  __builtin_cpu_init();
  if (strcmp(isa, "avx512") == 0 && __builtin_cpu_supports("avx512f")) {
    active_kernel = &spn_ukernel_avx512;
    return 1;
  }
  if (strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    active_kernel = &spn_ukernel_avx2;
    return 1;
  }
#endif
  return 0;
}

typedef struct { float *p; size_t cap; } scratch_buf;
static scratch_buf scratch[SPN_MAX_THREADS][SPN_SCRATCH_SLOTS];

float *spn_scratch(int thread, int slot, size_t floats) {
  scratch_buf *s = &scratch[thread][slot];
  if (s->cap < floats) {
    free(s->p);
    size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0) {
      fprintf(stderr, "sparsenas native: out of memory allocating %zu bytes of scratch\n", bytes);
      abort();
    }
    s->p = p;
    s->cap = floats;
  }
  return s->p;
}

void spn_epilogue(float *c, ptrdiff_t ldc, int m, int n, const float *bias, int activation,
                  float alpha, const float *prelu) {
  for (int i = 0; i < m; i++) {
    float *row = c + i * ldc;
    if (bias) for (int j = 0; j < n; j++) row[j] += bias[j];
    switch (activation) {
      case SPN_ACT_RELU:
        for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
        break;
      case SPN_ACT_RELU6:
        for (int j = 0; j < n; j++) row[j] = fminf(fmaxf(row[j], 0.f), 6.f);
        break;
      case SPN_ACT_LEAKYRELU:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? alpha * row[j] : row[j];
        break;
      case SPN_ACT_SIGMOID:
        for (int j = 0; j < n; j++) row[j] = 1.f / (1.f + expf(-row[j]));
        break;
      case SPN_ACT_PRELU:
        for (int j = 0; j < n; j++) row[j] = row[j] < 0.f ? prelu[j] * row[j] : row[j];
        break;
      case SPN_ACT_ELU:
        for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : expm1f(row[j]);
        break;
      default:
        break;
    }
  }
}

/* Packs rows [0, mc) x cols [0, kc) of A into mr-row panels, k-major, zero-padded. */
void spn_pack_a(int mc, int kc, const float *a, ptrdiff_t rs, ptrdiff_t cs, int mr,
                   float *dst) {
  for (int i0 = 0; i0 < mc; i0 += mr) {
    const int rows = mc - i0 < mr ? mc - i0 : mr;
    const float *src = a + i0 * rs;
    if (cs == 1) {
      for (int i = 0; i < rows; i++) {
        const float *r = src + i * rs;
        for (int k = 0; k < kc; k++) dst[k * mr + i] = r[k];
      }
      for (int i = rows; i < mr; i++)
        for (int k = 0; k < kc; k++) dst[k * mr + i] = 0.f;
    } else {
      for (int k = 0; k < kc; k++) {
        const float *col = src + k * cs;
        float *d = dst + k * mr;
        for (int i = 0; i < rows; i++) d[i] = col[i * rs];
        for (int i = rows; i < mr; i++) d[i] = 0.f;
      }
    }
    dst += mr * kc;
  }
}

/* Packs rows [0, kc) x cols [0, nc) of B into nr-column panels, k-major, zero-padded. */
void spn_pack_b(int kc, int nc, const float *b, ptrdiff_t rs, ptrdiff_t cs, int nr,
                   float *dst) {
  for (int j0 = 0; j0 < nc; j0 += nr) {
    const int cols = nc - j0 < nr ? nc - j0 : nr;
    if (cs == 1) {
      for (int k = 0; k < kc; k++) {
        const float *r = b + k * rs + j0;
        float *d = dst + k * nr;
        memcpy(d, r, (size_t)cols * sizeof(float));
        for (int j = cols; j < nr; j++) d[j] = 0.f;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float *col = b + (j0 + j) * cs;
        for (int k = 0; k < kc; k++) dst[k * nr + j] = col[k * rs];
      }
      if (cols < nr)
        for (int k = 0; k < kc; k++)
          for (int j = cols; j < nr; j++) dst[k * nr + j] = 0.f;
    }
    dst += nr * kc;
  }
}

/* One micro-tile of C at (i, j): full tiles go straight to C, ragged edge tiles through a
 * local buffer; the epilogue runs once the last K block has been added. */
void spn_run_tile(const spn_gemm_args *g, const spn_ukernel *uk, int kc, const float *ap,
                     const float *bp, int i, int j, int rows, int cols, int acc, int last) {
  float tile[12 * 32] __attribute__((aligned(64)));
  float *cp = g->c + (ptrdiff_t)i * g->ldc + j;
  if (rows == uk->mr && cols == uk->nr) {
    uk->kernel(kc, ap, bp, cp, g->ldc, acc);
  } else {
    uk->kernel(kc, ap, bp, tile, uk->nr, 0);
    for (int r = 0; r < rows; r++) {
      float *crow = cp + r * g->ldc;
      const float *trow = tile + r * uk->nr;
      if (acc) for (int c = 0; c < cols; c++) crow[c] += trow[c];
      else for (int c = 0; c < cols; c++) crow[c] = trow[c];
    }
  }
  if (last && (g->bias != NULL || g->activation != SPN_ACT_LINEAR))
    spn_epilogue(cp, g->ldc, rows, cols, g->bias ? g->bias + j : NULL, g->activation,
                 g->alpha, g->prelu ? g->prelu + j : NULL);
}

/* C[m0:m1, n0:n1] of one GEMM on one thread: the five Goto loops around the micro-kernel. */
void spn_gemm_block(const spn_gemm_args *g, int m0, int m1, int n0, int n1, int thread) {
  const spn_ukernel *uk = spn_gemm_kernel();
  const int mr = uk->mr, nr = uk->nr;
  const int has_epilogue = g->bias != NULL || g->activation != SPN_ACT_LINEAR;
  if (m1 <= m0 || n1 <= n0) return;
  if (g->k == 0) {
    for (int i = m0; i < m1; i++)
      if (!g->accumulate) memset(g->c + i * g->ldc + n0, 0, (size_t)(n1 - n0) * sizeof(float));
    if (has_epilogue)
      spn_epilogue(g->c + m0 * g->ldc + n0, g->ldc, m1 - m0, n1 - n0,
                   g->bias ? g->bias + n0 : NULL, g->activation, g->alpha,
                   g->prelu ? g->prelu + n0 : NULL);
    return;
  }
  const int mc_max = uk->mc, kc_max = uk->kc, nc_max = uk->nc;
  const int nc_alloc = (n1 - n0 < nc_max ? n1 - n0 : nc_max) + nr;
  float *pa = spn_scratch(thread, 0, (size_t)(mc_max + mr) * kc_max);
  float *pb = spn_scratch(thread, 1, (size_t)nc_alloc * kc_max);

  for (int jc = n0; jc < n1; jc += nc_max) {
    const int nc = n1 - jc < nc_max ? n1 - jc : nc_max;
    for (int pc = 0; pc < g->k; pc += kc_max) {
      const int kc = g->k - pc < kc_max ? g->k - pc : kc_max;
      const int acc = g->accumulate || pc > 0;
      const int last = pc + kc >= g->k;
      spn_pack_b(kc, nc, g->b + pc * g->rs_b + jc * g->cs_b, g->rs_b, g->cs_b, nr, pb);
      for (int ic = m0; ic < m1; ic += mc_max) {
        const int mc = m1 - ic < mc_max ? m1 - ic : mc_max;
        spn_pack_a(mc, kc, g->a + ic * g->rs_a + pc * g->cs_a, g->rs_a, g->cs_a, mr, pa);
        for (int jr = 0; jr < nc; jr += nr) {
          const int cols = nc - jr < nr ? nc - jr : nr;
          const float *bp = pb + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += mr) {
            const int rows = mc - ir < mr ? mc - ir : mr;
            const float *ap = pa + (size_t)ir * kc;
            spn_run_tile(g, uk, kc, ap, bp, ic + ir, jc + jr, rows, cols, acc, last);
          }
        }
      }
    }
  }
}

void spn_gemm_serial(const spn_gemm_args *g, int thread) {
  spn_gemm_block(g, 0, g->m, 0, g->n, thread);
}

