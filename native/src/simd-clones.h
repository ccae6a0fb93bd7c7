/* Function multiversioning for the memory-bound loops (pooling, reductions): GCC/Clang
 * emit an AVX-512, an AVX2 and a baseline clone and pick one at load time through an
 * ifunc. ifuncs need glibc on x86; elsewhere the baseline build is used as is. */
#ifndef SPN_SIMD_CLONES_H
#define SPN_SIMD_CLONES_H

#include <stdlib.h> /* defines __GLIBC__ on glibc */

#if defined(SPN_X86) && defined(__GLIBC__) && defined(__linux__) && \
    (defined(__clang__) ? __clang_major__ >= 14 : (defined(__GNUC__) && __GNUC__ >= 6))
#define SPN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SPN_CLONES
#endif

#endif
