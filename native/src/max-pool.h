/* 2-D max pooling over NHWC and its gradient, parallel over images. The gradient routes
 * each dy to the first maximum of its window in row-major window order, the rule of the
 * tfjs cpu backend (maxPoolPositions), so results match it bit for bit on ties. */
#ifndef SPN_MAX_POOL_H
#define SPN_MAX_POOL_H

typedef struct {
  int batch, in_h, in_w, channels, out_h, out_w;
  int f_h, f_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} spn_pool_shape;

#define SPN_POOL_SHAPE_FIELDS 14

void spn_max_pool(const spn_pool_shape *s, const float *x, float *out);
void spn_max_pool_grad(const spn_pool_shape *s, const float *dy, const float *x, float *dx);

#endif
