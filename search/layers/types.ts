import type { LayerSpec } from '../architecture.js';

/**
 * The layer registry's contract. One descriptor per layer type (`search/layers/<type>.ts`) says
 * everything about the type that needs no tfjs: its defaults, its name, its output shape and
 * shape checks, its trainable weights (which of them are sparsifiable kernels) and its FLOPs.
 * The planner (`planNetwork`), the analytic counter (`spaces/flops.ts`), the evaluator's
 * accounting and the one-line description all read the same descriptor, so a new layer type is
 * a descriptor here plus its tfjs build/export in `evaluators/network/layers/<type>.ts`.
 */

/** `first` and `classifier` may be kept dense (SparsitySpec.keepFirstDense / keepLastDense). */
export type Role = 'first' | 'hidden' | 'classifier';

/**
 * One resolved layer: what the raw-op network, the tf.layers export and the FLOP counter all
 * build from, so names, shapes, the automatic flatten and the classifier are decided in one
 * place. Shapes are per sample: [h, w, c] or [d].
 */
export interface PlanNode<S extends LayerSpec = LayerSpec> {
  /** Unique name; nested layers are `sum_3.b0.dense_0`. Weight names are `<name>/kernel` etc. */
  name: string;
  /** The layer (defaults filled in); automatic flattens and the classifier appear as ordinary specs. */
  spec: S;
  inShape: number[];
  outShape: number[];
  /** Weighted layers only. */
  role?: Role;
  /** Input nodes removed upstream by a node mask (channel indices, or flat indices after a flatten). */
  removedIn: number[];
  /** Output nodes removed by this layer's own `keepNodes` or passed through from the input. */
  removedOut: number[];
  /**
   * Composite layers (`sum`, `cells`): their planned sub-chains by key, in forward order. The
   * descriptor defines the keys (`b0`, `b1` for a sum's branches; `stem`, `c0.pre0`… for cells).
   */
  children?: Record<string, PlanNode[]>;
  /** True for the layers the planner adds itself (automatic flattens, the classifier). */
  inserted?: boolean;
}

export interface NetworkPlan {
  inputShape: number[];
  classes: number;
  nodes: PlanNode[];
}

/** A sparsifiable kernel: it gets a mask, and its multiply-adds are `size × positions`. */
export interface KernelInfo {
  /** Name of the masked parameter: the layer's name, or `<layer>.<part>` when it has several kernels. */
  param: string;
  /** Which masked-layer family it belongs to (how sparse methods read its axes). */
  layerType: 'dense' | 'conv2d' | 'depthwiseConv2d';
  /** Output positions per sample (h_out·w_out for convolutions, 1 for dense). */
  positions: number;
  /** Fan-in and fan-out for the initialisation (He/Glorot). */
  fan: [number, number];
  /** Per-sample output shape of this kernel (a separable's depthwise part outputs its input channels). */
  outShape: number[];
}

/** One trainable tensor of a layer, in the order the builder creates it. */
export interface LayerWeight {
  /** Saved-weight suffix: the tensor is `<layer>/<suffix>` (`kernel`, `depthwise_kernel`, `bias`, `gamma`…). */
  suffix: string;
  shape: number[];
  /** Set for sparsifiable kernels; biases and normalisation parameters have none. */
  kernel?: KernelInfo;
}

/** Where a chain starts: the per-sample shape and the nodes removed upstream. */
export interface PlanState {
  shape: number[];
  removed: number[];
}

export interface PlanContext {
  /** Plan `layers` as a chain named `<prefix><layer name>`, starting from `from`. */
  chain(layers: readonly LayerSpec[], prefix: string, from: PlanState): { nodes: PlanNode[]; end: PlanState };
  /** Whether a weighted layer was planned already (the next one takes the `first` role otherwise). */
  weightedSeen: boolean;
}

/** What `plan` decides for one layer. */
export interface Planned {
  outShape: number[];
  /** Default: the input's removed nodes pass through. */
  removedOut?: number[];
  children?: Record<string, PlanNode[]>;
}

export interface DescribeContext {
  /** `:relu` when activations are written per layer and the layer has one, else ''. */
  activation(spec: LayerSpec): string;
  /** The tokens of a nested chain, joined with '-'. */
  chain(layers: readonly LayerSpec[]): string;
}

export interface LayerDescriptor<S extends LayerSpec = LayerSpec> {
  readonly type: S['type'];
  /** Display name, e.g. "separable convolution". */
  readonly title: string;
  /** Automatic names are `<prefix>_<index>`. */
  readonly prefix: string;
  /** Has sparsifiable kernels of its own (and so a `first`/`hidden`/`classifier` role). */
  readonly weighted: boolean;
  /** Takes flat inputs: the planner inserts a flatten before it when it meets an image. */
  readonly flatInput?: boolean;
  /** The spec with every default filled in (what `PlanNode.spec` holds). */
  withDefaults(spec: S): S;
  /**
   * Output shape (and node masks, children) for an input, or an ArchitectureError that names
   * the layer and the fix. `spec` has its defaults.
   */
  plan(spec: S, input: PlanState & { name: string }, ctx: PlanContext): Planned;
  /** Trainable tensors of a planned node (not of its children), in creation order. */
  weights(node: PlanNode<S>): LayerWeight[];
  /**
   * Forward FLOPs per sample besides the kernels' 2·MACs (children not included): a bias 1 per
   * output element, a non-linear activation 1 per element, batch norm 2 per element, pooling
   * size² per output element, global pooling 1 per input element, each sum 1 per element.
   */
  extraFlops(node: PlanNode<S>): number;
  /** Its token in the one-line architecture description (`c32k3`, `mp2`…); '' for none. */
  describe(spec: S, ctx: DescribeContext): string;
  /** Layer lists nested in the spec as the architecture writes them (a sum's branches). */
  nested?(spec: S): LayerSpec[][];
}
