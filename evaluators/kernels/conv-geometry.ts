/**
 * Both gradients of a 2-D convolution are themselves convolutions; only the padding and a
 * final crop differ. These plans work on one spatial axis at a time (rows, then columns).
 *
 * Forward, per axis: out[y] = Σ_i in[y·s + i·d − p] · w[i],   y < out, i < filter,
 * with stride s, dilation d and padding p before the first input element.
 */
export interface AxisGeometry {
  /** Input length (H or W). */
  readonly input: number;
  /** Filter taps along the axis (kh or kw), before dilation. */
  readonly filter: number;
  /** Output length (dy's H or W). */
  readonly output: number;
  readonly stride: number;
  readonly dilation: number;
  /** Padding before the first input element (padInfo.top / left). */
  readonly padBefore: number;
}

/** Explicit padding of the convolution that computes a gradient, and which part of its output to keep. */
export interface AxisPlan {
  readonly pad: [number, number];
  /** First output element to keep; `size` elements are kept. */
  readonly cropBegin: number;
  readonly size: number;
}

/**
 * Filter gradient: ∂w[i] = Σ_y in[i·d + y·s − p] · dy[y]. Read as a convolution of the input
 * with dy as the filter, the roles of stride and dilation swap: conv stride = d, conv
 * dilation = s (Dumoulin & Visin 2016; the trick cuDNN's backward-filter uses). With the
 * batch axis moved into the channel position, the batch sum is the convolution's channel sum.
 */
export function filterGradAxis(g: AxisGeometry): AxisPlan {
  // Rows the convolution must reach so that `filter` outputs exist; surplus rows are cropped.
  const needed = (g.filter - 1) * g.dilation + (g.output - 1) * g.stride + 1;
  const after = Math.max(0, needed - g.input - g.padBefore);
  return { pad: [g.padBefore, after], cropBegin: 0, size: g.filter };
}

/**
 * Input gradient: ∂in[q] = Σ_i dyz[q + p − i·d] · w[i], where dyz is dy with stride − 1
 * zeros inserted after every element (length output·stride). Flipping the filter turns that
 * into a stride-1 correlation with dilation d over dyz padded by (filter − 1)·d − p before.
 * Negative padding (explicit pads wider than the filter reach) becomes a crop.
 */
export function inputGradAxis(g: AxisGeometry): AxisPlan {
  const reach = (g.filter - 1) * g.dilation;
  const zeroInserted = g.stride === 1 ? g.output : g.output * g.stride;
  const before = reach - g.padBefore;
  const after = g.input + reach - before - zeroInserted;
  return { pad: [Math.max(0, before), Math.max(0, after)], cropBegin: Math.max(0, -before), size: g.input };
}

/** The part of tfjs's Conv2DInfo the plans read. */
export interface ConvInfoLike {
  readonly inHeight: number;
  readonly inWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padInfo: { readonly top: number; readonly left: number };
}

/** Row and column geometry of a forward convolution whose output has `outHeight × outWidth`. */
export function spatialAxes(info: ConvInfoLike, outHeight: number, outWidth: number): [AxisGeometry, AxisGeometry] {
  return [
    { input: info.inHeight, filter: info.filterHeight, output: outHeight, stride: info.strideHeight, dilation: info.dilationHeight, padBefore: info.padInfo.top },
    { input: info.inWidth, filter: info.filterWidth, output: outWidth, stride: info.strideWidth, dilation: info.dilationWidth, padBefore: info.padInfo.left },
  ];
}

/** NHWC explicit padding for tfjs (`pad` attribute) from a row plan and a column plan. */
export function explicitPad(rows: AxisPlan, cols: AxisPlan): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], rows.pad, cols.pad, [0, 0]];
}
