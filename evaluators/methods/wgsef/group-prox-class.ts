import type { GroupProxMethod } from './group-prox-method.js';

// The wgsef and group-lasso factories are bound in every container (`sparsenas list` shows
// them), but their method is tfjs code: the factories reach the class through this seam, which
// group-prox-method.ts fills when it is loaded (the tfjs evaluator loads it before training),
// so listing methods does not load tfjs.
let implementation: typeof GroupProxMethod | undefined;

export function provideGroupProxMethod(c: typeof GroupProxMethod): void {
  implementation = c;
}

export function groupProxMethodClass(): typeof GroupProxMethod {
  if (!implementation) {
    throw new Error('GroupProxMethod is not loaded: import evaluators/methods/wgsef/group-prox-method.js (the tfjs evaluator does) before creating a wgsef or group-lasso method');
  }
  return implementation;
}
