// Backend names without tfjs, for option checks and listings that must not load it.

/**
 * Backends from fastest to slowest; `auto` takes the first one that works. `webgpu` counts
 * only with a hardware adapter (a software one is refused unless `allowSoftwareGpu`).
 */
export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';
