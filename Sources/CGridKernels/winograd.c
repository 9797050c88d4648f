// Winograd F(4x4, 3x3) drivers. Tiles are taken a chunk of tile rows at a time (chunk size from the geometry
// only), transformed to [36][C][tiles], multiplied by 36 GEMMs and transformed back. The forward GEMMs run on our
// small GEMM with the transformed filter packed in its panel order (once per plan, or once per call), reading the
// transformed tiles in place: OpenBLAS spent a fifth of UNet inference packing both operands again for every chunk
// (measured on the UNet's shapes: 1.1-1.2x faster at 128-256 channels, 2.5-4.8x for the deep layers' 16-64 tiles).
// Rows of tiles are padded to a multiple of 8 so the GEMM never falls into its scalar edge. As in conv.c, work units
// have geometry-only shapes, so results are bitwise identical for any gk_set_num_threads value.
#include "winograd.h"
#include "smallgemm.h"
#include <string.h>

#ifndef GK_WINO_CHUNK_BYTES
#define GK_WINO_CHUNK_BYTES ((int64_t)768 << 10)   // transformed input + output of a chunk: about L2
#endif
#ifndef GK_WINO_MIN_TILES
#define GK_WINO_MIN_TILES 64   // GEMM N (forward) / K (filter gradient, OpenBLAS) per chunk at least
#endif
#ifndef GK_WINO_UBLOCK_BYTES
#define GK_WINO_UBLOCK_BYTES ((int64_t)1 << 20)   // transformed-filter block per unit when there is one chunk
#endif
#define GK_WINO_UNITS 8   // aim for this many independent units (like conv.c's GK_MIN_UNITS)

int gk_winograd_applies(const gk_conv_geom *g) {
    if (g->groups != 1 || g->in[0] != 1 || g->out[0] != 1 || g->kernel[0] != 1) return 0;
    if (g->kernel[1] != 3 || g->kernel[2] != 3) return 0;
    for (int i = 1; i < 3; i++)
        if (g->stride[i] != 1 || g->dilation[i] != 1 || g->pad_lo[i] < 0 || g->pad_lo[i] > 2) return 0;
    // pad_hi needs no check: the transforms read zeros past the input and write only the out[] extent.
    // Measured (1 thread, batch 4): wins 1.6-3x from 4 channels up at >= 8x8 outputs; at 6x6 and below the
    // 4x4 tiles are mostly padding and large channel counts lose.
    if (g->cin < 4 || g->cout < 4 || g->batch < 1) return 0;
    return g->out[1] >= 8 && g->out[2] >= 8;
}

// Tile rows per chunk: transformed in + out of a chunk near GK_WINO_CHUNK_BYTES, at least GK_WINO_MIN_TILES tiles.
static int64_t chunk_rows(const gk_wino_plan *p, int64_t chans) {
    int64_t tiles = GK_WINO_CHUNK_BYTES / (36 * 4 * chans);
    if (tiles < GK_WINO_MIN_TILES) tiles = GK_WINO_MIN_TILES;
    int64_t r = tiles / p->ntx;
    if (r < 1) r = 1;
    return r < p->rows ? r : p->rows;
}

// Channel blocks so that units * blocks reaches GK_WINO_UNITS, each block keeping >= `min` channels.
static int64_t blocks_for(int64_t units, int64_t chans, int64_t min) {
    int64_t nb = 1;
    while (units * nb * 2 <= GK_WINO_UNITS && chans / (nb * 2) >= min) nb *= 2;
    return nb;
}

// Chunks of tile rows, and the output blocks a whole transformed filter is packed in (a prepared one, or one
// transformed once per call): prepare and forward must cut the same blocks.
static int64_t chunk_count(const gk_wino_plan *p) { return cdiv(p->rows, chunk_rows(p, p->cin + p->cout)); }
static int64_t whole_filter_blocks(const gk_wino_plan *p, int64_t nchunk) { return blocks_for(nchunk, p->cout, 32); }
// A prepared filter serves calls of any batch (an inference plan runs a whole batch, or one image at a time where
// its output lies inside a concatenation), so its blocks depend on the channels only.
static int64_t prepared_blocks(const gk_wino_plan *p) { return blocks_for(1, p->cout, 32); }

typedef struct {
    gk_wino_plan p;
    const float *x, *w, *bias;
    float *y, *uw;   // transformed filter, each (plane, output block) packed for the small GEMM; NULL: per unit
    int64_t uks, R, nchunk, nob;
    int flip, act;
} fwd_ctx;

// Packs the `rows` x cin matrix of each of the 36 planes (row-major at u + k*uks) into dst + k*dks, in the small
// GEMM's panel order.
static void pack_planes(const float *u, int64_t uks, int64_t rows, int64_t cin, float *dst, int64_t dks) {
    for (int64_t k = 0; k < 36; k++) gk_small_gemm_pack(0, rows, cin, u + k * uks, cin, dst + k * dks);
}

// Transforms and packs whole output blocks (the packing order depends on the block's rows), each through a
// row-major scratch copy of just that block.
static void filter_part(void *vc, int part, int nparts) {
    fwd_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->nob, part, nparts, &lo, &hi);
    for (int64_t ob = lo; ob < hi; ob++) {
        int64_t o0, o1;
        gk_range(c->p.cout, (int)ob, (int)c->nob, &o0, &o1);
        const int64_t tks = gk_wino_kstride((o1 - o0) * c->p.cin);
        float *tmp = gk_alloc(sizeof(float) * (size_t)(36 * tks));
        gk_wino_filter(c->w, c->flip ? c->p.cin : c->p.cout, c->flip ? c->p.cout : c->p.cin, c->flip, o0, o1, tmp, tks);
        pack_planes(tmp, tks, o1 - o0, c->p.cin, c->uw + o0 * c->p.cin, c->uks);   // the block's panels sit at its rows
        gk_free(tmp);
    }
}

// Units are (chunk, output-channel block), chunk-major so a part reuses the chunk's transformed input.
static void fwd_part(void *vc, int part, int nparts) {
    fwd_ctx *c = vc;
    const gk_wino_plan *p = &c->p;
    const int64_t T = rup8(c->R * p->ntx), obmax = (p->cout + c->nob - 1) / c->nob;
    int64_t lo, hi;
    gk_range(c->nchunk * c->nob, part, nparts, &lo, &hi);
    float *v = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(p->cin * T)));
    float *m = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(obmax * T)));
    const int64_t ubks = gk_wino_kstride(obmax * p->cin);
    float *ub = c->uw ? NULL : gk_alloc(sizeof(float) * (size_t)(72 * ubks));
    int64_t have = -1;
    for (int64_t u = lo; u < hi; u++) {
        const int64_t ch = u / c->nob, ob = u % c->nob;
        const int64_t r0 = ch * c->R, r1 = r0 + c->R < p->rows ? r0 + c->R : p->rows, nt = (r1 - r0) * p->ntx;
        const int64_t ld = rup8(nt), vks = gk_wino_kstride(p->cin * ld);
        if (ch != have) {
            gk_wino_input(p, c->x, 0, p->cin, r0, r1, v, vks, ld);
            if (ld > nt)   // the padding columns are multiplied too (their results are never read): keep them finite
                for (int64_t k = 0; k < 36; k++)
                    for (int64_t ci = 0; ci < p->cin; ci++) memset(v + k * vks + ci * ld + nt, 0, sizeof(float) * (size_t)(ld - nt));
        }
        have = ch;
        int64_t o0, o1;
        gk_range(p->cout, (int)ob, (int)c->nob, &o0, &o1);
        const int64_t mks = gk_wino_kstride((o1 - o0) * ld);
        const float *ublk = c->uw + o0 * p->cin;
        int64_t uks = c->uks;
        if (!c->uw) {   // one chunk: transform just this block of the filter, while the GEMMs can read it hot
            uks = ubks;
            gk_wino_filter(c->w, c->flip ? p->cin : p->cout, c->flip ? p->cout : p->cin, c->flip, o0, o1, ub + 36 * ubks, uks);
            pack_planes(ub + 36 * ubks, uks, o1 - o0, p->cin, ub, uks);
            ublk = ub;
        }
        for (int64_t k = 0; k < 36; k++)
            gk_small_gemm(GK_SG_PACKED, o1 - o0, ld, p->cin, ublk + k * uks, 0, v + k * vks, ld, NULL, 0,
                          m + k * mks, ld);
        gk_wino_output(p, m, mks, ld, o0, o1, r0, r1, c->bias, c->act, c->y);
    }
    gk_free(v);
    gk_free(m);
    gk_free(ub);
}

// y = 3x3 correlation of x (plan p) with w; flip: w holds the transposed problem's filter (backward data).
// prepared: the filter already transformed by gk_winograd_prepare (inference plans), else NULL.
static void run_forward(const gk_wino_plan *p, const float *x, const float *w, const float *prepared, int flip,
                        const float *bias, int act, float *y) {
    fwd_ctx c = {.p = *p, .x = x, .w = w, .bias = bias, .y = y, .flip = flip, .act = act};
    c.R = chunk_rows(p, p->cin + p->cout);
    c.nchunk = chunk_count(p);
    if (prepared) {       // transformed once when the plan was built: small images no longer pay it every call
        c.nob = prepared_blocks(p);
        c.uks = gk_wino_kstride(p->cout * p->cin);
        c.uw = (float *)prepared;
    } else if (c.nchunk > 1) {   // the transformed filter is reused by every chunk: transform it once
        c.nob = whole_filter_blocks(p, c.nchunk);
        c.uks = gk_wino_kstride(p->cout * p->cin);
        c.uw = gk_alloc(sizeof(float) * (size_t)(36 * c.uks));
        gk_parallel(gk_parts_for(c.nob, 400.0 * (double)p->cout * (double)p->cin), filter_part, &c);
    } else {              // one chunk: output-channel blocks of ~GK_WINO_UBLOCK_BYTES transformed filter each
        int64_t rows = GK_WINO_UBLOCK_BYTES / (36 * 4 * p->cin);
        rows = rows < 16 ? 16 : rows;
        c.nob = (p->cout + rows - 1) / rows;
        if (c.nob < blocks_for(1, p->cout, 32)) c.nob = blocks_for(1, p->cout, 32);
    }
    const double flops = 72.0 * (double)p->cout * (double)p->cin * (double)(p->rows * p->ntx);
    gk_parallel(gk_parts_for(c.nchunk * c.nob, flops), fwd_part, &c);
    if (!prepared) gk_free(c.uw);
}

int64_t gk_winograd_prepared_floats(const gk_conv_geom *g) { return 36 * gk_wino_kstride(g->cout * g->cin); }

void gk_winograd_prepare(const gk_conv_geom *g, const float *w, float *u) {
    GK_FTZ_SCOPE;
    gk_wino_plan p = gk_wino_make_plan(g->batch, g->cin, g->cout, g->in[1], g->in[2], g->out[1], g->out[2],
                                       g->pad_lo[1], g->pad_lo[2]);
    fwd_ctx c = {.p = p, .w = w, .uw = u, .uks = gk_wino_kstride(g->cout * g->cin), .nob = prepared_blocks(&p)};
    gk_parallel(gk_parts_for(c.nob, 400.0 * (double)g->cout * (double)g->cin), filter_part, &c);
}

void gk_winograd_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                             const float *prepared, float *y) {
    GK_FTZ_SCOPE;
    gk_wino_plan p = gk_wino_make_plan(g->batch, g->cin, g->cout, g->in[1], g->in[2], g->out[1], g->out[2],
                                       g->pad_lo[1], g->pad_lo[2]);
    run_forward(&p, x, w, prepared, 0, bias, act, y);
}

// Stride 1: dx is the correlation of dy with the 180-degree-rotated, transposed filter, padded by 2 - pad_lo.
void gk_winograd_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    GK_FTZ_SCOPE;
    gk_wino_plan p = gk_wino_make_plan(g->batch, g->cout, g->cin, g->out[1], g->out[2], g->in[1], g->in[2],
                                       2 - g->pad_lo[1], 2 - g->pad_lo[2]);
    run_forward(&p, dy, w, NULL, 1, NULL, GK_ACT_NONE, dx);
}
