// Shared by the row-wise Winograd forward (rowwino.c) and backward filter (rowwino_bwf.c): the transforms, built
// once from the evaluation points, and the input transform both passes run on the same tiles.
#ifndef GK_ROWWINO_IMPL_H
#define GK_ROWWINO_IMPL_H
#include "rowwino.h"
#include <string.h>

#include "gk_vec.h"

#define RW_M 4                      // forward: outputs per tile (backward filter: dy values per tile)
#define RW_R 9                      // taps
#define RW_N (RW_M + RW_R - 1)      // inputs per tile, transformed values per tile
#define RW_TC_MAX 64                // tiles per column chunk at most (256 output columns)


/// Forward F(4,9): y = A^T [(G g) . (B^T d)]. Backward filter F(9,4) on the same points (so the same B^T):
/// dw = A2^T [(G2 dy) . (B^T x)], A2 in double because it runs once over sums of the whole batch.
GK_HIDDEN extern float gk_rw_bt[RW_N][RW_N], gk_rw_g[RW_N][RW_R], gk_rw_at[RW_M][RW_N], gk_rw_g2[RW_N][RW_M];
GK_HIDDEN extern double gk_rw_a2t[RW_R][RW_N];
/// Builds the tables on first use (thread-safe).
GK_HIDDEN void gk_rowwino_init(void);

/// Column chunks of one output row: tiles of 4 outputs, chunks of tc tiles (a multiple of 8).
typedef struct {
    int64_t tiles, tc, ntc;
} rw_columns;

GK_INLINE rw_columns rw_split_columns(int64_t ow) {
    rw_columns c = {.tiles = cdiv(ow, RW_M)};
    c.ntc = cdiv(c.tiles, RW_TC_MAX);
    c.tc = rup8(cdiv(c.tiles, c.ntc));
    return c;
}

// V[k][tiles) of one input row: B^T over each tile's 12 inputs. The row is split into its 4 phases so that input
// j of every tile in a vector is one contiguous load (phase j % 4, shifted by j / 4 tiles).
GK_INLINE void rw_transform_row(const float *restrict xrow, int64_t nvec, int64_t tc, float *restrict phase,
                                float *restrict vrow) {
    const int64_t pl = 8 * nvec + 8;
    for (int64_t t = 0; t < 8 * nvec + 2; t++)
        for (int q = 0; q < 4; q++) phase[q * pl + t] = xrow[4 * t + q];
    for (int64_t tv = 0; tv < nvec; tv++) {
        v8f dj[RW_N];
        for (int j = 0; j < RW_N; j++) dj[j] = ld(phase + (j & 3) * pl + 8 * tv + (j >> 2));
        for (int k = 0; k < RW_N; k++) {
            v8f acc = splat(0.0f);
            for (int j = 0; j < RW_N; j++) acc += splat(gk_rw_bt[k][j]) * dj[j];
            st(vrow + k * tc + 8 * tv, acc);
        }
    }
}

// V[ci][r][k][tc] (r < nrows, channel stride vcs) of input rows y0 + r and columns x0 + 4t + j of one image's
// channels x[cin][ih][iw], zero outside the image. xrow: 32 nvec + 8 floats; phase: 4 (8 nvec + 8) floats.
GK_INLINE void rw_transform_input(const gk_dims *d, const float *x, int64_t cin, int64_t y0, int64_t nrows, int64_t x0,
                                  int64_t nvec, int64_t tc, int64_t vcs, float *restrict xrow, float *restrict phase,
                                  float *restrict V) {
    const int64_t vks = RW_N * tc;
    for (int64_t ci = 0; ci < cin; ci++)
        for (int64_t r = 0; r < nrows; r++) {
            float *vrow = V + ci * vcs + r * vks;
            const int64_t iy = y0 + r;
            if (iy < 0 || iy >= d->ih) { memset(vrow, 0, sizeof(float) * (size_t)vks); continue; }
            const float *src = x + (ci * d->ih + iy) * d->iw;
            for (int64_t i = 0; i < 32 * nvec + 8; i++) {
                const int64_t ix = x0 + i;
                xrow[i] = ix >= 0 && ix < d->iw ? src[ix] : 0.0f;
            }
            rw_transform_row(xrow, nvec, tc, phase, vrow);
        }
}

#endif
