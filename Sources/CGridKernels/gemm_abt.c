// C (+)= A * B^T with a long inner dimension P, in dot-product form: every element of C is a dot product of a row
// of A and a row of B, both contiguous, so nothing is packed (OpenBLAS copies both into panels). A register block
// of 3 x 4 (or 4 x 3) elements keeps one 8-float accumulator each; a step over 8 positions loads 7 vectors for 12
// FMAs. P is cut into chunks of GK_ABT_CHUNK positions. Within a chunk the rows of the smaller side ("streamed",
// up to ABT_SB of them) stay in L2 while each group of 4 (3) rows of the other side ("resident", a few KB, L1)
// meets all of them; at the chunk's end the accumulators are reduced (fixed tree) and added to C, so each element
// of C takes ceil(P / GK_ABT_CHUNK) float additions. Float accumulation: lanes sum 128 products, then 3 tree
// levels, then one add per chunk: about 3e-7 of max|C| at P = 16000 (measured), like OpenBLAS.
#include "gemm_abt.h"

#ifndef GK_ABT_CHUNK
#define GK_ABT_CHUNK 1024   // positions per chunk (fixes the summation order; a multiple of 8)
#endif
#ifndef ABT_SB
#define ABT_SB 48   // streamed rows per cache block: 48 rows x 4 KB = 192 KB of L2 (multiple of 3 and 4)
#endif

#include "gk_vec.h"
#define shuf __builtin_shufflevector

// Sums of 8 accumulators, each ((l0+l1) + (l2+l3)) + ((l4+l5) + (l6+l7)): the same tree for every element (so
// edge blocks match full ones) in 21 vector ops instead of ~10 scalar ones per accumulator.
GK_INLINE void reduce8(const v8f *v, float *out) {
    v8f q[4], h[2];
    for (int k = 0; k < 4; k++)   // [a0+a1, b0+b1, a2+a3, b2+b3, a4+a5, b4+b5, a6+a7, b6+b7]
        q[k] = shuf(v[2 * k], v[2 * k + 1], 0, 8, 2, 10, 4, 12, 6, 14) +
               shuf(v[2 * k], v[2 * k + 1], 1, 9, 3, 11, 5, 13, 7, 15);
    for (int k = 0; k < 2; k++)   // [a0..3, b0..3, c0..3, d0..3, a4..7, b4..7, c4..7, d4..7]
        h[k] = shuf(q[2 * k], q[2 * k + 1], 0, 1, 8, 9, 4, 5, 12, 13) +
               shuf(q[2 * k], q[2 * k + 1], 2, 3, 10, 11, 6, 7, 14, 15);
    *(v8u *)out = shuf(h[0], h[1], 0, 1, 2, 3, 8, 9, 10, 11) + shuf(h[0], h[1], 4, 5, 6, 7, 12, 13, 14, 15);
}

// The sr x rr accumulators of a block, in (i, j) order in flat[0, sr*rr), zero-padded to whole groups of 8, reduced,
// then stored to C (first) or added to it.
GK_INLINE void store_sums(const int sr, const int rr, v8f *flat, int first, float *restrict c, int64_t csi,
                          int64_t csj) {
    float sum[16];
    for (int k = sr * rr; k < 16; k++) flat[k] = (v8f){0};
    reduce8(flat, sum);
    if (sr * rr > 8) reduce8(flat + 8, sum + 8);
    for (int i = 0; i < sr; i++)
        for (int j = 0; j < rr; j++) {
            float *e = c + i * csi + j * csj;
            *e = first ? sum[i * rr + j] : *e + sum[i * rr + j];
        }
}

// Measured on Zen 4 (AVX2), 1 thread: with 32 or fewer rows on one side OpenBLAS's packing and its edge tiles
// cost it 10-170% (16 x 256 x 16000: 55 vs 67 GF/s); from 64 x 64 up it is as fast or faster (packed panels
// stay in L1), and below ~128 positions the per-chunk reduction no longer amortises (32 x 64 x 64: -10%).
// The AVX-512 body (Zen 5, 1 thread) against OpenBLAS 0.3.21, which runs its Haswell kernel there: 1.0-3x from 64
// positions up at every m, n measured (8..256 x 16..576: 64 x 576 x 4096 even, 16 x 16 x 256 3x), 0.5-0.9x below.
int gk_gemm_abt_applies(int64_t m, int64_t n, int64_t p) {
    if (gk_wide()) return p >= 64;
    return (m < n ? m : n) <= 32 && p >= 128;
}

// One sr x rr block of C over positions [0, len) (sr, rr compile-time after inlining, so acc lives in
// registers). s rows are lds apart, r rows ldr apart; C element (i, j) is at c + i*csi + j*csj.
GK_INLINE void block(const int sr, const int rr, int64_t len, const float *restrict s, int64_t lds,
                     const float *restrict r, int64_t ldr, int first, float *restrict c, int64_t csi, int64_t csj) {
    v8f acc[4][4];
    for (int i = 0; i < sr; i++)
        for (int j = 0; j < rr; j++) acc[i][j] = (v8f){0};
    int64_t p = 0;
    for (; p + 8 <= len; p += 8) {
        // The narrower side's vectors stay in registers, the other's are loaded one at a time (16 ymm in all).
        if (rr <= sr) {
            v8f rv[4];
            for (int j = 0; j < rr; j++) rv[j] = ld(r + j * ldr + p);
            for (int i = 0; i < sr; i++) {
                const v8f sv = ld(s + i * lds + p);
                for (int j = 0; j < rr; j++) acc[i][j] = sv * rv[j] + acc[i][j];   // one FMA (-ffp-contract=on)
            }
        } else {
            v8f sv[4];
            for (int i = 0; i < sr; i++) sv[i] = ld(s + i * lds + p);
            for (int j = 0; j < rr; j++) {
                const v8f rv = ld(r + j * ldr + p);
                for (int i = 0; i < sr; i++) acc[i][j] = sv[i] * rv + acc[i][j];
            }
        }
    }
    if (p < len) {   // last 1..7 positions: zero-padded copies, same lanes as a full step
        float st[4][8] = {{0}}, rt[4][8] = {{0}};
        for (int i = 0; i < sr; i++)
            for (int64_t q = p; q < len; q++) st[i][q - p] = s[i * lds + q];
        for (int j = 0; j < rr; j++)
            for (int64_t q = p; q < len; q++) rt[j][q - p] = r[j * ldr + q];
        for (int j = 0; j < rr; j++)
            for (int i = 0; i < sr; i++) acc[i][j] = ld(st[i]) * ld(rt[j]) + acc[i][j];
    }
    v8f flat[16];
    for (int i = 0; i < sr; i++)
        for (int j = 0; j < rr; j++) flat[i * rr + j] = acc[i][j];
    store_sums(sr, rr, flat, first, c, csi, csj);
}

#if GK_HAVE_WIDE
// block() for AVX-512: 16-float accumulators (up to 4 x 4 of 32 registers), positions 16 at a time; each
// accumulator's halves are added before the same reduction tree, so an element's sum depends on p and the data only
// (not the same bits as the 8-float body's: another lane split).
GK_INLINE void block16(const int sr, const int rr, int64_t len, const float *restrict s, int64_t lds,
                       const float *restrict r, int64_t ldr, int first, float *restrict c, int64_t csi, int64_t csj) {
    v16f acc[4][4];
    for (int i = 0; i < sr; i++)
        for (int j = 0; j < rr; j++) acc[i][j] = splat16(0.0f);
    int64_t p = 0;
    for (; p + 16 <= len; p += 16) {
        v16f rv[4];
        for (int j = 0; j < rr; j++) rv[j] = ld16(r + j * ldr + p);
        for (int i = 0; i < sr; i++) {
            const v16f sv = ld16(s + i * lds + p);
            for (int j = 0; j < rr; j++) acc[i][j] = sv * rv[j] + acc[i][j];
        }
    }
    if (p < len) {   // last 1..15 positions: zero-padded copies, same lanes as a full step
        float st[4][16] = {{0}}, rt[4][16] = {{0}};
        for (int i = 0; i < sr; i++)
            for (int64_t q = p; q < len; q++) st[i][q - p] = s[i * lds + q];
        for (int j = 0; j < rr; j++)
            for (int64_t q = p; q < len; q++) rt[j][q - p] = r[j * ldr + q];
        for (int j = 0; j < rr; j++)
            for (int i = 0; i < sr; i++) acc[i][j] = ld16(st[i]) * ld16(rt[j]) + acc[i][j];
    }
    v8f flat[16];
    for (int i = 0; i < sr; i++)
        for (int j = 0; j < rr; j++)
            flat[i * rr + j] = __builtin_shufflevector(acc[i][j], acc[i][j], 0, 1, 2, 3, 4, 5, 6, 7) +
                               __builtin_shufflevector(acc[i][j], acc[i][j], 8, 9, 10, 11, 12, 13, 14, 15);
    store_sums(sr, rr, flat, first, c, csi, csj);
}
#endif

#define ABT_BLOCK(SR, RR) ABT_BLOCK_FN(SR, RR, len, s + i0 * lds + p0, lds, r + j0 * ldr + p0, ldr, first, \
                                c + i0 * csi + j0 * csj, csi, csj)
// Streamed rows [s0, s1) of one cache block (SF at a time, then the rest) against resident rows [j0, j0 + RR).
#define ABT_COLUMN(SF, RR)                                                                                    \
    do {                                                                                                       \
        int64_t i0 = s0;                                                                                       \
        for (; i0 + SF <= s1; i0 += SF) ABT_BLOCK(SF, RR);                                                    \
        switch (s1 - i0) {                                                                                     \
            case 1: ABT_BLOCK(1, RR); break;                                                                   \
            case 2: ABT_BLOCK(2, RR); break;                                                                   \
            case 3: if (SF > 3) ABT_BLOCK(3, RR); break;                                                       \
            default: break;                                                                                    \
        }                                                                                                      \
    } while (0)
// Whole C with SF x RF register blocks.
#define ABT_LOOPS(SF, RF)                                                                                     \
    for (int64_t p0 = 0; p0 < p; p0 += GK_ABT_CHUNK) {                                                        \
        const int64_t len = p - p0 < GK_ABT_CHUNK ? p - p0 : GK_ABT_CHUNK;                                    \
        const int first = !accumulate && p0 == 0;                                                              \
        for (int64_t s0 = 0; s0 < ns; s0 += ABT_SB) {                                                          \
            const int64_t s1 = s0 + ABT_SB < ns ? s0 + ABT_SB : ns;                                            \
            int64_t j0 = 0;                                                                                    \
            for (; j0 + RF <= nr; j0 += RF) ABT_COLUMN(SF, RF);                                                \
            switch (nr - j0) {                                                                                 \
                case 1: ABT_COLUMN(SF, 1); break;                                                              \
                case 2: ABT_COLUMN(SF, 2); break;                                                              \
                case 3: if (RF > 3) ABT_COLUMN(SF, 3); break;                                                  \
                default: break;                                                                                \
            }                                                                                                  \
        }                                                                                                      \
    }

// C[i*csi + j*csj] (+)= s_i . r_j for i < ns, j < nr. Blocks of 3 streamed x 4 resident rows keep the L2 stream
// at 3 vectors per 12 FMAs; 4 x 3 (4 per 12) only for few streamed rows that are a multiple of 4 but not of 3
// (4, 8, 16: there the thin 1- or 2-row edge blocks of 3 x 4 cost more; measured 16 x 256: +9%, 32 x 32: -8%).
// Either way every element gets the same sums in the same order.
#define ABT_BLOCK_FN block
GK_CLONES static void abt_k(int64_t ns, int64_t nr, int64_t p, const float *s, int64_t lds, const float *r,
                            int64_t ldr, int accumulate, float *c, int64_t csi, int64_t csj) {
    if (ns <= 20 && ns % 4 == 0 && ns % 3 != 0) {
        ABT_LOOPS(4, 3)
    } else {
        ABT_LOOPS(3, 4)
    }
}

#if GK_HAVE_WIDE
#undef ABT_BLOCK_FN
#define ABT_BLOCK_FN block16
// 4 x 4 blocks of 16-float accumulators: 8 vector loads per 16 FMAs.
GK_WIDE static void abt_k_wide(int64_t ns, int64_t nr, int64_t p, const float *s, int64_t lds, const float *r,
                               int64_t ldr, int accumulate, float *c, int64_t csi, int64_t csj) {
    ABT_LOOPS(4, 4)
}
#endif

void gk_gemm_abt(int64_t m, int64_t n, int64_t p, const float *a, int64_t lda, const float *b, int64_t ldb,
                 int accumulate, float *c, int64_t ldc) {
    GK_FTZ_SCOPE;
    if (m <= 0 || n <= 0) return;
    if (p <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) c[i * ldc + j] = 0.0f;
        return;
    }
    // The smaller side is streamed (its chunk rows must fit L2); C^T = B A^T is the same loop with strides swapped.
#if GK_HAVE_WIDE
    if (gk_wide()) {
        if (m <= n) abt_k_wide(m, n, p, a, lda, b, ldb, accumulate, c, ldc, 1);
        else abt_k_wide(n, m, p, b, ldb, a, lda, accumulate, c, 1, ldc);
        return;
    }
#endif
    if (m <= n) abt_k(m, n, p, a, lda, b, ldb, accumulate, c, ldc, 1);
    else abt_k(n, m, p, b, ldb, a, lda, accumulate, c, 1, ldc);
}
