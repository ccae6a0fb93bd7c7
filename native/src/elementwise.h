/* Element-wise kernels on the wasm heap, multithreaded and vectorised (they dominate the
 * Adam update and the unfused bias/ReLU of a training step). */
#ifndef SPN_ELEMENTWISE_H
#define SPN_ELEMENTWISE_H

#include <stddef.h>

enum spn_binary_op { SPN_ADD = 0, SPN_SUB = 1, SPN_MUL = 2, SPN_DIV = 3 };
/* How the operands line up with the n-element output. */
enum spn_broadcast {
  SPN_BCAST_NONE = 0,   /* a and b have n elements */
  SPN_BCAST_A_SCALAR,   /* a has 1 element */
  SPN_BCAST_B_SCALAR,   /* b has 1 element */
  SPN_BCAST_A_ROW,      /* a has `row` elements, repeated along the output's last axis */
  SPN_BCAST_B_ROW       /* b has `row` elements, repeated along the output's last axis */
};
enum spn_unary_op { SPN_SQRT = 0, SPN_SQUARE = 1, SPN_RELU = 2, SPN_STEP = 3 };

void spn_binary(int op, int broadcast, const float *a, const float *b, float *out, size_t n,
                size_t row);
/* alpha: the value of Step at x <= 0. */
void spn_unary(int op, const float *x, float *out, size_t n, float alpha);

#endif
