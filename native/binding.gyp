# Built by scripts/build-native.mjs, never by npm's implicit `node-gyp rebuild`
# (this file is not at the package root on purpose, so a machine without a compiler
# still installs the package and falls back to the stock wasm kernels).
{
  "targets": [
    {
      "target_name": "sparsenas_native",
      "sources": [
        "src/addon.c",
        "src/thread-pool.c",
        "src/gemm.c",
        "src/gemm-parallel.c",
        "src/gemm-kernel-generic.c",
        "src/conv2d.c",
        "src/max-pool.c",
        "src/reduce-sum.c",
        "src/elementwise.c",
        "src/sparse-dense.c",
        "src/sparse-conv.c",
        "src/sparse-adam.c",
        "src/nm-dense.c",
        "src/adam.c",
        "src/dense-layer.c",
        "src/softmax-xent.c",
        "src/batch-norm.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-Wall", "-Wno-unused-function"],
      "cflags!": ["-O2", "-O0"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          # ISA-specific micro-kernels carry __attribute__((target(...))) and are
          # chosen at run time with __builtin_cpu_supports: the baseline stays portable.
          "sources": ["src/gemm-kernel-avx512.c", "src/gemm-kernel-avx2.c"],
          "defines": ["SPN_X86=1"]
        }],
        ["OS!='win'", { "libraries": ["-lpthread", "-lm"] }],
        ["OS=='mac'", {
          "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "3", "OTHER_CFLAGS": ["-std=gnu11"] }
        }]
      ]
    }
  ]
}
