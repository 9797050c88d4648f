// C (+)= A * B^T for long inner dimensions: the backward-filter products of convolutions (dW = dy * x^T over
// thousands of positions, m and n of 32..256), where OpenBLAS reaches only about half of peak.
#ifndef GK_GEMM_ABT_H
#define GK_GEMM_ABT_H
#include "gk_internal.h"

/// 1 where gk_gemm_abt beats OpenBLAS (gk_sgemm) for this shape, measured on AVX2 (Zen 4) and AVX-512 (Zen 5).
GK_HIDDEN int gk_gemm_abt_applies(int64_t m, int64_t n, int64_t p);
/// C[m x n] (ldc) = (accumulate ? C : 0) + A[m x p] (lda) * B[n x p]^T (ldb), row-major. Single-threaded
/// (callers split work into disjoint blocks of C per thread). Each element is its start value plus, for each
/// chunk of GK_ABT_CHUNK positions in order, the chunk's dot product (8 float lanes, each summed in position
/// order, then added in a fixed tree): results depend only on p and the data, not on m, n or the element's
/// place in the blocking, so any split of C between threads gives the same bits.
GK_HIDDEN void gk_gemm_abt(int64_t m, int64_t n, int64_t p, const float *a, int64_t lda, const float *b,
                           int64_t ldb, int accumulate, float *c, int64_t ldc);

#endif
