// GEMM for the short, wide products of convolutions (few rows, small K, thousands of positions), where
// OpenBLAS spends as much time packing B and pre-filling C as multiplying.
#ifndef GK_SMALLGEMM_H
#define GK_SMALLGEMM_H
#include "gk_internal.h"

/// 1 where gk_small_gemm beats OpenBLAS (gk_sgemm) for this shape, measured on AVX2 (Zen 4).
GK_HIDDEN int gk_small_gemm_applies(int64_t m, int64_t n, int64_t k);
/// C[m x n] (ldc) = (accumulate ? C : bias[row], or 0 where bias is NULL) + op(A)[m x k] * B[k x n] (ldb),
/// row-major; trans_a: A is stored k x m (lda) instead of m x k. Single-threaded. Each element is its start
/// value plus the products added one at a time in k order (fused where the CPU has FMA), so results do not
/// depend on where an element falls in the blocking.
GK_HIDDEN void gk_small_gemm(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                             const float *b, int64_t ldb, const float *bias, int accumulate, float *c, int64_t ldc);

#endif
