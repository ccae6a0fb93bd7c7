/**
 * tf.layers refuses stride > 1 together with dilation > 1; such a convolution is exported with
 * its filter dilated explicitly (zeros between the taps) and dilation 1, as it is trained.
 */
export function convExportGeometry(kernel: number, stride: number, dilation: number): { kernelSize: number; strides: number; dilationRate: number; dilate?: number } {
  if (stride > 1 && dilation > 1) return { kernelSize: (kernel - 1) * dilation + 1, strides: stride, dilationRate: 1, dilate: dilation };
  return { kernelSize: kernel, strides: stride, dilationRate: dilation };
}
