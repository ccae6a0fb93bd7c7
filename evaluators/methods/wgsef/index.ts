// The WGSEF training method (Refael et al.): exact group proxes of the sparse envelope, the λ
// schedule and the top-k projection, on the network's grouped kernels.
export * from './grouped-kernels.js';
export * from './method-options.js';
export * from './group-prox-method.js';
export * from './wgsef-method.js';
