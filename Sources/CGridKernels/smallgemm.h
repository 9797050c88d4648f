// GEMM for the short, wide products of convolutions (few rows, small K, thousands of positions), where
// OpenBLAS spends as much time packing B and pre-filling C as multiplying.
#ifndef GK_SMALLGEMM_H
#define GK_SMALLGEMM_H
#include "gk_internal.h"

/// 1 where gk_small_gemm beats OpenBLAS (gk_sgemm) for this shape, measured on AVX2 (Zen 4) and AVX-512 (Zen 5).
GK_HIDDEN int gk_small_gemm_applies(int64_t m, int64_t n, int64_t k);
/// The shapes where it wins on every machine (the AVX2 rule): what path decisions use, so that a geometry takes the
/// same kernel path, and gives the same bits, on AVX2 and AVX-512 machines alike.
GK_HIDDEN int gk_small_gemm_applies_everywhere(int64_t m, int64_t n, int64_t k);
/// C[m x n] (ldc) = (accumulate ? C : bias[row], or 0 where bias is NULL) + op(A)[m x k] * B[k x n] (ldb),
/// row-major; trans_a: A is stored k x m (lda) instead of m x k. Single-threaded. Each element is its start
/// value plus the products added one at a time in k order (fused where the CPU has FMA), so results do not
/// depend on where an element falls in the blocking.
GK_HIDDEN void gk_small_gemm(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                             const float *b, int64_t ldb, const float *bias, int accumulate, float *c, int64_t ldc);

/// A (m x k, or k x m where trans_a) in the kernel's block order: m*k floats at pa. Weights used by many calls are
/// packed once and passed with trans_a = GK_SG_PACKED (lda ignored).
#define GK_SG_PACKED 2
GK_HIDDEN void gk_small_gemm_pack(int trans_a, int64_t m, int64_t k, const float *a, int64_t lda, float *pa);
/// The general form: B in blocks of k1 rows ldb apart, block q starting at b + q*bstep, so row p is at
/// b + (p / k1)*bstep + (p % k1)*ldb: the taps of a 1-D convolution (block q = the input shifted by q*dilation) are
/// read in place, with no im2col copy (k1 = k: one block). C starts at start[row] + bias[row] (start NULL: 0, bias
/// NULL: 0; start may be C).
GK_HIDDEN void gk_small_gemm_split(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                   const float *b, int64_t k1, int64_t bstep, int64_t ldb, const float *bias,
                                   const float *start, int64_t lds, float *c, int64_t ldc);

#endif
