/* The hot lane loops compiled twice, for baseline x86-64 and for AVX2,
 * with the one the CPU can run picked when the library loads (GCC's
 * function multiversioning, an ifunc). Why: the product must run on
 * baseline x86-64, while on the machines it runs on 4-wide vectors make
 * the batched loops much faster than SSE2's 2-wide ones.
 *
 * Both clones give the same bits: "avx2" does not enable FMA, and ISO C
 * (-std=c11, CMakeLists.txt) keeps -ffp-contract=off, so every product
 * and sum is rounded on its own, in the order the source writes them
 * (no reassociation without -ffast-math). Mark whole loops only: a clone
 * is called through a pointer and is never inlined. */
#ifndef AIMC_SIMD_H
#define AIMC_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define AIMC_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AIMC_SIMD_CLONES
#endif

/* C's restrict, where a loop vectorizes only when told that a store does
 * not reach what it reads (C++, which includes the headers, spells it
 * __restrict). */
#ifdef __cplusplus
#define AIMC_RESTRICT __restrict
#else
#define AIMC_RESTRICT restrict
#endif

#endif
