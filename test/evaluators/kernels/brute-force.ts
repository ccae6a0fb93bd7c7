/**
 * Definition-level references for the convolution gradients, straight from the forward sum
 * out[n,y,x,o] = Σ_{i,j,c} in[n, y·sh + i·dh − pt, x·sw + j·dw − pl, c] · w[i,j,c,o]
 * (depthwise: o = c·M + m, no sum over c). Used where tfjs-cpu has no correct kernel:
 * its depthwise gradients ignore dilation.
 */
export interface ConvGeometry {
  readonly xShape: [number, number, number, number];
  readonly filterShape: [number, number, number, number];
  readonly outShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: { top: number; left: number };
  readonly depthwise: boolean;
}

/** Visit every (input index, filter index, output index) triple of the forward sum. */
function forEachTerm(g: ConvGeometry, visit: (xi: number, wi: number, oi: number) => void): void {
  const [n, h, w, c] = g.xShape;
  const [kh, kw, fc, fo] = g.filterShape;
  const [, oh, ow, oc] = g.outShape;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let i = 0; i < kh; i++) {
          const r = y * g.strides[0] + i * g.dilations[0] - g.pad.top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < kw; j++) {
            const q = x * g.strides[1] + j * g.dilations[1] - g.pad.left;
            if (q < 0 || q >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xi = ((b * h + r) * w + q) * c + ci;
              for (let k = 0; k < fo; k++) {
                const o = g.depthwise ? ci * fo + k : k;
                const wi = ((i * kw + j) * fc + ci) * fo + k;
                visit(xi, wi, ((b * oh + y) * ow + x) * oc + o);
              }
            }
          }
        }
      }
    }
  }
}

export function bruteFilterGrad(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(g.filterShape.reduce((a, b) => a * b, 1));
  forEachTerm(g, (xi, wi, oi) => { dw[wi] += x[xi]! * dy[oi]!; });
  return dw;
}

export function bruteInputGrad(g: ConvGeometry, filter: Float32Array, dy: Float32Array): Float64Array {
  const dx = new Float64Array(g.xShape.reduce((a, b) => a * b, 1));
  forEachTerm(g, (xi, wi, oi) => { dx[xi] += filter[wi]! * dy[oi]!; });
  return dx;
}
