/* Sum of a row-major [outer x inner] matrix over its rows (a prefix of tfjs axes, e.g. the
 * bias gradient: every axis but the channels) or over its columns (a suffix of axes). */
#ifndef SPN_REDUCE_SUM_H
#define SPN_REDUCE_SUM_H

#include <stddef.h>

/* out[inner] = sum over r of x[r][:] */
void spn_sum_outer(const float *x, size_t outer, size_t inner, float *out);
/* out[outer] = sum over c of x[:][c] */
void spn_sum_inner(const float *x, size_t outer, size_t inner, float *out);

#endif
