/** Output size of a convolution or pool along one spatial axis, with tfjs' padding rules. */
export function convOutputSize(size: number, kernel: number, stride: number, dilation: number, padding: 'same' | 'valid'): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
