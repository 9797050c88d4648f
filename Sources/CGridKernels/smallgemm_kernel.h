// The small GEMM's register-blocked body, included by smallgemm.c once per vector width:
//   SGK_VW 8:  8-float vectors, 6 x 16 blocks (12 of 16 registers), target_clones (AVX2 / SSE);
//   SGK_VW 16: 16-float vectors, 8 x 32 blocks (16 of 32 registers), AVX-512 only, with a masked last strip in
//              place of the scalar edge.
// Needs SGK_VW, SGK_MR, SGK_NV, SGK_NAME (the entry point's name), SGK_ATTR (its attributes) and SGK_INNER (the
// inlined helpers' attributes); it undefines them at the end. Every element is
// start + a[0]*b[0] + a[1]*b[1] + ... in k order, one FMA each, in every block, strip and edge: both bodies give
// the same bits.
#if SGK_VW == 16
#include <immintrin.h>
#define SGK_V v16f
#define SGK_LD(p) (msk ? (v16f)_mm512_maskz_loadu_ps(km, (p)) : ld16(p))
#define SGK_ST(p, v) (msk ? _mm512_mask_storeu_ps((p), km, (__m512)(v)) : (void)st16((p), (v)))
#define SGK_SPLAT splat16
#define SGK_STU(p, v) st16((p), (v))
#define SGK_MASK __mmask16
#else
#define SGK_V v8f
#define SGK_LD(p) ld(p)
#define SGK_ST(p, v) st((p), (v))
#define SGK_SPLAT splat
#define SGK_STU(p, v) st((p), (v))
#define SGK_MASK int
#endif
#define SGK_CAT2(a, b) a##b
#define SGK_CAT(a, b) SGK_CAT2(a, b)
#define SGK_TILE_FN SGK_CAT(SGK_NAME, _tile)
#define SGK_STRIPS_FN SGK_CAT(SGK_NAME, _strips)

// One mr x (VW*nv) block of C (mr, nv compile-time after inlining, so s[][] lives in registers): start values,
// then k rank-1 updates from the packed A panel (mr floats per k) and k rows of B read in place: blocks of k1 rows,
// ldb apart, block q starting at b + q*bstep. msk (VW 16 only): only the columns in km exist.
// save: also store the B vectors to sb (VW*nv floats per k), for the later blocks of the strip, and prefetch the
// same rows of the next strip: B rows far apart defeat the hardware prefetchers, and a strip read cold from L3 or
// memory otherwise stalls the first block (measured: 32x16000x256 1.3x slower, a 64->256 1x1 backward 2x).
// hs (a start matrix) and mb (more than one block of B rows) are compile-time too: as run-time tests they cost 7%.
GK_INLINE SGK_INNER void SGK_TILE_FN(const int mr, const int nv, const int save, const int hs, const int mb,
                                    const int msk, SGK_MASK km, int64_t k, int64_t k1, const float *restrict ap,
                                    const float *b, int64_t bstep, int64_t ldb, float *restrict sb, const float *bias,
                                    const float *start, int64_t lds, float *c, int64_t ldc) {
    (void)km;
    SGK_V s[SGK_MR][SGK_NV];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) {
            const SGK_V bi = SGK_SPLAT(bias ? bias[i] : 0.0f);
            s[i][v] = hs ? SGK_LD(start + i * lds + SGK_VW * v) + bi : bi;
        }
    for (int i = 0; i < mr; i++) {
        if (hs) __builtin_prefetch(start + i * lds + SGK_VW * nv);
        if (!hs || c != start) __builtin_prefetch(c + i * ldc + SGK_VW * nv, 1);
    }
    // One loop per block of rows, not a test per row (sb stays contiguous).
    int64_t p = 0;
    for (const float *b0 = b; p < k; b0 += bstep) {
        const int64_t pend = mb && p + k1 < k ? p + k1 : k;
        for (b = b0; p < pend; p++, ap += mr, b += ldb) {
            SGK_V bv[SGK_NV];
            for (int v = 0; v < nv; v++) bv[v] = SGK_LD(b + SGK_VW * v);
            if (save) {   // the copy holds whole vectors (zeros in masked-off columns)
                for (int v = 0; v < nv; v++) SGK_STU(sb + (p * nv + v) * SGK_VW, bv[v]);
                __builtin_prefetch(b + SGK_VW * nv);
                __builtin_prefetch(b + 2 * SGK_VW * nv - 1);
            }
            for (int i = 0; i < mr; i++) {
                const SGK_V av = SGK_SPLAT(ap[i]);
                for (int v = 0; v < nv; v++) s[i][v] = av * bv[v] + s[i][v];   // one FMA (-ffp-contract=on)
            }
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) SGK_ST(c + i * ldc + SGK_VW * v, s[i][v]);
}

#define SGK_TILE(MRC, NVC, SAVE)                                                                               \
    SGK_TILE_FN(MRC, NVC, SAVE, hs, mb && blk == 0, msk, km, k, k1, pa + i0 * k, bs, bstep, lds_b, sb,           \
                bias ? bias + i0 : NULL, start ? start + i0 * lds + j : NULL, lds, c + i0 * ldc + j, ldc)
// Rows are dealt into ceil(m / MR) blocks of nearly equal size (32 = 6+6+5+5+5+5, not 6*5+2): a block of
// r rows has 2r independent FMA chains and fewer than ~8 leave the 4-cycle FMA latency exposed.
#define SGK_ROWS_CASE(R, NVC, SAVE)                                                                            \
    case R:                                                                                                    \
        if (SGK_MR >= R) SGK_TILE(R, NVC, SAVE);                                                               \
        break;
#define SGK_TILE_R(R, NVC, SAVE)                                                                               \
    do {                                                                                                       \
        if ((R) == SGK_MR) SGK_TILE(SGK_MR, NVC, SAVE);                                                        \
        else switch (R) {                                                                                      \
            SGK_ROWS_CASE(1, NVC, SAVE) SGK_ROWS_CASE(2, NVC, SAVE) SGK_ROWS_CASE(3, NVC, SAVE)                \
            SGK_ROWS_CASE(4, NVC, SAVE) SGK_ROWS_CASE(5, NVC, SAVE) SGK_ROWS_CASE(6, NVC, SAVE)                \
            SGK_ROWS_CASE(7, NVC, SAVE)                                                                        \
            default: break;                                                                                    \
        }                                                                                                      \
    } while (0)

// All rows of C for columns [j, j + VW*nv). B rows ldb floats apart mostly fall into few L1 sets (16000 floats:
// 8 of 64), so K >= 64 of them do not stay in L1: the first block reads B in place and leaves a contiguous copy
// (free: the store ports are idle) that the other blocks read.
#define SGK_STRIP(NVC)                                                                                         \
    do {                                                                                                       \
        const float *bs = b + j;                                                                               \
        int64_t lds_b = ldb;                                                                                   \
        for (int64_t blk = 0, i0 = 0; blk < nblk; blk++) {                                                     \
            if (blk == 0 && nblk > 1) SGK_TILE_R(big, NVC, 1);                                                 \
            else if (blk < nbig) SGK_TILE_R(big, NVC, 0);                                                      \
            else SGK_TILE_R(big - 1, NVC, 0);                                                                  \
            if (blk == 0) bs = sb, lds_b = SGK_VW * (NVC);                                                     \
            i0 += blk < nbig ? big : big - 1;                                                                  \
        }                                                                                                      \
    } while (0)

// The vector strips; returns where the scalar edge starts (n: none is left on the wide body).
GK_INLINE SGK_INNER int64_t SGK_STRIPS_FN(const int hs, const int mb, int64_t m, int64_t n, int64_t k,
                                         const float *restrict pa, const float *b, int64_t k1, int64_t bstep,
                                         int64_t ldb, const float *bias, const float *start, int64_t lds, float *c,
                                         int64_t ldc, float *restrict sb) {
    SG_BLOCKS(m, SGK_MR);
    int64_t j = 0;
    int msk = 0;
    SGK_MASK km = 0;
    for (; j + SGK_VW * SGK_NV <= n; j += SGK_VW * SGK_NV) SGK_STRIP(SGK_NV);
    if (SGK_NV > 1)
        for (; j + SGK_VW <= n; j += SGK_VW) SGK_STRIP(1);
#if SGK_VW == 16
    if (j < n) {   // the last 1-15 columns: one masked strip
        msk = 1;
        km = (__mmask16)((1u << (n - j)) - 1u);
        SGK_STRIP(1);
        j = n;
    }
#endif
    return j;
}

SGK_ATTR static void SGK_NAME(int64_t m, int64_t n, int64_t k, const float *restrict pa, const float *b, int64_t k1,
                              int64_t bstep, int64_t ldb, const float *bias, const float *start, int64_t lds,
                              float *c, int64_t ldc, float *restrict sb) {
    const int64_t j = start && k1 < k ? SGK_STRIPS_FN(1, 1, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                      : start    ? SGK_STRIPS_FN(1, 0, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                      : k1 < k   ? SGK_STRIPS_FN(0, 1, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb)
                                 : SGK_STRIPS_FN(0, 0, m, n, k, pa, b, k1, bstep, ldb, bias, start, lds, c, ldc, sb);
    SG_BLOCKS(m, SGK_MR);
    // Last n % 8 columns (8-wide body): scalar, same start value and k order (a*b + s contracts to the same FMA).
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

#undef SGK_V
#undef SGK_LD
#undef SGK_ST
#undef SGK_SPLAT
#undef SGK_STU
#undef SGK_MASK
#undef SGK_TILE_FN
#undef SGK_STRIPS_FN
#undef SGK_TILE
#undef SGK_ROWS_CASE
#undef SGK_TILE_R
#undef SGK_STRIP
#undef SGK_CAT
#undef SGK_CAT2
// The parameters too, so the next width defines them afresh.
#undef SGK_VW
#undef SGK_MR
#undef SGK_NV
#undef SGK_NAME
#undef SGK_ATTR
#undef SGK_INNER
