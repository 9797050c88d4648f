// Fast convolutions. Each pass first tries the specialised paths (direct for few channels, Winograd for 3x3
// stride 1, per-tap GEMMs for 1-D, depthwise), else per image (and group) an im2col tile of at most ~GK_TILE_BYTES
// and one GEMM (our small-K GEMM or OpenBLAS, which always runs on 1 thread). Work is cut into units whose shapes
// depend only on the geometry (never on the thread count) and dealt to threads in contiguous ranges, so the same
// GEMM calls and accumulations happen for any thread count: all three kernels are bitwise reproducible across
// gk_set_num_threads values.
#include "gk_internal.h"
#include "direct.h"
#include "rowwino.h"
#include "winograd.h"
#include "smallgemm.h"
#include "conv_taps.h"
#include "gemm_abt.h"
#include <string.h>

#ifndef GK_TILE_BYTES
#define GK_TILE_BYTES ((int64_t)1 << 20)   // one col tile (per thread); about L2-sized so GEMM packing reads it hot
#endif
#define GK_MIN_UNITS 8                      // aim for at least this many independent units when splitting channels

static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                 int64_t ldb, float beta, float *c, int64_t ldc) {
    gk_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

// 1x1, stride 1, no padding: the input planes already are the col matrix.
static int pointwise(const gk_dims *d) {
    return d->kvol == 1 && d->sd == 1 && d->sh == 1 && d->sw == 1 && d->pd == 0 && d->ph == 0 && d->pw == 0 &&
           d->od == d->id && d->oh == d->ih && d->ow == d->iw;
}

// Output positions per tile for a col matrix of `rows` rows (at least 32, multiple of 16 unless it is all of them).
static int64_t tile_positions(int64_t rows, int64_t osz) {
    int64_t pc = GK_TILE_BYTES / (4 * (rows > 0 ? rows : 1));
    if (pc >= osz) return osz;
    pc &= ~(int64_t)15;
    return pc < 32 ? (osz < 32 ? osz : 32) : pc;
}

// Channel blocks per group: enough that `units` independent units reach GK_MIN_UNITS, each block at least
// 32 col rows (and one channel). Depends only on the geometry, never on the thread count.
static int64_t channel_blocks(const gk_dims *d, int64_t units) {
    int64_t nb = (GK_MIN_UNITS + units - 1) / units;
    int64_t cap = d->cin_g * d->kvol / 32;
    if (cap > d->cin_g) cap = d->cin_g;
    if (nb > cap) nb = cap;
    return nb < 1 ? 1 : nb;
}

typedef struct {
    const gk_conv_geom *g;
    gk_dims d;
    const float *x, *w, *bias, *dy, *addend;
    const float *wpk;   // the weights packed for the small GEMM once per call (NULL: not used), not once per tile
    float *y, *dx, *dw;
    float *partial;     // backward filter split over image groups: one dw per group, summed in order afterwards
    int64_t pc, nchunk, nb, nob, ngrp, units;
    int pw, act;   // act: GK_ACT_* applied to each finished tile (forward only)
} conv_ctx;

// ---- forward: units are (image, tile of output positions); each writes its own slice of y ----------------------
static void forward_part(void *vc, int part, int nparts) {
    conv_ctx *c = vc;
    const gk_dims *d = &c->d;
    const int64_t K = d->cin_g * d->kvol, G = c->g->groups;
    int64_t lo, hi;
    gk_range(c->units, part, nparts, &lo, &hi);
    float *col = c->pw ? NULL : gk_alloc(sizeof(float) * (size_t)(K * c->pc));
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / c->nchunk, p0 = (u % c->nchunk) * c->pc;
        const int64_t p1 = p0 + c->pc < d->osz ? p0 + c->pc : d->osz, np = p1 - p0;
        for (int64_t grp = 0; grp < G; grp++) {
            const float *xg = c->x + (n * c->g->cin + grp * d->cin_g) * d->isz;
            float *yg = c->y + (n * c->g->cout + grp * d->cout_g) * d->osz + p0;
            const float *wg = c->w + grp * d->cout_g * K;
            const float *bg = c->bias ? c->bias + grp * d->cout_g : NULL;
            const float *ag = c->addend ? c->addend + (yg - c->y) : NULL;
            const int small = gk_small_gemm_applies(d->cout_g, np, K);
            // y starts as the bias (or addend + bias: a residual sum costs no separate pass). The small-K GEMM (no B
            // packing) loads that start itself where the addend has few rows; with more, the addend and y rows (far
            // apart) are too many streams and a fill pass first is faster (64->256 over 16000: 62 vs 46 GFLOP/s).
            const int fill = !small || (ag && d->cout_g > 64);
            if (fill) gk_fill_add_bias_rows(d->cout_g, np, d->osz, bg, ag, yg);
            if (!c->pw) gk_im2col(d, xg, d->cin_g, p0, p1, col);
            const float *b = c->pw ? xg + p0 : col;
            const int64_t ldb = c->pw ? d->osz : np;
            if (small)
                gk_small_gemm_split(c->wpk ? GK_SG_PACKED : 0, d->cout_g, np, K, c->wpk ? c->wpk + grp * d->cout_g * K : wg,
                                    K, b, K, 0, ldb, fill ? NULL : bg, fill ? yg : ag, d->osz, yg, d->osz);
            else
                gemm(0, 0, d->cout_g, np, K, wg, K, b, ldb, 1.0f, yg, d->osz);
            if (c->act) gk_activate_rows(c->act, d->cout_g, np, d->osz, NULL, yg);   // the tile is still in cache
        }
    }
    gk_free(col);
}

// ---- forward over many tiny images (a TDNN's frames: 13 positions each) -----------------------------------------
// One GEMM over every image's positions at once instead of a tiny GEMM per image, whose call overhead dominated
// (TDNN inference: 27% im2col setup, 15% OpenBLAS). Parts own whole images, so results do not depend on the thread
// count (the small GEMM sums each element in k order wherever it falls in the blocking).
static int batched_applies(const gk_conv_geom *g, const gk_dims *d) {
    const int64_t K = d->cin_g * d->kvol, P = g->batch * d->osz;
    return g->groups == 1 && g->batch > 1 && d->osz <= 64 && K * P <= ((int64_t)1 << 20) &&
           gk_small_gemm_applies_everywhere(g->cout, P, K);
}

typedef struct {
    const gk_conv_geom *g;
    gk_dims d;
    const float *x, *w, *bias, *addend;
    float *y, *col, *tmp;
    int act;
} batched_ctx;

// The 1-D stride-1 case (a TDNN's): each col row of an image is a contiguous run of the input, copied by a loop the
// clones vectorise (a memcpy call per 13-float run cost more than the copy).
static int plain_1d(const gk_dims *d) {
    return d->kd == 1 && d->kh == 1 && d->id == 1 && d->ih == 1 && d->sw == 1 && d->pw == 0 &&
           d->iw >= d->ow + (d->kw - 1) * d->dw;
}

GK_CLONES static void runs_1d_k(const gk_dims *d, const float *x, int64_t cin, int64_t n0, int64_t n1, int64_t P,
                                float *col) {
    const int64_t osz = d->osz;
    for (int64_t n = n0; n < n1; n++)
        for (int64_t c = 0; c < cin; c++)
            for (int64_t k = 0; k < d->kw; k++) {
                const float *restrict src = x + (n * cin + c) * d->isz + k * d->dw;
                float *restrict dst = col + (c * d->kw + k) * P + n * osz;
                for (int64_t p = 0; p < osz; p++) dst[p] = src[p];
            }
}

// y rows of images [n0, n1) from tmp[o][n * osz + p] (+ addend).
GK_CLONES static void scatter_k(int64_t n0, int64_t n1, int64_t cout, int64_t osz, int64_t P, const float *tmp,
                                const float *addend, float *y) {
    for (int64_t n = n0; n < n1; n++)
        for (int64_t o = 0; o < cout; o++) {
            const float *restrict t = tmp + o * P + n * osz;
            const float *restrict a = addend ? addend + (n * cout + o) * osz : NULL;
            float *restrict yo = y + (n * cout + o) * osz;
            if (a) for (int64_t p = 0; p < osz; p++) yo[p] = t[p] + a[p];
            else for (int64_t p = 0; p < osz; p++) yo[p] = t[p];
        }
}

static void batched_part(void *vc, int part, int nparts) {
    const batched_ctx *c = vc;
    const gk_dims *d = &c->d;
    const int64_t K = d->cin_g * d->kvol, P = c->g->batch * d->osz, cout = c->g->cout;
    int64_t n0, n1;
    gk_range(c->g->batch, part, nparts, &n0, &n1);
    if (n0 >= n1) return;
    if (plain_1d(d)) {
        runs_1d_k(d, c->x, c->g->cin, n0, n1, P, c->col);
    } else {
        float *one = gk_alloc(sizeof(float) * (size_t)(K * d->osz));
        for (int64_t n = n0; n < n1; n++) {   // col[k][n * osz + p]: each image's im2col rows side by side
            gk_im2col(d, c->x + n * c->g->cin * d->isz, d->cin_g, 0, d->osz, one);
            for (int64_t k = 0; k < K; k++) memcpy(c->col + k * P + n * d->osz, one + k * d->osz, sizeof(float) * (size_t)d->osz);
        }
        gk_free(one);
    }
    const int64_t np = (n1 - n0) * d->osz;
    gk_small_gemm(0, cout, np, K, c->w, K, c->col + n0 * d->osz, P, c->bias, 0, c->tmp + n0 * d->osz, P);
    scatter_k(n0, n1, cout, d->osz, P, c->tmp, c->addend, c->y);
    if (c->act) gk_activate_rows(c->act, (n1 - n0) * cout, d->osz, d->osz, NULL, c->y + n0 * cout * d->osz);
}

static void forward_batched(const gk_conv_geom *g, const gk_dims *d, const float *x, const float *w, const float *bias,
                            const float *addend, int act, float *y) {
    const int64_t K = d->cin_g * d->kvol, P = g->batch * d->osz;
    batched_ctx c = {.g = g, .d = *d, .x = x, .w = w, .bias = bias, .addend = addend, .y = y, .act = act};
    c.col = gk_alloc(sizeof(float) * (size_t)(K * P));
    c.tmp = gk_alloc(sizeof(float) * (size_t)(g->cout * P));
    gk_parallel(gk_parts_for(g->batch, 2.0 * (double)g->cout * (double)P * (double)K), batched_part, &c);
    gk_free(c.col);
    gk_free(c.tmp);
}

// y = conv(x, w) + bias (+ addend where not NULL). Paths other than the GEMM ones add the addend afterwards.
static void conv_forward(const gk_conv_geom *g, const float *x, const float *w, const float *prepared,
                         const float *bias, const float *addend, int act, float *y) {
    GK_FTZ_SCOPE;
    conv_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .w = w, .bias = bias, .y = y, .addend = addend, .act = act};
    const int64_t ysize = g->batch * g->cout * c.d.osz;
    if (g->batch <= 0 || g->cout <= 0 || c.d.osz <= 0) return;
    if (g->cin <= 0 || c.d.kvol <= 0) {   // empty sum: y = bias
        for (int64_t n = 0; n < g->batch; n++)
            for (int64_t o = 0; o < g->cout; o++)
                for (int64_t p = 0; p < c.d.osz; p++) y[(n * g->cout + o) * c.d.osz + p] = bias ? bias[o] : 0.0f;
        if (addend) gk_add(ysize, y, addend, y);
        if (act) gk_bias_activate(g->batch, g->cout, c.d.osz, NULL, act, y);
        return;
    }
    const int path = gk_conv_path(g, 0);
    if (path == GK_PATH_BATCHED) { forward_batched(g, &c.d, x, w, bias, addend, act, y); return; }
    if (path == GK_PATH_DIRECT || path == GK_PATH_WINOGRAD || path == GK_PATH_DEPTHWISE || path == GK_PATH_TAPS ||
        path == GK_PATH_ROWWINO) {
        // Direct and both Winograds apply the activation per tile; with an addend it must follow the sum (one pass).
        const int inner = addend ? GK_ACT_NONE : act;
        if (path == GK_PATH_DIRECT) gk_direct_forward_act(g, x, w, bias, inner, y);
        else if (path == GK_PATH_ROWWINO) gk_rowwino_forward_act(g, x, w, bias, inner, y);
        else if (path == GK_PATH_WINOGRAD) gk_winograd_forward_act(g, x, w, bias, inner, prepared, y);
        else if (path == GK_PATH_TAPS) gk_taps_forward(g, x, w, bias, y);
        else gk_depthwise_forward(g, x, w, bias, y);
        if (addend) gk_add(ysize, y, addend, y);
        const int done = !addend && (path == GK_PATH_DIRECT || path == GK_PATH_WINOGRAD || path == GK_PATH_ROWWINO);
        if (act && !done) gk_bias_activate(g->batch, g->cout, c.d.osz, NULL, act, y);
        return;
    }
    c.pw = path == GK_PATH_POINTWISE;
    c.pc = tile_positions(c.d.cin_g * c.d.kvol, c.d.osz);
    // Small batches: cut images into more tiles (>= 256 positions each) so there are GK_MIN_UNITS units to share.
    int64_t want = (GK_MIN_UNITS + g->batch - 1) / g->batch, split = (c.d.osz + want - 1) / want;
    split = split < 256 ? 256 : (split + 15) & ~(int64_t)15;
    if (split < c.pc) c.pc = split;
    c.nchunk = (c.d.osz + c.pc - 1) / c.pc;
    c.units = g->batch * c.nchunk;
    double flops = 2.0 * (double)g->batch * (double)g->cout * (double)c.d.osz * (double)(c.d.cin_g * c.d.kvol);
    const int64_t K = c.d.cin_g * c.d.kvol;
    float *wpk = NULL;
    if (c.nchunk * g->batch > 1 && gk_small_gemm_applies(c.d.cout_g, c.pc < c.d.osz ? c.pc : c.d.osz, K)) {
        wpk = gk_alloc(sizeof(float) * (size_t)(g->cout * K));
        for (int64_t grp = 0; grp < g->groups; grp++)
            gk_small_gemm_pack(0, c.d.cout_g, K, w + grp * c.d.cout_g * K, K, wpk + grp * c.d.cout_g * K);
    }
    c.wpk = wpk;
    gk_parallel(gk_parts_for(c.units, flops), forward_part, &c);
    gk_free(wpk);
}

void gk_conv_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y) {
    conv_forward(g, x, w, NULL, bias, NULL, GK_ACT_NONE, y);
}

void gk_conv_forward_add(const gk_conv_geom *g, const float *x, const float *w, const float *bias,
                         const float *addend, float *y) {
    conv_forward(g, x, w, NULL, bias, addend, GK_ACT_NONE, y);
}

void gk_conv_forward_fused(const gk_conv_geom *g, const float *x, const float *w, const float *bias,
                           const float *addend, int act, float *y) {
    conv_forward(g, x, w, NULL, bias, addend, act, y);
}

int64_t gk_conv_prepared_floats(const gk_conv_geom *g) {
    return gk_conv_path(g, 0) == GK_PATH_WINOGRAD ? gk_winograd_prepared_floats(g) : 0;
}

void gk_conv_prepare(const gk_conv_geom *g, const float *w, float *prepared) {
    if (gk_conv_path(g, 0) == GK_PATH_WINOGRAD) gk_winograd_prepare(g, w, prepared);
}

void gk_conv_forward_prepared(const gk_conv_geom *g, const float *x, const float *w, const float *prepared,
                              const float *bias, const float *addend, int act, float *y) {
    conv_forward(g, x, w, gk_conv_path(g, 0) == GK_PATH_WINOGRAD ? prepared : NULL, bias, addend, act, y);
}

// ---- backward data: units are (image, group, channel block); each owns its dx planes -----------------------------
static void backward_data_part(void *vc, int part, int nparts) {
    conv_ctx *c = vc;
    const gk_dims *d = &c->d;
    const int64_t K = d->cin_g * d->kvol, G = c->g->groups;
    const int64_t rows_max = ((d->cin_g + c->nb - 1) / c->nb) * d->kvol;
    int64_t lo, hi;
    gk_range(c->units, part, nparts, &lo, &hi);
    float *dcol = c->pw ? NULL : gk_alloc(sizeof(float) * (size_t)(rows_max * c->pc));
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / (G * c->nb), grp = (u / c->nb) % G, blk = u % c->nb;
        int64_t a, b;
        gk_range(d->cin_g, (int)blk, (int)c->nb, &a, &b);
        float *dxc = c->dx + (n * c->g->cin + grp * d->cin_g + a) * d->isz;
        const float *wsub = c->w + grp * d->cout_g * K + a * d->kvol;   // columns [a*kvol, b*kvol) of W_g
        const float *dyg = c->dy + (n * c->g->cout + grp * d->cout_g) * d->osz;
        // W_g^T rows [a*kvol, b*kvol), packed once for all images and tiles (or packed by each call)
        const int sg_mode = c->wpk ? GK_SG_PACKED : 1;
        const float *wa = c->wpk ? c->wpk + (grp * K + a * d->kvol) * d->cout_g : wsub;
        if (c->pw) {
            if (gk_small_gemm_applies(b - a, d->osz, d->cout_g))   // small K: no B packing, no zero pass
                gk_small_gemm(sg_mode, b - a, d->osz, d->cout_g, wa, K, dyg, d->osz, NULL, 0, dxc, d->osz);
            else
                gemm(1, 0, b - a, d->osz, d->cout_g, wsub, K, dyg, d->osz, 0.0f, dxc, d->osz);
            continue;
        }
        const int assign = gk_windows_tile_input(d);   // every point written exactly once: no zeroing, no adds
        if (!assign) gk_zero((b - a) * d->isz, dxc);
        for (int64_t p0 = 0; p0 < d->osz; p0 += c->pc) {
            const int64_t p1 = p0 + c->pc < d->osz ? p0 + c->pc : d->osz, np = p1 - p0;
            if (gk_small_gemm_applies((b - a) * d->kvol, np, d->cout_g))   // e.g. transposed 2x2 stride-2 upsampling
                gk_small_gemm(sg_mode, (b - a) * d->kvol, np, d->cout_g, wa, K, dyg + p0, d->osz, NULL, 0, dcol, np);
            else
                gemm(1, 0, (b - a) * d->kvol, np, d->cout_g, wsub, K, dyg + p0, d->osz, 0.0f, dcol, np);
            gk_col2im(d, dcol, b - a, p0, p1, dxc, assign);
        }
    }
    gk_free(dcol);
}

void gk_conv_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    GK_FTZ_SCOPE;
    conv_ctx c = {.g = g, .d = gk_unpack(g), .dy = dy, .w = w, .dx = dx};
    if (g->batch <= 0 || g->cin <= 0 || c.d.isz <= 0) return;
    if (g->cout <= 0 || c.d.osz <= 0 || c.d.kvol <= 0) {
        gk_zero(g->batch * g->cin * c.d.isz, dx);
        return;
    }
    switch (gk_conv_path(g, 1)) {
    case GK_PATH_DIRECT: gk_direct_backward_data(g, dy, w, dx); return;
    case GK_PATH_WINOGRAD: gk_winograd_backward_data(g, dy, w, dx); return;
    case GK_PATH_TAPS: gk_taps_backward_data(g, dy, w, dx); return;
    case GK_PATH_DEPTHWISE: gk_depthwise_backward_data(g, dy, w, dx); return;
    case GK_PATH_POINTWISE: c.pw = 1; break;
    default: c.pw = 0; break;
    }
    c.pc = tile_positions(c.d.cin_g * c.d.kvol, c.d.osz);
    c.nb = channel_blocks(&c.d, g->batch * g->groups);
    c.units = g->batch * g->groups * c.nb;
    double flops = 2.0 * (double)g->batch * (double)g->cout * (double)c.d.osz * (double)(c.d.cin_g * c.d.kvol);
    // Pack each (group, channel block) of W^T once where the small GEMM will run (all blocks have <= rows_max rows).
    const int64_t K = c.d.cin_g * c.d.kvol, rows_max = ((c.d.cin_g + c.nb - 1) / c.nb) * c.d.kvol;
    const int64_t calls = g->batch * (c.pw ? 1 : (c.d.osz + c.pc - 1) / c.pc);
    float *wpk = NULL;
    if (calls > 1 && gk_small_gemm_applies(rows_max, c.pw || c.pc > c.d.osz ? c.d.osz : c.pc, c.d.cout_g)) {
        wpk = gk_alloc(sizeof(float) * (size_t)(g->groups * K * c.d.cout_g));
        for (int64_t grp = 0; grp < g->groups; grp++)
            for (int64_t blk = 0; blk < c.nb; blk++) {
                int64_t a, b;
                gk_range(c.d.cin_g, (int)blk, (int)c.nb, &a, &b);
                gk_small_gemm_pack(1, (b - a) * c.d.kvol, c.d.cout_g, w + grp * c.d.cout_g * K + a * c.d.kvol, K,
                                   wpk + (grp * K + a * c.d.kvol) * c.d.cout_g);
            }
    }
    c.wpk = wpk;
    gk_parallel(gk_parts_for(c.units, flops), backward_data_part, &c);
    gk_free(wpk);
}

// ---- backward filter: units are (group, channel block, output-channel block); each owns a block of dw and sums
// over the batch and the tiles in a fixed order ---------------------------------------------------------------------
static void backward_filter_part(void *vc, int part, int nparts) {
    conv_ctx *c = vc;
    const gk_dims *d = &c->d;
    const int64_t K = d->cin_g * d->kvol;
    const int64_t rows_max = ((d->cin_g + c->nb - 1) / c->nb) * d->kvol;
    int64_t lo, hi;
    gk_range(c->units, part, nparts, &lo, &hi);
    float *col = c->pw ? NULL : gk_alloc(sizeof(float) * (size_t)(rows_max * c->pc));
    for (int64_t u = lo; u < hi; u++) {
        const int64_t ig = u % c->ngrp, v = u / c->ngrp;
        const int64_t grp = v / (c->nb * c->nob), blk = (v / c->nob) % c->nb, oblk = v % c->nob;
        int64_t a, b, o0, o1, n0, n1;
        gk_range(d->cin_g, (int)blk, (int)c->nb, &a, &b);
        gk_range(d->cout_g, (int)oblk, (int)c->nob, &o0, &o1);
        gk_range(c->g->batch, (int)ig, (int)c->ngrp, &n0, &n1);
        const int64_t rows = (b - a) * d->kvol, m = o1 - o0;
        float *dwb = (c->partial ? c->partial + ig * c->g->cout * K : c->dw) + (grp * d->cout_g + o0) * K + a * d->kvol;
        for (int64_t o = 0; o < m; o++) gk_zero(rows, dwb + o * K);
        for (int64_t n = n0; n < n1; n++) {
            const float *xc = c->x + (n * c->g->cin + grp * d->cin_g + a) * d->isz;
            const float *dyo = c->dy + (n * c->g->cout + grp * d->cout_g + o0) * d->osz;
            if (c->pw) {   // long reductions over positions with a narrow side: dot-product kernel, else OpenBLAS
                if (gk_gemm_abt_applies(m, rows, d->osz))
                    gk_gemm_abt(m, rows, d->osz, dyo, d->osz, xc, d->isz, 1, dwb, K);
                else
                    gemm(0, 1, m, rows, d->osz, dyo, d->osz, xc, d->isz, 1.0f, dwb, K);
                continue;
            }
            for (int64_t p0 = 0; p0 < d->osz; p0 += c->pc) {
                const int64_t p1 = p0 + c->pc < d->osz ? p0 + c->pc : d->osz, np = p1 - p0;
                gk_im2col(d, xc, b - a, p0, p1, col);
                if (gk_gemm_abt_applies(m, rows, np))
                    gk_gemm_abt(m, rows, np, dyo + p0, d->osz, col, np, 1, dwb, K);
                else
                    gemm(0, 1, m, rows, np, dyo + p0, d->osz, col, np, 1.0f, dwb, K);
            }
        }
    }
    gk_free(col);
}

static void dbias_part(void *vc, int part, int nparts) {
    conv_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->g->cout, part, nparts, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        double s = 0.0;   // per image partial sums in a fixed order
        for (int64_t n = 0; n < c->g->batch; n++) s += gk_sum(c->d.osz, c->dy + (n * c->g->cout + o) * c->d.osz);
        c->dw[o] = (float)s;
    }
}

void gk_conv_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    GK_FTZ_SCOPE;
    conv_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .dy = dy, .dw = dw};
    const int64_t K = c.d.cin_g * c.d.kvol;
    if (g->cout <= 0) return;
    if (g->batch <= 0 || c.d.osz <= 0 || K <= 0) {
        gk_zero(g->cout * K, dw);
        if (dbias) gk_zero(g->cout, dbias);
        return;
    }
    switch (gk_conv_path(g, 2)) {
    case GK_PATH_DIRECT: gk_direct_backward_filter(g, x, dy, dw, dbias); return;
    case GK_PATH_ROWWINO: gk_rowwino_backward_filter(g, x, dy, dw, dbias); return;
    case GK_PATH_WINOGRAD: gk_winograd_backward_filter(g, x, dy, dw, dbias); return;
    case GK_PATH_TAPS: gk_taps_backward_filter(g, x, dy, dw, dbias); return;
    case GK_PATH_DEPTHWISE: gk_depthwise_backward_filter(g, x, dy, dw, dbias); return;
    case GK_PATH_POINTWISE: c.pw = 1; break;
    default: c.pw = 0; break;
    }
    c.pc = tile_positions(K, c.d.osz);
    c.nb = channel_blocks(&c.d, g->groups);
    // Very few (group, channel block) units: also split output channels (blocks of >= 16 rows) so threads have work.
    // Only below GK_MIN_UNITS / 2: every output block repeats the im2col of its channels (UNet's 64->32 up-conv
    // backward filter: 4 units of 8 channels run at 66 GFLOP/s, split into 8 at 59).
    c.nob = 1;
    if (g->groups * c.nb < GK_MIN_UNITS / 2) {
        c.nob = (GK_MIN_UNITS + g->groups * c.nb - 1) / (g->groups * c.nb);
        if (c.nob > c.d.cout_g / 16) c.nob = c.d.cout_g / 16;
        if (c.nob < 1) c.nob = 1;
    }
    // Still too few units (a small layer over many small images, e.g. a TDNN's): also split the images into groups,
    // each summing its own copy of dw, added in group order afterwards. The groups depend on the geometry only.
    c.ngrp = 1;
    if (g->groups * c.nb * c.nob < GK_MIN_UNITS / 2 && g->batch > 1 && g->cout * K <= ((int64_t)1 << 16)) {
        c.ngrp = GK_MIN_UNITS / (g->groups * c.nb * c.nob);
        if (c.ngrp > g->batch) c.ngrp = g->batch;
    }
    c.partial = c.ngrp > 1 ? gk_alloc(sizeof(float) * (size_t)(c.ngrp * g->cout * K)) : NULL;
    c.units = g->groups * c.nb * c.nob * c.ngrp;
    double flops = 2.0 * (double)g->batch * (double)g->cout * (double)c.d.osz * (double)K;
    gk_parallel(gk_parts_for(c.units, flops), backward_filter_part, &c);
    if (c.partial) {
        for (int64_t i = 0; i < g->cout * K; i++) {
            float s = c.partial[i];
            for (int64_t q = 1; q < c.ngrp; q++) s += c.partial[q * g->cout * K + i];
            dw[i] = s;
        }
        gk_free(c.partial);
    }
    if (dbias) {
        conv_ctx cb = c;
        cb.dw = dbias;
        gk_parallel(gk_parts_for(g->cout, (double)g->batch * g->cout * c.d.osz), dbias_part, &cb);
    }
}

// The one dispatch rule for all three passes (first match wins): many tiny images -> one batched GEMM (forward);
// 9-wide kernels -> row Winograd (forward, backward filter); few channels -> direct, 3x3 stride 1 -> Winograd,
// 1-D stride 1 -> taps read in place (the forward only where the small-K GEMM runs), depthwise, else GEMM.
int gk_conv_path(const gk_conv_geom *g, int which) {
    if (which == 0) {
        gk_dims d = gk_unpack(g);
        if (batched_applies(g, &d)) return GK_PATH_BATCHED;
    }
    if (which != 1 && gk_rowwino_applies(g)) return GK_PATH_ROWWINO;
    if (gk_direct_applies(g, which)) return GK_PATH_DIRECT;
    if (gk_winograd_applies(g)) return GK_PATH_WINOGRAD;
    if (gk_taps_applies(g, which)) return GK_PATH_TAPS;
    if (gk_depthwise_applies(g)) return GK_PATH_DEPTHWISE;
    gk_dims d = gk_unpack(g);
    return pointwise(&d) ? GK_PATH_POINTWISE : GK_PATH_IM2COL;
}
