import type { PlanNode } from '../../../search/index.js';

/** The saved kernel names of a layer, plus `<layer>/bias` when it has one (tf.layers' weight order). */
export function withBias(node: PlanNode, names: string[]): string[] {
  return 'useBias' in node.spec && node.spec.useBias === false ? names : [...names, `${node.name}/bias`];
}
