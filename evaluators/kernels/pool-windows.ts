import type * as tf from '@tensorflow/tfjs';

/** One pooling window: output offset and the valid (non-padding) input rows and columns. */
export interface PoolWindow {
  /** Flat NHWC offset of the window's output pixel (channel 0). */
  dyBase: number;
  batch: number;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

/** First index ≥ 0 reached from `corner` in steps of `step`. */
function firstInside(corner: number, step: number): number {
  return corner >= 0 ? corner : corner + Math.ceil(-corner / step) * step;
}

/**
 * Visit every pooling window of a Pool2D geometry, clipped to the input as tfjs-cpu's pool
 * loops clip it (padding positions are never read). The same object is reused per call.
 */
export function forEachPoolWindow(info: tf.backend_util.Conv2DInfo, visit: (w: PoolWindow) => void): void {
  const w: PoolWindow = { dyBase: 0, batch: 0, rowStart: 0, rowEnd: 0, colStart: 0, colEnd: 0 };
  for (let b = 0; b < info.batchSize; b++) {
    w.batch = b;
    for (let y = 0; y < info.outHeight; y++) {
      const rowCorner = y * info.strideHeight - info.padInfo.top;
      w.rowStart = firstInside(rowCorner, info.dilationHeight);
      w.rowEnd = Math.min(info.inHeight, rowCorner + info.effectiveFilterHeight);
      for (let x = 0; x < info.outWidth; x++) {
        const colCorner = x * info.strideWidth - info.padInfo.left;
        w.colStart = firstInside(colCorner, info.dilationWidth);
        w.colEnd = Math.min(info.inWidth, colCorner + info.effectiveFilterWidth);
        w.dyBase = ((b * info.outHeight + y) * info.outWidth + x) * info.outChannels;
        visit(w);
      }
    }
  }
}
