/* N-API surface. Every kernel receives the wasm backend's heap (a Float32Array over the
 * whole WebAssembly.Memory) and byte offsets into it, so tensors are read and written in
 * place with no copy; the JS side allocates outputs with the backend's own makeOutput. */
#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "adam.h"
#include "conv2d.h"
#include "dense-layer.h"
#include "elementwise.h"
#include "gemm.h"
#include "max-pool.h"
#include "reduce-sum.h"
#include "sparse-adam.h"
#include "sparse-conv.h"
#include "softmax-xent.h"
#include "batch-norm.h"
#include "sparse-dense.h"
#include "nm-dense.h"
#include "simd-clones.h"
#include "thread-pool.h"

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "SPARSENAS_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

/* The pool, the per-thread scratch and the kernel choice are process-wide, but each
 * worker_thread that loads the addon calls it from its own JS thread: kernels from
 * different JS threads take turns. */
static pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCKED(stmt)                    \
  do {                                  \
    pthread_mutex_lock(&kernel_lock);   \
    stmt;                               \
    pthread_mutex_unlock(&kernel_lock); \
  } while (0)

typedef struct {
  uint8_t *base;
  size_t bytes;
} heap_view;

static int get_heap(napi_env env, napi_value v, heap_view *h) {
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_float32_array) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "heap must be a Float32Array");
    return 0;
  }
  h->base = data;
  h->bytes = length * sizeof(float);
  return 1;
}

/* Resolves a byte offset into the heap, checking that `floats` values fit. A negative
 * offset means "absent" (optional bias) and yields NULL without error. */
static int heap_ptr(napi_env env, const heap_view *h, napi_value v, size_t floats,
                    float **out) {
  double off;
  if (napi_get_value_double(env, v, &off) != napi_ok) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "offset must be a number");
    return 0;
  }
  if (off < 0) { *out = NULL; return 1; }
  size_t o = (size_t)off;
  if ((o & 3) != 0 || o > h->bytes || floats > (h->bytes - o) / sizeof(float)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "tensor lies outside the wasm heap");
    return 0;
  }
  *out = (float *)(h->base + o);
  return 1;
}

static int get_ints(napi_env env, napi_value v, int32_t *dst, size_t n) {
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_int32_array || length != n) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "expected an Int32Array of the right length");
    return 0;
  }
  memcpy(dst, data, n * sizeof(int32_t));
  for (size_t i = 0; i < n; i++)
    if (dst[i] < 0) {
      napi_throw_range_error(env, "SPARSENAS_NATIVE", "shape fields must be non-negative");
      return 0;
    }
  return 1;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "wrong number of arguments");
    return 0;
  }
  return 1;
}

/* gemm(heap, a, b, c, bias, dims Int32Array[batch, m, n, k, transA, transB, batchA,
 *      batchB, activation], alpha, prelu) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  heap_view h;
  int32_t d[9];
  double alpha;
  if (!get_args(env, info, 8, argv) || !get_heap(env, argv[0], &h) ||
      !get_ints(env, argv[5], d, 9))
    return NULL;
  CHECK(napi_get_value_double(env, argv[6], &alpha));
  const int batch = d[0], m = d[1], n = d[2], k = d[3], ta = d[4], tb = d[5];
  const int batch_a = d[6], batch_b = d[7];
  float *a, *b, *c, *bias, *prelu;
  if (!heap_ptr(env, &h, argv[7], (size_t)n, &prelu) ||
      !heap_ptr(env, &h, argv[1], (size_t)batch_a * m * k, &a) ||
      !heap_ptr(env, &h, argv[2], (size_t)batch_b * k * n, &b) ||
      !heap_ptr(env, &h, argv[3], (size_t)batch * m * n, &c) ||
      !heap_ptr(env, &h, argv[4], (size_t)n, &bias))
    return NULL;
  if (d[8] == SPN_ACT_PRELU && prelu == NULL) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "prelu activation needs its weights");
    return NULL;
  }
  for (int i = 0; i < batch; i++) {
    spn_gemm_args g = {
        .m = m, .n = n, .k = k,
        .a = a + (batch_a == 1 ? 0 : (size_t)i * m * k),
        .rs_a = ta ? 1 : k, .cs_a = ta ? m : 1,
        .b = b + (batch_b == 1 ? 0 : (size_t)i * k * n),
        .rs_b = tb ? 1 : n, .cs_b = tb ? k : 1,
        .c = c + (size_t)i * m * n, .ldc = n,
        .accumulate = 0, .bias = bias, .activation = d[8], .alpha = (float)alpha,
        .prelu = prelu};
    LOCKED(spn_gemm(&g));
  }
  return NULL;
}

static int conv_shape(napi_env env, napi_value v, spn_conv_shape *s) {
  int32_t f[SPN_CONV_SHAPE_FIELDS];
  if (!get_ints(env, v, f, SPN_CONV_SHAPE_FIELDS)) return 0;
  *s = (spn_conv_shape){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
                        f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  if (s->stride_h < 1 || s->stride_w < 1 || s->dil_h < 1 || s->dil_w < 1) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "strides and dilations must be >= 1");
    return 0;
  }
  return 1;
}

static size_t conv_in(const spn_conv_shape *s) {
  return (size_t)s->batch * s->in_h * s->in_w * s->in_c;
}
static size_t conv_out(const spn_conv_shape *s) {
  return (size_t)s->batch * s->out_h * s->out_w * s->out_c;
}
static size_t conv_filter(const spn_conv_shape *s) {
  return (size_t)s->f_h * s->f_w * s->in_c * s->out_c;
}

/* conv2d(heap, x, w, bias, out, shape, activation, alpha, prelu) */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  heap_view h;
  spn_conv_shape s;
  int32_t act;
  double alpha;
  float *x, *w, *bias, *out, *prelu;
  if (!get_args(env, info, 9, argv) || !get_heap(env, argv[0], &h) ||
      !conv_shape(env, argv[5], &s))
    return NULL;
  CHECK(napi_get_value_int32(env, argv[6], &act));
  CHECK(napi_get_value_double(env, argv[7], &alpha));
  if (!heap_ptr(env, &h, argv[1], conv_in(&s), &x) ||
      !heap_ptr(env, &h, argv[2], conv_filter(&s), &w) ||
      !heap_ptr(env, &h, argv[3], (size_t)s.out_c, &bias) ||
      !heap_ptr(env, &h, argv[8], (size_t)s.out_c, &prelu) ||
      !heap_ptr(env, &h, argv[4], conv_out(&s), &out))
    return NULL;
  if (act == SPN_ACT_PRELU && prelu == NULL) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "prelu activation needs its weights");
    return NULL;
  }
  LOCKED(spn_conv2d(&s, x, w, bias, act, (float)alpha, prelu, out));
  return NULL;
}

/* conv2dBackpropFilter(heap, x, dy, dw, shape) */
static napi_value js_conv2d_backprop_filter(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  heap_view h;
  spn_conv_shape s;
  float *x, *dy, *dw;
  if (!get_args(env, info, 5, argv) || !get_heap(env, argv[0], &h) ||
      !conv_shape(env, argv[4], &s) || !heap_ptr(env, &h, argv[1], conv_in(&s), &x) ||
      !heap_ptr(env, &h, argv[2], conv_out(&s), &dy) ||
      !heap_ptr(env, &h, argv[3], conv_filter(&s), &dw))
    return NULL;
  LOCKED(spn_conv2d_backprop_filter(&s, x, dy, dw));
  return NULL;
}

/* conv2dBackpropInput(heap, dy, w, dx, shape) */
static napi_value js_conv2d_backprop_input(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  heap_view h;
  spn_conv_shape s;
  float *dy, *w, *dx;
  if (!get_args(env, info, 5, argv) || !get_heap(env, argv[0], &h) ||
      !conv_shape(env, argv[4], &s) || !heap_ptr(env, &h, argv[1], conv_out(&s), &dy) ||
      !heap_ptr(env, &h, argv[2], conv_filter(&s), &w) ||
      !heap_ptr(env, &h, argv[3], conv_in(&s), &dx))
    return NULL;
  LOCKED(spn_conv2d_backprop_input(&s, dy, w, dx));
  return NULL;
}

static int pool_shape(napi_env env, napi_value v, spn_pool_shape *s) {
  int32_t f[SPN_POOL_SHAPE_FIELDS];
  if (!get_ints(env, v, f, SPN_POOL_SHAPE_FIELDS)) return 0;
  *s = (spn_pool_shape){f[0], f[1], f[2], f[3], f[4], f[5], f[6],
                        f[7], f[8], f[9], f[10], f[11], f[12], f[13]};
  return 1;
}

/* maxPool(heap, x, out, shape) and maxPoolGrad(heap, dy, x, dx, shape) */
static napi_value js_max_pool(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  heap_view h;
  spn_pool_shape s;
  float *x, *out;
  if (!get_args(env, info, 4, argv) || !get_heap(env, argv[0], &h) ||
      !pool_shape(env, argv[3], &s))
    return NULL;
  const size_t in = (size_t)s.batch * s.in_h * s.in_w * s.channels;
  const size_t outn = (size_t)s.batch * s.out_h * s.out_w * s.channels;
  if (!heap_ptr(env, &h, argv[1], in, &x) || !heap_ptr(env, &h, argv[2], outn, &out))
    return NULL;
  LOCKED(spn_max_pool(&s, x, out));
  return NULL;
}

static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  heap_view h;
  spn_pool_shape s;
  float *dy, *x, *dx;
  if (!get_args(env, info, 5, argv) || !get_heap(env, argv[0], &h) ||
      !pool_shape(env, argv[4], &s))
    return NULL;
  const size_t in = (size_t)s.batch * s.in_h * s.in_w * s.channels;
  const size_t outn = (size_t)s.batch * s.out_h * s.out_w * s.channels;
  if (!heap_ptr(env, &h, argv[1], outn, &dy) || !heap_ptr(env, &h, argv[2], in, &x) ||
      !heap_ptr(env, &h, argv[3], in, &dx))
    return NULL;
  LOCKED(spn_max_pool_grad(&s, dy, x, dx));
  return NULL;
}

/* sum(heap, x, out, outer, inner, reduceInner): sums a row-major [outer x inner] matrix
 * over its rows (reduceInner = 0, out has inner values) or its columns (out has outer). */
static napi_value js_sum(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  heap_view h;
  double outer, inner;
  bool reduce_inner;
  float *x, *out;
  if (!get_args(env, info, 6, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_double(env, argv[3], &outer));
  CHECK(napi_get_value_double(env, argv[4], &inner));
  CHECK(napi_get_value_bool(env, argv[5], &reduce_inner));
  if (outer < 0 || inner < 0) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sizes must be non-negative");
    return NULL;
  }
  const size_t o = (size_t)outer, i = (size_t)inner;
  if (!heap_ptr(env, &h, argv[1], o * i, &x) ||
      !heap_ptr(env, &h, argv[2], reduce_inner ? o : i, &out))
    return NULL;
  LOCKED(if (reduce_inner) spn_sum_inner(x, o, i, out); else spn_sum_outer(x, o, i, out));
  return NULL;
}

/* binary(heap, op, broadcast, a, b, out, n, row) */
static napi_value js_binary(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  heap_view h;
  int32_t op, bc;
  double n, row;
  float *a, *b, *out;
  if (!get_args(env, info, 8, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_int32(env, argv[1], &op));
  CHECK(napi_get_value_int32(env, argv[2], &bc));
  CHECK(napi_get_value_double(env, argv[6], &n));
  CHECK(napi_get_value_double(env, argv[7], &row));
  if (op < SPN_ADD || op > SPN_DIV || bc < SPN_BCAST_NONE || bc > SPN_BCAST_B_ROW || n < 0 ||
      row < 1 || ((bc == SPN_BCAST_A_ROW || bc == SPN_BCAST_B_ROW) && fmod(n, row) != 0)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "bad element-wise arguments");
    return NULL;
  }
  const size_t count = (size_t)n, r = (size_t)row;
  const size_t na = bc == SPN_BCAST_A_SCALAR ? 1 : bc == SPN_BCAST_A_ROW ? r : count;
  const size_t nb = bc == SPN_BCAST_B_SCALAR ? 1 : bc == SPN_BCAST_B_ROW ? r : count;
  if (!heap_ptr(env, &h, argv[3], na, &a) || !heap_ptr(env, &h, argv[4], nb, &b) ||
      !heap_ptr(env, &h, argv[5], count, &out))
    return NULL;
  LOCKED(spn_binary(op, bc, a, b, out, count, r));
  return NULL;
}

/* unary(heap, op, x, out, n, alpha) */
static napi_value js_unary(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  heap_view h;
  int32_t op;
  double n, alpha;
  float *x, *out;
  if (!get_args(env, info, 6, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_int32(env, argv[1], &op));
  CHECK(napi_get_value_double(env, argv[4], &n));
  CHECK(napi_get_value_double(env, argv[5], &alpha));
  if (op < SPN_SQRT || op > SPN_STEP || n < 0) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "bad element-wise arguments");
    return NULL;
  }
  if (!heap_ptr(env, &h, argv[2], (size_t)n, &x) || !heap_ptr(env, &h, argv[3], (size_t)n, &out))
    return NULL;
  LOCKED(spn_unary(op, x, out, (size_t)n, (float)alpha));
  return NULL;
}

/* denseGradZ(heap, dy, y, dz, db, rows, cols, relu): relu 1: dz = dy where y > 0, else 0;
 * relu 0: dz unused (-1), dz is dy. db (or -1) = the column sums of dz. */
static napi_value js_dense_grad_z(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  heap_view h;
  double rows, cols;
  bool relu;
  float *dy, *y, *dz, *db;
  if (!get_args(env, info, 8, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_double(env, argv[5], &rows));
  CHECK(napi_get_value_double(env, argv[6], &cols));
  CHECK(napi_get_value_bool(env, argv[7], &relu));
  if (rows < 0 || cols < 0) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sizes must be non-negative");
    return NULL;
  }
  const size_t r = (size_t)rows, c = (size_t)cols;
  if (!heap_ptr(env, &h, argv[1], r * c, &dy) || !heap_ptr(env, &h, argv[2], r * c, &y) ||
      !heap_ptr(env, &h, argv[3], r * c, &dz) || !heap_ptr(env, &h, argv[4], c, &db))
    return NULL;
  if (dy == NULL || (relu && (y == NULL || dz == NULL))) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "denseGradZ needs dy, and y and dz with relu");
    return NULL;
  }
  LOCKED(spn_dense_grad_z(dy, y, dz, db, r, c, relu ? 1 : 0));
  return NULL;
}

/* batchNorm(heap, op, a, b, c, out, mean, var, dgamma, dbeta, rows, channels, eps):
 * batch-norm.h, over x [rows x channels].
 *   op 0 forward:  a = x, b = gamma or -1, c = beta or -1, out = y; writes mean and var.
 *   op 1 backward: a = dy, b = x (or x^ itself with mean -1), c = gamma or -1, out = dx;
 *                  reads mean and var; writes dgamma and dbeta unless -1. */
static napi_value js_batch_norm(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  heap_view h;
  int32_t op;
  double rows, channels, eps;
  float *a, *b, *c, *out, *mean, *var, *dgamma, *dbeta;
  if (!get_args(env, info, 13, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_int32(env, argv[1], &op));
  CHECK(napi_get_value_double(env, argv[10], &rows));
  CHECK(napi_get_value_double(env, argv[11], &channels));
  CHECK(napi_get_value_double(env, argv[12], &eps));
  if ((op != 0 && op != 1) || !(rows >= 1) || !(channels >= 1) || rows != (double)(size_t)rows ||
      channels != (double)(size_t)channels || !(eps > 0)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "batchNorm needs op 0 or 1, at least one row and one channel, and eps > 0");
    return NULL;
  }
  const size_t r = (size_t)rows, ch = (size_t)channels, n = r * ch;
  if (!heap_ptr(env, &h, argv[2], n, &a) || !heap_ptr(env, &h, argv[3], op == 0 ? ch : n, &b) ||
      !heap_ptr(env, &h, argv[4], ch, &c) || !heap_ptr(env, &h, argv[5], n, &out) ||
      !heap_ptr(env, &h, argv[6], ch, &mean) || !heap_ptr(env, &h, argv[7], ch, &var) ||
      !heap_ptr(env, &h, argv[8], ch, &dgamma) || !heap_ptr(env, &h, argv[9], ch, &dbeta))
    return NULL;
  if (a == NULL || out == NULL || var == NULL || (op == 0 && mean == NULL) || (op == 1 && b == NULL)) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "batchNorm needs its input, output and statistics");
    return NULL;
  }
  if (op == 0) LOCKED(spn_batch_norm_forward(a, b, c, r, ch, (float)eps, out, mean, var));
  else LOCKED(spn_batch_norm_backward(a, b, mean, var, c, r, ch, (float)eps, out, dgamma, dbeta));
  return NULL;
}

/* softmaxXent(heap, z, y, out, rows, cols, dloss): dloss < 0 (an offset, -1): out[0] = the
 * mean loss; else out = its gradient at z for the scalar upstream gradient at offset dloss. */
static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  heap_view h;
  double rows, cols;
  float *z, *y, *out, *dloss;
  if (!get_args(env, info, 7, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_double(env, argv[4], &rows));
  CHECK(napi_get_value_double(env, argv[5], &cols));
  if (rows < 1 || cols < 1) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "softmaxXent needs at least one row and one class");
    return NULL;
  }
  const size_t r = (size_t)rows, c = (size_t)cols;
  if (!heap_ptr(env, &h, argv[6], 1, &dloss) || !heap_ptr(env, &h, argv[1], r * c, &z) ||
      !heap_ptr(env, &h, argv[2], r * c, &y) ||
      !heap_ptr(env, &h, argv[3], dloss ? r * c : 1, &out))
    return NULL;
  if (z == NULL || y == NULL || out == NULL) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "softmaxXent needs logits, labels and an output");
    return NULL;
  }
  if (dloss) spn_softmax_xent_grad(z, y, r, c, *dloss, out);
  else spn_softmax_xent_loss(z, y, r, c, out);
  return NULL;
}

/* info() -> { isa, threads } */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, isa, threads;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, spn_gemm_kernel()->isa, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_int32(env, spn_pool_threads(), &threads));
  CHECK(napi_set_named_property(env, obj, "isa", isa));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  return obj;
}

/* selectIsa(name) -> boolean: forces a micro-kernel, for tests of every code path. */
static napi_value js_select_isa(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char name[32];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  int ok;
  LOCKED(ok = spn_gemm_select(name));
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

/* Whether every x[k] is in [0, limit): as unsigned, a negative index is >= limit too. */
SPN_CLONES
static int indices_below(const int32_t *x, size_t n, uint32_t limit) {
  uint32_t bad = 0;
  for (size_t k = 0; k < n; k++) bad |= (uint32_t)x[k] >= limit;
  return bad == 0;
}

/* A compressed pattern handed in from JS: ptr [rows + 1] ascending from 0, idx [ptr[rows]]
 * each in [0, cols). Checked on every call (O(nnz) against O(nnz x batch) of work). */
static int get_pattern(napi_env env, napi_value vptr, napi_value vidx, int rows, int cols,
                       const int32_t **ptr, const int32_t **idx) {
  napi_typedarray_type type;
  size_t n, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, vptr, &type, &n, &data, &ab, &offset) != napi_ok ||
      type != napi_int32_array || n != (size_t)rows + 1) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparse pattern: row pointers must be an Int32Array of rows + 1");
    return 0;
  }
  const int32_t *p = data;
  if (napi_get_typedarray_info(env, vidx, &type, &n, &data, &ab, &offset) != napi_ok ||
      type != napi_int32_array || p[0] != 0 || (size_t)p[rows] != n) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparse pattern: indices must be an Int32Array of ptr[rows] values");
    return 0;
  }
  const int32_t *x = data;
  /* Checked on every call (the arrays come from JS); as branch-free reductions, which GCC
   * vectorises, they cost a few microseconds per layer instead of one branch per index. */
  int decreasing = 0;
  for (int r = 0; r < rows; r++) decreasing |= p[r + 1] < p[r];
  if (decreasing) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparse pattern: row pointers must not decrease");
    return 0;
  }
  if (!indices_below(x, n, (uint32_t)cols)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparse pattern: an index lies outside the layer");
    return 0;
  }
  *ptr = p;
  *idx = x;
  return 1;
}

/* sparseDense(heap, op, a, b, c, out, dims Int32Array[batch, in, out, activation],
 *             optr, oidx, iptr, iidx, perm, aux, reuseDz)
 *   op 0 forward:      a = x [batch x in], b = w [in x out], c = bias [out] or -1, out = y,
 *                      aux = a Float32Array for xt [in x pad8(batch)] (the transposed input) or null
 *   op 1 input grad:   a = dy, b = y (relu) or -1, c = w, out = dx [batch x in]
 *   op 2 weight grad:  a = dy, b = y (relu) or -1, c = x or -1, aux = xt from op 0 or null,
 *                      out = dw [in x out] (one of x, xt required)
 *   op 3 bias grad:    a = dy, b = y (relu) or -1, out = db [out]
 *   reuseDz 1 (ops 1-2): the previous gradient call had this dy (sparse-dense.h). */
static napi_value js_sparse_dense(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  heap_view h;
  int32_t d[4], op, reuse = 0;
  /* aux and reuseDz are optional (callers built before them pass 12 arguments) */
  size_t argc = 14;
  if (!get_args(env, info, 12, argv) || !get_heap(env, argv[0], &h) || !get_ints(env, argv[6], d, 4))
    return NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[1], &op));
  if (argc >= 14) CHECK(napi_get_value_int32(env, argv[13], &reuse));
  const int act = d[3];
  if (op < 0 || op > 3 || (act != SPN_ACT_LINEAR && act != SPN_ACT_RELU)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparseDense: op must be 0-3 and activation linear or relu");
    return NULL;
  }
  spn_sparse_dense s = {.batch = d[0], .in = d[1], .out = d[2]};
  if (!get_pattern(env, argv[7], argv[8], s.out, s.in, &s.optr, &s.oidx) ||
      !get_pattern(env, argv[9], argv[10], s.in, s.out, &s.iptr, &s.iidx))
    return NULL;
  if (s.optr[s.out] != s.iptr[s.in]) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparseDense: the two patterns hold different non-zero counts");
    return NULL;
  }
  {
    napi_typedarray_type type;
    size_t n, offset;
    void *data;
    napi_value ab;
    if (napi_get_typedarray_info(env, argv[11], &type, &n, &data, &ab, &offset) != napi_ok ||
        type != napi_int32_array || n != (size_t)s.iptr[s.in]) {
      napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparse pattern: the permutation must be an Int32Array of nnz values");
      return NULL;
    }
    s.perm = data;
    if (!indices_below(s.perm, n, (uint32_t)n)) {
      napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparse pattern: a permutation entry lies outside the non-zeros");
      return NULL;
    }
  }
  const size_t bi = (size_t)s.batch * s.in, bo = (size_t)s.batch * s.out, io = (size_t)s.in * s.out;
  float *a, *b, *c, *out;
  const size_t na = op == 0 ? bi : bo;
  const size_t nb = op == 0 ? io : bo;
  const size_t nc = op == 0 ? (size_t)s.out : op == 1 ? io : op == 2 ? bi : 0;
  const size_t nout = op == 0 ? bo : op == 1 ? bi : op == 2 ? io : (size_t)s.out;
  float *aux = NULL;
  const size_t naux = (op == 0 || op == 2) ? (size_t)s.in * (((size_t)s.batch + 7) & ~(size_t)7) : 0;
  if (!heap_ptr(env, &h, argv[2], na, &a) || !heap_ptr(env, &h, argv[3], nb, &b) ||
      !heap_ptr(env, &h, argv[4], nc, &c) || !heap_ptr(env, &h, argv[5], nout, &out))
    return NULL;
  {
    bool is_typed = false;
    if (argc >= 13) CHECK(napi_is_typedarray(env, argv[12], &is_typed));
    if (is_typed && naux) {
      napi_typedarray_type type;
      size_t length, offset;
      void *data;
      napi_value ab;
      if (napi_get_typedarray_info(env, argv[12], &type, &length, &data, &ab, &offset) != napi_ok ||
          type != napi_float32_array || length < naux) {
        napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparseDense: the transposed-input buffer must be a Float32Array of in x pad8(batch) values");
        return NULL;
      }
      aux = data;
    }
  }
  if (a == NULL || out == NULL || (op == 0 && b == NULL) || (op == 1 && c == NULL) ||
      (op == 2 && c == NULL && aux == NULL) ||
      (op > 0 && act == SPN_ACT_RELU && b == NULL)) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparseDense: a required tensor is missing");
    return NULL;
  }
  if (s.batch == 0 || s.in == 0 || s.out == 0) {
    if (op == 2 || op == 3 || op == 0) {
      /* no batch: zero gradients; forward of an empty layer: bias (+act) only */
      if (op == 2) memset(out, 0, io * sizeof(float));
      if (op == 3) memset(out, 0, (size_t)s.out * sizeof(float));
      if (op == 0)
        for (size_t r = 0; r < (size_t)s.batch; r++)
          for (size_t o = 0; o < (size_t)s.out; o++) {
            const float v = c ? c[o] : 0.f;
            out[r * s.out + o] = act == SPN_ACT_RELU && v < 0.f ? 0.f : v;
          }
      if (op == 0 && aux != NULL) memset(aux, 0, naux * sizeof(float));
    } else {
      memset(out, 0, bi * sizeof(float));
    }
    return NULL;
  }
  switch (op) {
    case 0: LOCKED(spn_sparse_dense_forward(&s, a, b, c, act, out, aux)); break;
    case 1: LOCKED(spn_sparse_dense_grad_input(&s, a, b, act, c, out, reuse == 1)); break;
    case 2: LOCKED(spn_sparse_dense_grad_weight(&s, a, b, act, c, aux, reuse == 1, out)); break;
    default: LOCKED(spn_sparse_dense_grad_bias(&s, a, b, act, out)); break;
  }
  return NULL;
}

static int get_floats_of(napi_env env, napi_value v, size_t n, float **out, const char *what) {
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok ||
      type != napi_float32_array || length != n) {
    char msg[160];
    snprintf(msg, sizeof msg, "sparseAdam: %s must be a Float32Array of %zu values", what, n);
    napi_throw_type_error(env, "SPARSENAS_NATIVE", msg);
    return 0;
  }
  *out = data;
  return 1;
}

/* sparseAdam(heap, w, dw, dims Int32Array[in, out, compact, useScale, useWd], iptr, iidx,
 *            m Float32Array, v Float32Array,
 *            hyper Float64Array[b1, b2, 1-b1, 1-b2, 1-b1^t, 1-b2^t, eps, -lr, scale, wd])
 * Adam at the pattern's non-zeros only (sparse-adam.h); w is updated in place. */
static napi_value js_sparse_adam(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  heap_view h;
  int32_t d[5];
  if (!get_args(env, info, 9, argv) || !get_heap(env, argv[0], &h) || !get_ints(env, argv[3], d, 5))
    return NULL;
  const int in = d[0], out = d[1], compact = d[2] == 1;
  const int32_t *iptr, *iidx;
  if (!get_pattern(env, argv[4], argv[5], in, out, &iptr, &iidx)) return NULL;
  const size_t io = (size_t)in * out, nnz = (size_t)iptr[in];
  float *w, *dw, *m, *v;
  if (!heap_ptr(env, &h, argv[1], io, &w) || !heap_ptr(env, &h, argv[2], io, &dw)) return NULL;
  if ((io && (w == NULL || dw == NULL))) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparseAdam: the weight and its gradient are required");
    return NULL;
  }
  if (!get_floats_of(env, argv[6], compact ? nnz : io, &m, "the first moment") ||
      !get_floats_of(env, argv[7], compact ? nnz : io, &v, "the second moment"))
    return NULL;
  double hy[10];
  {
    napi_typedarray_type type;
    size_t length, offset;
    void *data;
    napi_value ab;
    if (napi_get_typedarray_info(env, argv[8], &type, &length, &data, &ab, &offset) != napi_ok ||
        type != napi_float64_array || length != 10) {
      napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparseAdam: hyper must be a Float64Array of 10 values");
      return NULL;
    }
    memcpy(hy, data, sizeof hy);
  }
  spn_adam_hyper a = {(float)hy[0], (float)hy[1], (float)hy[2], (float)hy[3], (float)hy[4],
                      (float)hy[5], (float)hy[6], (float)hy[7], (float)hy[8], (float)hy[9],
                      d[3] == 1, d[4] == 1};
  if (nnz) spn_sparse_adam(in, out, iptr, iidx, w, dw, m, v, compact, &a);
  return NULL;
}

/* sparseInfo() -> { isa, bytes }: the sparse kernels' ISA and the bytes their buffers hold. */
static napi_value js_sparse_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, isa, bytes;
  size_t held;
  const char *name;
  LOCKED(held = spn_sparse_bytes(); name = spn_sparse_isa());
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_double(env, (double)held, &bytes));
  CHECK(napi_set_named_property(env, obj, "isa", isa));
  CHECK(napi_set_named_property(env, obj, "bytes", bytes));
  return obj;
}

/* selectSparseIsa(name) -> boolean ("avx512" | "avx2" | "generic"), for tests of every path. */
static napi_value js_select_sparse_isa(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char name[32];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  int ok;
  LOCKED(ok = spn_sparse_select(name));
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

/* sparseConv(heap, op, a, b, c, out, shape Int32Array[15 conv fields, activation],
 *            optr, oidx, iptr, iidx): sparse-conv.h; the mask [K x out_c] compressed by
 *            output channel (optr/oidx) and by patch position (iptr/iidx).
 *   op 0 forward:      a = x, b = w, c = bias or -1, out = y
 *   op 1 input grad:   a = dy, b = y (relu) or -1, c = w, out = dx
 *   op 2 filter grad:  a = dy, b = y (relu) or -1, c = x, out = dw
 *   op 3 bias grad:    a = dy, b = y (relu) or -1, out = db */
static napi_value js_sparse_conv(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  heap_view h;
  int32_t f[SPN_CONV_SHAPE_FIELDS + 1], op;
  if (!get_args(env, info, 11, argv) || !get_heap(env, argv[0], &h) ||
      !get_ints(env, argv[6], f, SPN_CONV_SHAPE_FIELDS + 1))
    return NULL;
  CHECK(napi_get_value_int32(env, argv[1], &op));
  const int act = f[SPN_CONV_SHAPE_FIELDS];
  if (op < 0 || op > 3 || (act != SPN_ACT_LINEAR && act != SPN_ACT_RELU)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparseConv: op must be 0-3 and activation linear or relu");
    return NULL;
  }
  spn_sparse_conv s;
  s.g = (spn_conv_shape){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
                         f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  const spn_conv_shape *g = &s.g;
  if (g->stride_h < 1 || g->stride_w < 1 || g->dil_h < 1 || g->dil_w < 1) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparseConv: strides and dilations must be >= 1");
    return NULL;
  }
  const int K = g->f_h * g->f_w * g->in_c;
  if (!get_pattern(env, argv[7], argv[8], g->out_c, K, &s.optr, &s.oidx) ||
      !get_pattern(env, argv[9], argv[10], K, g->out_c, &s.iptr, &s.iidx))
    return NULL;
  if (s.optr[g->out_c] != s.iptr[K]) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "sparseConv: the two patterns hold different non-zero counts");
    return NULL;
  }
  const size_t nx = conv_in(g), ny = conv_out(g), nw = conv_filter(g);
  const size_t na = op == 0 ? nx : ny;
  const size_t nb = op == 0 ? nw : ny;
  const size_t nc = op == 0 ? (size_t)g->out_c : op == 1 ? nw : op == 2 ? nx : 0;
  const size_t nout = op == 0 ? ny : op == 1 ? nx : op == 2 ? nw : (size_t)g->out_c;
  float *a, *b, *c, *out;
  if (!heap_ptr(env, &h, argv[2], na, &a) || !heap_ptr(env, &h, argv[3], nb, &b) ||
      !heap_ptr(env, &h, argv[4], nc, &c) || !heap_ptr(env, &h, argv[5], nout, &out))
    return NULL;
  if (a == NULL || out == NULL || (op == 0 && b == NULL) || ((op == 1 || op == 2) && c == NULL) ||
      (op > 0 && act == SPN_ACT_RELU && b == NULL)) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "sparseConv: a required tensor is missing");
    return NULL;
  }
  if (nout == 0) return NULL;
  if (g->batch == 0 || g->out_h == 0 || g->out_w == 0 || (op == 1 && K == 0)) {
    memset(out, 0, nout * sizeof(float));
    return NULL;
  }
  switch (op) {
    case 0: LOCKED(spn_sparse_conv_forward(&s, a, b, c, act, out)); break;
    case 1: LOCKED(spn_sparse_conv_grad_input(&s, a, b, act, c, out)); break;
    case 2: LOCKED(spn_sparse_conv_grad_filter(&s, a, b, act, c, out)); break;
    default: LOCKED(spn_sparse_conv_grad_bias(&s, a, b, act, out)); break;
  }
  return NULL;
}

/* sparseConvInfo() -> { isa, bytes }; selectSparseConvIsa(name) -> boolean (tests). */
static napi_value js_sparse_conv_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, isa, bytes;
  size_t held;
  const char *name;
  LOCKED(held = spn_sparse_conv_bytes(); name = spn_sparse_conv_isa());
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_double(env, (double)held, &bytes));
  CHECK(napi_set_named_property(env, obj, "isa", isa));
  CHECK(napi_set_named_property(env, obj, "bytes", bytes));
  return obj;
}

static napi_value js_select_sparse_conv_isa(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char name[32];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  int ok;
  LOCKED(ok = spn_sparse_conv_select(name));
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

/* adam(heap, w, g, m, v, wOut, mOut, vOut, n, coeffs Float32Array[8] in spn_adam_coeffs
 * order): the fused dense Adam update (adam.h). */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  heap_view h;
  double n;
  if (!get_args(env, info, 10, argv) || !get_heap(env, argv[0], &h)) return NULL;
  CHECK(napi_get_value_double(env, argv[8], &n));
  napi_typedarray_type type;
  size_t len, offset;
  void *data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[9], &type, &len, &data, &ab, &offset) != napi_ok ||
      type != napi_float32_array || len != 8 || n < 0) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "adam: coefficients must be a Float32Array of 8 values and n >= 0");
    return NULL;
  }
  const float *k = data;
  const spn_adam_coeffs c = {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]};
  float *p[7];
  for (int i = 0; i < 7; i++)
    if (!heap_ptr(env, &h, argv[1 + i], (size_t)n, &p[i])) return NULL;
  for (int i = 0; i < 7; i++)
    if (p[i] == NULL) {
      napi_throw_type_error(env, "SPARSENAS_NATIVE", "adam: a required tensor is missing");
      return NULL;
    }
  /* The kernel's loop is restrict-qualified (that is what lets it vectorise): no output may
   * overlap an input or another output. */
  for (int i = 4; i < 7; i++)
    for (int j = 0; j < i; j++)
      if (n > 0 && p[i] < p[j] + (size_t)n && p[j] < p[i] + (size_t)n) {
        napi_throw_range_error(env, "SPARSENAS_NATIVE", "adam: the outputs must not overlap the inputs or each other");
        return NULL;
      }
  LOCKED(spn_adam_dense(&c, p[0], p[1], p[2], p[3], p[4], p[5], p[6], (size_t)n));
  return NULL;
}

/* poolStats() -> the pool's counters (thread-pool.h); poolWaitIdle(ms) -> sleeping workers;
 * poolSelfTest(ms, serialAfter): a job whose worker holds its task until the caller sleeps,
 * then serialAfter jobs on the caller alone. */
static napi_value js_pool_stats(napi_env env, napi_callback_info info) {
  (void)info;
  spn_pool_stats_t s;
  spn_pool_stats(&s);
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
#define STAT(field, name) \
  CHECK(napi_create_double(env, (double)s.field, &v)); \
  CHECK(napi_set_named_property(env, obj, name, v));
  STAT(threads, "threads") STAT(sleeping, "sleeping") STAT(spin_limit, "spinLimit")
  STAT(max_worker_spins, "maxWorkerSpins") STAT(max_caller_spins, "maxCallerSpins")
  STAT(jobs, "jobs") STAT(serial_jobs, "serialJobs") STAT(late_jobs, "lateJobs")
  STAT(worker_sleeps, "workerSleeps") STAT(caller_sleeps, "callerSleeps")
#undef STAT
  return obj;
}

static napi_value js_pool_wait_idle(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int32_t ms;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &ms));
  CHECK(napi_create_int32(env, spn_pool_wait_idle(ms < 0 ? 0 : ms), &result));
  return result;
}

static napi_value js_pool_self_test(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t ms, serial;
  if (!get_args(env, info, 2, argv)) return NULL;
  CHECK(napi_get_value_int32(env, argv[0], &ms));
  CHECK(napi_get_value_int32(env, argv[1], &serial));
  LOCKED(spn_pool_self_test(ms < 0 ? 0 : ms, serial));
  return NULL;
}

/* nmDense(heap, op, a, b, c, out, dims Int32Array[batch, in, out, n, m, activation], idx, val, lambda):
 * N:M kernels (nm-dense.h); idx Int32Array / val Float32Array of out x nmKept(in) hold the
 * packed layer. op 0: pack b = w, then out = y = act(a = x · W_nm + c = bias or -1);
 * op 1: out = dx = a = dz · W_nmᵀ (packed); op 2: pack b = w only;
 * op 3: out = c = dw + lambda · (a = w) off the packed mask; op 4: pack b = w, out = its 0/1 mask. */
static napi_value js_nm_dense(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  heap_view h;
  int32_t d[6], op;
  double lambda;
  if (!get_args(env, info, 10, argv) || !get_heap(env, argv[0], &h) || !get_ints(env, argv[6], d, 6)) return NULL;
  CHECK(napi_get_value_int32(env, argv[1], &op));
  CHECK(napi_get_value_double(env, argv[9], &lambda));
  const int batch = d[0], in = d[1], out = d[2], n = d[3], m = d[4], act = d[5];
  if (op < 0 || op > 4 || batch < 0 || in < 1 || out < 1 || m < 1 || m > 16 || n < 1 || n > m ||
      (act != SPN_ACT_LINEAR && act != SPN_ACT_RELU)) {
    napi_throw_range_error(env, "SPARSENAS_NATIVE", "nmDense: op must be 0-4, 1 <= n <= m <= 16, in and out >= 1, activation linear or relu");
    return NULL;
  }
  spn_nm p = {.in = in, .out = out, .n = n, .m = m, .k = spn_nm_kept(in, n, m)};
  const size_t packed = (size_t)out * p.k;
  {
    napi_typedarray_type ti, tv;
    size_t ni, nv, offset;
    void *di, *dv;
    napi_value ab;
    if (napi_get_typedarray_info(env, argv[7], &ti, &ni, &di, &ab, &offset) != napi_ok || ti != napi_int32_array || ni != packed ||
        napi_get_typedarray_info(env, argv[8], &tv, &nv, &dv, &ab, &offset) != napi_ok || tv != napi_float32_array || nv != packed) {
      napi_throw_type_error(env, "SPARSENAS_NATIVE", "nmDense: idx and val must be an Int32Array and a Float32Array of out x nmKept(in, n, m) values");
      return NULL;
    }
    p.idx = di;
    p.val = dv;
  }
  const size_t bi = (size_t)batch * in, bo = (size_t)batch * out, io = (size_t)in * out;
  float *a, *b, *c, *o;
  const size_t na = op == 0 ? bi : op == 1 ? bo : op == 3 ? io : 0;
  const size_t nc = op == 0 ? (size_t)out : op == 3 ? io : 0;
  const size_t no = op == 0 ? bo : op == 1 ? bi : op == 2 ? 0 : io;
  if (!heap_ptr(env, &h, argv[2], na, &a) || !heap_ptr(env, &h, argv[3], io, &b) ||
      !heap_ptr(env, &h, argv[4], nc, &c) || !heap_ptr(env, &h, argv[5], no, &o))
    return NULL;
  const int packs = op == 0 || op == 2 || op == 4;
  if ((packs && b == NULL) || ((op == 0 || op == 1 || op == 3) && a == NULL) || (op == 3 && c == NULL) || (op != 2 && o == NULL)) {
    napi_throw_type_error(env, "SPARSENAS_NATIVE", "nmDense: a required tensor is missing");
    return NULL;
  }
  if (!packs)
    for (size_t q = 0; q < packed; q++)
      if (p.idx[q] < 0 || p.idx[q] >= in) {
        napi_throw_range_error(env, "SPARSENAS_NATIVE", "nmDense: a packed index lies outside the layer (pack with op 0 or 2 first)");
        return NULL;
      }
  switch (op) {
    case 0: LOCKED(spn_nm_pack(&p, b); spn_nm_forward(&p, batch, a, c, act, o)); break;
    case 1: LOCKED(spn_nm_grad_input(&p, batch, a, o)); break;
    case 2: LOCKED(spn_nm_pack(&p, b)); break;
    case 3:
      memcpy(o, c, io * sizeof(float));
      LOCKED(spn_nm_decay(&p, a, (float)lambda, o));
      break;
    default:
      LOCKED(spn_nm_pack(&p, b));
      memset(o, 0, io * sizeof(float));
      for (int r = 0; r < out; r++)
        for (int q = 0; q < p.k; q++) o[(size_t)p.idx[(size_t)r * p.k + q] * out + r] = 1.f;
      break;
  }
  return NULL;
}

/* nmInfo() -> { isa, bytes }; selectNmIsa(name) -> boolean (tests of every path). */
static napi_value js_nm_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, isa, bytes;
  size_t held;
  const char *name;
  LOCKED(held = spn_nm_bytes(); name = spn_nm_isa());
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &isa));
  CHECK(napi_create_double(env, (double)held, &bytes));
  CHECK(napi_set_named_property(env, result, "isa", isa));
  CHECK(napi_set_named_property(env, result, "bytes", bytes));
  return result;
}

static napi_value js_select_nm_isa(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  char name[16];
  size_t len;
  int ok;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  LOCKED(ok = spn_nm_select(name));
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  LOCKED(spn_pool_init(0); spn_gemm_kernel());
  napi_property_descriptor props[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, js_conv2d_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, js_conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, js_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, js_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, js_binary, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, js_unary, NULL, NULL, NULL, napi_default, NULL},
      {"sum", NULL, js_sum, NULL, NULL, NULL, napi_default, NULL},
      {"denseGradZ", NULL, js_dense_grad_z, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, js_batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"selectIsa", NULL, js_select_isa, NULL, NULL, NULL, napi_default, NULL},
      {"sparseDense", NULL, js_sparse_dense, NULL, NULL, NULL, napi_default, NULL},
      {"sparseAdam", NULL, js_sparse_adam, NULL, NULL, NULL, napi_default, NULL},
      {"sparseInfo", NULL, js_sparse_info, NULL, NULL, NULL, napi_default, NULL},
      {"selectSparseIsa", NULL, js_select_sparse_isa, NULL, NULL, NULL, napi_default, NULL},
      {"sparseConv", NULL, js_sparse_conv, NULL, NULL, NULL, napi_default, NULL},
      {"sparseConvInfo", NULL, js_sparse_conv_info, NULL, NULL, NULL, napi_default, NULL},
      {"selectSparseConvIsa", NULL, js_select_sparse_conv_isa, NULL, NULL, NULL, napi_default, NULL},
      {"nmDense", NULL, js_nm_dense, NULL, NULL, NULL, napi_default, NULL},
      {"nmInfo", NULL, js_nm_info, NULL, NULL, NULL, napi_default, NULL},
      {"selectNmIsa", NULL, js_select_nm_isa, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"poolStats", NULL, js_pool_stats, NULL, NULL, NULL, napi_default, NULL},
      {"poolWaitIdle", NULL, js_pool_wait_idle, NULL, NULL, NULL, napi_default, NULL},
      {"poolSelfTest", NULL, js_pool_self_test, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
