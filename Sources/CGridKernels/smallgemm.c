// Small-K GEMM: C = start + op(A) * B for the short, wide products of convolutions (M and K of 32..256, N of
// thousands of positions, B rows ldb = image size apart). OpenBLAS copies all of B into panels in a separate
// pass (~16% of a WaveNet step) and needs C pre-filled. Here C is done in strips of 16 (AVX-512: 32) columns: the
// first 6-row (8-row) block of a strip reads B's K rows in place and keeps a contiguous copy of that strip (at most
// 16 KB (32 KB), in L1) for the strip's other row blocks; only A (M*K floats) is packed, once per call or, for weights that
// serve many calls (conv tiles, WaveNet layers), once by the caller (GK_SG_PACKED: packing per call cost 6-20%).
// B may be several blocks of rows at a fixed offset from each other (the taps of a 1-D convolution read in place).
// The start value (bias, plus a start matrix: C itself or an addend) is loaded into the accumulators, so C is
// written once and a residual sum costs no pass of its own.
// Every element is start + a[0]*b[0] + a[1]*b[1] + ... added in k order (one FMA each on FMA CPUs), in the vector
// blocks and in the scalar edge alike: results do not depend on the blocking, on where a tile starts or on which
// body (smallgemm_kernel.h) runs. The packed A's row blocks follow the body's row count (gk_wide() decides both).
#include "smallgemm.h"
#include "gk_vec.h"

#define SG_STACK_FLOATS 8192   // packed A + B strip copy up to 32 KB live on the stack, larger ones are allocated

// Row blocks: nbig of `big` rows, then the rest of big - 1 (the same for packing and multiplying).
#define SG_BLOCKS(m, MR) const int64_t nblk = ((m) + (MR) - 1) / (MR), big = ((m) + nblk - 1) / nblk, nbig = (m) - nblk * (big - 1)

// The 8-float body: 6 x 16 blocks = 12 accumulators + 2 B vectors + 1 broadcast of AVX2's 16 registers.
#define SGK_VW 8
#define SGK_MR 6
#define SGK_NV 2
#define SGK_NAME small_gemm_k
#define SGK_ATTR GK_CLONES
#define SGK_INNER
#include "smallgemm_kernel.h"

#if GK_HAVE_WIDE
// The AVX-512 body: 8 x 32 blocks = 16 accumulators of 16 floats. Measured on WaveNet's layer GEMMs (Zen 5, 1
// thread): 230 GFLOP/s against 114 for the 8-float body's AVX-512 clone; 8 x 32 beat 6 x 32 (201), 4 x 32 (200),
// 12 x 32 (227) and 4 x 64 (223).
#define SGK_VW 16
#define SGK_MR 8
#define SGK_NV 2
#define SGK_NAME small_gemm_wide
#define SGK_ATTR GK_WIDE
#define SGK_INNER GK_WIDE
#include "smallgemm_kernel.h"
#define SG_MR_NOW (gk_wide() ? 8 : 6)
#else
#define SG_MR_NOW 6
#endif

// Measured (1 thread, Zen 4 AVX2, B and C rows 16000 floats apart, C started from the bias): 1.05-1.25x faster
// than bias fill + OpenBLAS for m 8..512, k 8..256, n >= 512 (and 1.6-2.7x for m <= 4); about even at n = 256
// or k = 512, slower at k = 1024 (the B strip copy no longer fits L1); m > 512 not measured.
// The AVX-512 body against OpenBLAS 0.3.21 (which runs its Haswell kernel on Zen 5), 1 thread, A packed once as the
// convolutions do: 1.6-2.9x on every shape measured, m 8..2048, n 16..4096, k 64..2048 (1024 x 16 x 512: 2.9x,
// 64 x 1024 x 2048: 1.6x, the transposed 2x2 convolutions' 1024 x 64 x 512: 2.4x).
int gk_small_gemm_applies(int64_t m, int64_t n, int64_t k) {
    if (gk_wide()) return m >= 1 && k >= 1 && k <= 2048 && n >= 16;
    return gk_small_gemm_applies_everywhere(m, n, k);
}

int gk_small_gemm_applies_everywhere(int64_t m, int64_t n, int64_t k) {
    return m >= 1 && m <= 512 && k >= 1 && k <= 256 && n >= 512;
}

// One block of mr rows into k groups of mr floats: 8 columns at a time transposed in registers, each
// group stored as a whole vector whose tail the next group overwrites (the block's last group goes one float at a
// time, so nothing past the block is written). Weight packing per call runs over every transformed Winograd filter
// of a training step: the one-float-at-a-time copy was 9% of a UNet step.
GK_CLONES static void pack_block(int trans_a, int64_t mr, int64_t k, const float *a, int64_t lda, float *dst) {
    int64_t p = 0;
    if (!trans_a && mr >= 4 && mr <= 8)   // a vector's 8 - mr extra floats then fall inside the next group
        for (; p + 8 < k; p += 8) {   // strictly below k: column k - 1 is left to the scalar tail
            v8f r[8];
            for (int i = 0; i < 8; i++) r[i] = i < mr ? ld(a + i * lda + p) : splat(0.0f);
            transpose8(r);
            for (int j = 0; j < 8; j++) st(dst + (p + j) * mr, r[j]);
        }
    for (; p < k; p++)
        for (int64_t i = 0; i < mr; i++) dst[p * mr + i] = trans_a ? a[p * lda + i] : a[i * lda + p];
}

// The block starting at row i0 with mr rows becomes k groups of mr floats at pa + i0*k.
void gk_small_gemm_pack(int trans_a, int64_t m, int64_t k, const float *a, int64_t lda, float *pa) {
    SG_BLOCKS(m, SG_MR_NOW);
    for (int64_t blk = 0, i0 = 0; blk < nblk; blk++) {
        const int64_t mr = blk < nbig ? big : big - 1;
        pack_block(trans_a, mr, k, trans_a ? a + i0 : a + i0 * lda, lda, pa + i0 * k);
        i0 += mr;
    }
}

void gk_small_gemm_split(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                         int64_t k1, int64_t bstep, int64_t ldb, const float *bias, const float *start, int64_t lds,
                         float *c, int64_t ldc) {
    GK_FTZ_SCOPE;
    if (m <= 0 || n <= 0) return;
    if (k < 0) k = 0;
    if (k1 <= 0 || k1 > k) k1 = k > 0 ? k : 1;   // one block
    float stack_pa[SG_STACK_FLOATS] __attribute__((aligned(64)));
    const int packed = trans_a == GK_SG_PACKED;
    const int64_t need = (packed ? 0 : m * k) + 32 * k;   // packed A, then the B strip copy (16 or 32 columns)
    float *pa = need <= SG_STACK_FLOATS ? stack_pa : gk_alloc(sizeof(float) * (size_t)need);
    if (!packed) gk_small_gemm_pack(trans_a, m, k, a, lda, pa);
    const float *apk = packed ? a : pa;
    float *strip = packed ? pa : pa + m * k;
#if GK_HAVE_WIDE
    if (gk_wide()) small_gemm_wide(m, n, k, apk, b, k1, bstep, ldb, bias, start, lds, c, ldc, strip);
    else
#endif
        small_gemm_k(m, n, k, apk, b, k1, bstep, ldb, bias, start, lds, c, ldc, strip);
    if (pa != stack_pa) gk_free(pa);
}

void gk_small_gemm(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                   int64_t ldb, const float *bias, int accumulate, float *c, int64_t ldc) {
    gk_small_gemm_split(trans_a, m, n, k, a, lda, b, k, 0, ldb, accumulate ? NULL : bias, accumulate ? c : NULL,
                        ldc, c, ldc);
}
