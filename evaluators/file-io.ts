import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArtifactError } from './errors.js';

/**
 * `file://` model saving and loading without tfjs-node: a tf.io IOHandler that writes
 * `model.json` + `weights.bin` (the standard tfjs layers-model format, loadable by
 * tfjs-node's `file://` loader, the converter and the browser's http loader) with node:fs.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = artifacts.weightData ? new tf.io.CompositeArrayBuffer(artifacts.weightData).slice() : new ArrayBuffer(0);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await mkdir(dir, { recursive: true });
      // Write beside the targets, then rename: a reader never sees a half-written model.
      const tmp = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      try {
        await writeFile(join(dir, `weights.bin${tmp}`), Buffer.from(weights));
        await writeFile(join(dir, `model.json${tmp}`), JSON.stringify(modelJson));
        await rename(join(dir, `weights.bin${tmp}`), join(dir, 'weights.bin'));
        await rename(join(dir, `model.json${tmp}`), join(dir, 'model.json'));
      } catch (err) {
        await rm(join(dir, `weights.bin${tmp}`), { force: true });
        await rm(join(dir, `model.json${tmp}`), { force: true });
        throw new ArtifactError(dir, `could not write the model to ${dir}: ${(err as Error).message}; check the directory is writable`, { cause: err });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Load a model saved by `fileSaveHandler` (or any tfjs `model.json` with local weight files). */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(dir, 'model.json');
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new ArtifactError(path, `cannot read ${path}: ${(err as Error).message}; pass a directory written by \`sparsenas export\``, { cause: err });
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const buf = await readFile(join(dir, p));
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
        }
        return [specs, new tf.io.CompositeArrayBuffer(buffers).slice()];
      });
    },
  };
}
