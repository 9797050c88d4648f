// Small-K GEMM: C = start + op(A) * B for the short, wide products of convolutions (M and K of 32..256, N of
// thousands of positions, B rows ldb = image size apart). OpenBLAS copies all of B into panels in a separate
// pass (~16% of a WaveNet step) and needs C pre-filled. Here C is done in strips of SG_NV*8 columns: the first
// SG_MR-row block of a strip reads B's K rows in place and keeps a contiguous copy of that strip (at most
// 16 KB, in L1) for the strip's other row blocks; only A (M*K floats) is packed, once per call or, for weights that
// serve many calls (conv tiles, WaveNet layers), once by the caller (GK_SG_PACKED: packing per call cost 6-20%).
// B may be several blocks of rows at a fixed offset from each other (the taps of a 1-D convolution read in place).
// The start value (bias, plus a start matrix: C itself or an addend) is loaded into the accumulators, so C is
// written once and a residual sum costs no pass of its own.
// Every element is start + a[0]*b[0] + a[1]*b[1] + ... added in k order (one FMA each on FMA CPUs), in the vector
// blocks and in the scalar edge alike: results do not depend on the blocking or on where a tile starts.
#include "smallgemm.h"
#include "gk_vec.h"

#ifndef SG_MR
#define SG_MR 6   // rows of C per register block
#endif
#ifndef SG_NV
#define SG_NV 2   // 8-float vectors per row of a block: 6 x 16 = 12 accumulators + 2 B vectors + 1 broadcast
#endif
#define SG_STACK_FLOATS 8192   // packed A + B strip copy up to 32 KB live on the stack, larger ones are allocated

// Measured (1 thread, Zen 4 AVX2, B and C rows 16000 floats apart, C started from the bias): 1.05-1.25x faster
// than bias fill + OpenBLAS for m 8..512, k 8..256, n >= 512 (and 1.6-2.7x for m <= 4); about even at n = 256
// or k = 512, slower at k = 1024 (the B strip copy no longer fits L1); m > 512 not measured.
int gk_small_gemm_applies(int64_t m, int64_t n, int64_t k) {
    return m >= 1 && m <= 512 && k >= 1 && k <= 256 && n >= 512;
}

// One mr x (8*nv) block of C (mr, nv compile-time after inlining, so s[][] lives in registers): start values,
// then k rank-1 updates from the packed A panel (mr floats per k) and k rows of B read in place: blocks of k1 rows,
// ldb apart, block q starting at b + q*bstep.
// save: also store the B vectors to sb (8*nv floats per k), for the later blocks of the strip, and prefetch the
// same rows of the next strip: B rows far apart defeat the hardware prefetchers, and a strip read cold from L3 or
// memory otherwise stalls the first block (measured: 32x16000x256 1.3x slower, a 64->256 1x1 backward 2x).
// hs (a start matrix) and mb (more than one block of B rows) are compile-time too: as run-time tests they cost 7%.
GK_INLINE void tile(const int mr, const int nv, const int save, const int hs, const int mb, int64_t k, int64_t k1,
                    const float *restrict ap, const float *b, int64_t bstep, int64_t ldb, float *restrict sb,
                    const float *bias, const float *start, int64_t lds, float *c, int64_t ldc) {
    v8f s[SG_MR][SG_NV];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) {
            const v8f bi = splat(bias ? bias[i] : 0.0f);
            s[i][v] = hs ? ld(start + i * lds + 8 * v) + bi : bi;
        }
    for (int i = 0; i < mr; i++) {
        if (hs) __builtin_prefetch(start + i * lds + 8 * nv);
        if (!hs || c != start) __builtin_prefetch(c + i * ldc + 8 * nv, 1);
    }
    // One loop per block of rows, not a test per row (sb stays contiguous).
    int64_t p = 0;
    for (const float *b0 = b; p < k; b0 += bstep) {
        const int64_t pend = mb && p + k1 < k ? p + k1 : k;
        for (b = b0; p < pend; p++, ap += mr, b += ldb) {
            v8f bv[SG_NV];
            for (int v = 0; v < nv; v++) bv[v] = ld(b + 8 * v);
            if (save) {
                for (int v = 0; v < nv; v++) st(sb + (p * nv + v) * 8, bv[v]);
                __builtin_prefetch(b + 8 * nv);
                __builtin_prefetch(b + 16 * nv - 1);
            }
            for (int i = 0; i < mr; i++) {
                const v8f av = splat(ap[i]);
                for (int v = 0; v < nv; v++) s[i][v] = av * bv[v] + s[i][v];   // one FMA (-ffp-contract=on)
            }
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) st(c + i * ldc + 8 * v, s[i][v]);
}

#define SG_TILE(MRC, NVC, SAVE)                                                                               \
    tile(MRC, NVC, SAVE, hs, mb && blk == 0, k, k1, pa + i0 * k, bs, bstep, lds_b, sb, bias ? bias + i0 : NULL,  \
         start ? start + i0 * lds + j : NULL, lds, c + i0 * ldc + j, ldc)
// Rows are dealt into ceil(m / SG_MR) blocks of nearly equal size (32 = 6+6+5+5+5+5, not 6*5+2): a block of
// r rows has 2r independent FMA chains and fewer than ~8 leave the 4-cycle FMA latency exposed.
#define SG_ROWS_CASE(R, NVC, SAVE)                                                                            \
    case R:                                                                                                    \
        if (SG_MR >= R) SG_TILE(R, NVC, SAVE);                                                                 \
        break;
#define SG_TILE_R(R, NVC, SAVE)                                                                               \
    do {                                                                                                       \
        if ((R) == SG_MR) SG_TILE(SG_MR, NVC, SAVE);                                                           \
        else switch (R) {                                                                                      \
            SG_ROWS_CASE(1, NVC, SAVE) SG_ROWS_CASE(2, NVC, SAVE) SG_ROWS_CASE(3, NVC, SAVE)                   \
            SG_ROWS_CASE(4, NVC, SAVE) SG_ROWS_CASE(5, NVC, SAVE) SG_ROWS_CASE(6, NVC, SAVE)                   \
            SG_ROWS_CASE(7, NVC, SAVE)                                                                         \
            default: break;                                                                                    \
        }                                                                                                      \
    } while (0)

// All rows of C for columns [j, j + 8*nv). B rows ldb floats apart mostly fall into few L1 sets (16000 floats:
// 8 of 64), so K >= 64 of them do not stay in L1: the first block reads B in place and leaves a contiguous copy
// (free: the store ports are idle) that the other blocks read.
#define SG_STRIP(NVC)                                                                                         \
    do {                                                                                                       \
        const float *bs = b + j;                                                                               \
        int64_t lds_b = ldb;                                                                                   \
        for (int64_t blk = 0, i0 = 0; blk < nblk; blk++) {                                                     \
            if (blk == 0 && nblk > 1) SG_TILE_R(big, NVC, 1);                                                  \
            else if (blk < nbig) SG_TILE_R(big, NVC, 0);                                                       \
            else SG_TILE_R(big - 1, NVC, 0);                                                                   \
            if (blk == 0) bs = sb, lds_b = 8 * (NVC);                                                          \
            i0 += blk < nbig ? big : big - 1;                                                                  \
        }                                                                                                      \
    } while (0)

// Row blocks: nbig of `big` rows, then the rest of big - 1 (the same for packing and multiplying).
#define SG_BLOCKS(m) const int64_t nblk = ((m) + SG_MR - 1) / SG_MR, big = ((m) + nblk - 1) / nblk, nbig = (m) - nblk * (big - 1)

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
    SG_BLOCKS(m);
    for (int64_t blk = 0, i0 = 0; blk < nblk; blk++) {
        const int64_t mr = blk < nbig ? big : big - 1;
        pack_block(trans_a, mr, k, trans_a ? a + i0 : a + i0 * lda, lda, pa + i0 * k);
        i0 += mr;
    }
}

// The vector strips; returns where the scalar edge starts.
GK_INLINE int64_t strips(const int hs, const int mb, int64_t m, int64_t n, int64_t k, const float *restrict pa,
                         const float *b, int64_t k1, int64_t bstep, int64_t ldb, const float *bias, const float *start,
                         int64_t lds, float *c, int64_t ldc, float *restrict sb) {
    SG_BLOCKS(m);
    int64_t j = 0;
    for (; j + 8 * SG_NV <= n; j += 8 * SG_NV) SG_STRIP(SG_NV);
    if (SG_NV > 1)
        for (; j + 8 <= n; j += 8) SG_STRIP(1);
    return j;
}

GK_CLONES static void small_gemm_k(int64_t m, int64_t n, int64_t k, const float *restrict pa, const float *b,
                                   int64_t k1, int64_t bstep, int64_t ldb, const float *bias, const float *start,
                                   int64_t lds, float *c, int64_t ldc, float *restrict sb) {
    const int64_t j = start && k1 < k ? strips(1, 1, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                      : start    ? strips(1, 0, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                      : k1 < k   ? strips(0, 1, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                                 : strips(0, 0, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb);
    SG_BLOCKS(m);
    // Last n % 8 columns: scalar, same start value and k order (a*b + s contracts to the same FMA).
    for (int64_t blk = 0, i0 = 0; blk < nblk && j < n; blk++) {
        const int64_t mr = blk < nbig ? big : big - 1;
        for (int64_t i = 0; i < mr; i++) {
            const float *ap = pa + i0 * k + i;
            float *cr = c + (i0 + i) * ldc;
            for (int64_t jj = j; jj < n; jj++) {
                const float bi = bias ? bias[i0 + i] : 0.0f;
                float s = start ? start[(i0 + i) * lds + jj] + bi : bi;
                for (int64_t p = 0; p < k; p++) s = ap[p * mr] * b[(p / k1) * bstep + (p % k1) * ldb + jj] + s;
                cr[jj] = s;
            }
        }
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
    const int64_t need = (packed ? 0 : m * k) + 8 * SG_NV * k;   // packed A, then the B strip copy
    float *pa = need <= SG_STACK_FLOATS ? stack_pa : gk_alloc(sizeof(float) * (size_t)need);
    if (!packed) gk_small_gemm_pack(trans_a, m, k, a, lda, pa);
    small_gemm_k(m, n, k, packed ? a : pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, packed ? pa : pa + m * k);
    if (pa != stack_pa) gk_free(pa);
}

void gk_small_gemm(int trans_a, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                   int64_t ldb, const float *bias, int accumulate, float *c, int64_t ldc) {
    gk_small_gemm_split(trans_a, m, n, k, a, lda, b, k, 0, ldb, accumulate ? NULL : bias, accumulate ? c : NULL,
                        ldc, c, ldc);
}
