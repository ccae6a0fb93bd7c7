/* 2-D convolution (NHWC input, HWIO filter, as tfjs stores them) and its two gradients,
 * lowered to GEMM through im2col on chunks of images so every chunk's patch matrix stays
 * in the running core's L2 cache; chunks are spread over the thread pool. */
#ifndef SPN_CONV2D_H
#define SPN_CONV2D_H

typedef struct {
  int batch, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int f_h, f_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} spn_conv_shape;

#define SPN_CONV_SHAPE_FIELDS 15

void spn_conv2d(const spn_conv_shape *s, const float *x, const float *w, const float *bias,
                int activation, float alpha, const float *prelu, float *out);
/* dw[fh, fw, ci, co] = sum over images and output pixels of patch * dy. */
void spn_conv2d_backprop_filter(const spn_conv_shape *s, const float *x, const float *dy,
                                float *dw);
/* dx = col2im(dy * w^T). */
void spn_conv2d_backprop_input(const spn_conv_shape *s, const float *dy, const float *w,
                               float *dx);

#endif
