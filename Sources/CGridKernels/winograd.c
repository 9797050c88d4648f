// Winograd F(4x4, 3x3) drivers. Tiles are taken a chunk of tile rows at a time (chunk size from the geometry
// only), transformed to [36][C][tiles], multiplied by 36 OpenBLAS GEMMs and transformed back. As in conv.c,
// work units have geometry-only shapes and OpenBLAS is pinned to 1 thread, so results are bitwise identical for
// any gk_set_num_threads value.
#include "winograd.h"

#ifndef GK_WINO_CHUNK_BYTES
#define GK_WINO_CHUNK_BYTES ((int64_t)768 << 10)   // transformed input + output of a chunk: about L2
#endif
#ifndef GK_WINO_MIN_TILES
#define GK_WINO_MIN_TILES 64   // GEMM N (forward) / K (filter gradient) below this wastes OpenBLAS's packing
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

typedef struct {
    gk_wino_plan p;
    const float *x, *w, *bias;
    float *y, *uw;
    int64_t uks, R, nchunk, nob;
    int flip, act;
} fwd_ctx;

static void filter_part(void *vc, int part, int nparts) {
    fwd_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->p.cout, part, nparts, &lo, &hi);
    gk_wino_filter(c->w, c->flip ? c->p.cin : c->p.cout, c->flip ? c->p.cout : c->p.cin, c->flip, lo, hi,
                   c->uw + lo * c->p.cin, c->uks);
}

// Units are (chunk, output-channel block), chunk-major so a part reuses the chunk's transformed input.
static void fwd_part(void *vc, int part, int nparts) {
    fwd_ctx *c = vc;
    const gk_wino_plan *p = &c->p;
    const int64_t T = c->R * p->ntx, obmax = (p->cout + c->nob - 1) / c->nob;
    int64_t lo, hi;
    gk_range(c->nchunk * c->nob, part, nparts, &lo, &hi);
    float *v = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(p->cin * T)));
    float *m = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(obmax * T)));
    float *ub = c->uw ? NULL : gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(obmax * p->cin)));
    int64_t have = -1;
    for (int64_t u = lo; u < hi; u++) {
        const int64_t ch = u / c->nob, ob = u % c->nob;
        const int64_t r0 = ch * c->R, r1 = r0 + c->R < p->rows ? r0 + c->R : p->rows, nt = (r1 - r0) * p->ntx;
        const int64_t vks = gk_wino_kstride(p->cin * nt);
        if (ch != have) gk_wino_input(p, c->x, 0, p->cin, r0, r1, v, vks, nt);
        have = ch;
        int64_t o0, o1;
        gk_range(p->cout, (int)ob, (int)c->nob, &o0, &o1);
        const int64_t mks = gk_wino_kstride((o1 - o0) * nt);
        const float *ublk = c->uw + o0 * p->cin;
        int64_t uks = c->uks;
        if (!c->uw) {   // one chunk: transform just this block of the filter, while the GEMMs can read it hot
            uks = gk_wino_kstride((o1 - o0) * p->cin);
            gk_wino_filter(c->w, c->flip ? p->cin : p->cout, c->flip ? p->cout : p->cin, c->flip, o0, o1, ub, uks);
            ublk = ub;
        }
        for (int64_t k = 0; k < 36; k++)
            gk_sgemm(0, 0, o1 - o0, nt, p->cin, 1.0f, ublk + k * uks, p->cin, v + k * vks, nt, 0.0f, m + k * mks,
                     nt);
        gk_wino_output(p, m, mks, nt, o0, o1, r0, r1, c->bias, c->act, c->y);
    }
    gk_free(v);
    gk_free(m);
    gk_free(ub);
}

// y = 3x3 correlation of x (plan p) with w; flip: w holds the transposed problem's filter (backward data).
static void run_forward(const gk_wino_plan *p, const float *x, const float *w, int flip, const float *bias, int act,
                        float *y) {
    fwd_ctx c = {.p = *p, .x = x, .w = w, .bias = bias, .y = y, .flip = flip, .act = act};
    c.R = chunk_rows(p, p->cin + p->cout);
    c.nchunk = (p->rows + c.R - 1) / c.R;
    if (c.nchunk > 1) {   // the transformed filter is reused by every chunk: transform it once
        c.nob = blocks_for(c.nchunk, p->cout, 32);
        c.uks = gk_wino_kstride(p->cout * p->cin);
        c.uw = gk_alloc(sizeof(float) * (size_t)(36 * c.uks));
        gk_parallel(gk_parts_for(p->cout, 400.0 * (double)p->cout * (double)p->cin), filter_part, &c);
    } else {              // one chunk: output-channel blocks of ~GK_WINO_UBLOCK_BYTES transformed filter each
        int64_t rows = GK_WINO_UBLOCK_BYTES / (36 * 4 * p->cin);
        rows = rows < 16 ? 16 : rows;
        c.nob = (p->cout + rows - 1) / rows;
        if (c.nob < blocks_for(1, p->cout, 32)) c.nob = blocks_for(1, p->cout, 32);
    }
    const double flops = 72.0 * (double)p->cout * (double)p->cin * (double)(p->rows * p->ntx);
    gk_parallel(gk_parts_for(c.nchunk * c.nob, flops), fwd_part, &c);
    gk_free(c.uw);
}

void gk_winograd_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                             float *y) {
    GK_FTZ_SCOPE;
    gk_wino_plan p = gk_wino_make_plan(g->batch, g->cin, g->cout, g->in[1], g->in[2], g->out[1], g->out[2],
                                       g->pad_lo[1], g->pad_lo[2]);
    run_forward(&p, x, w, 0, bias, act, y);
}

// Stride 1: dx is the correlation of dy with the 180-degree-rotated, transposed filter, padded by 2 - pad_lo.
void gk_winograd_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    GK_FTZ_SCOPE;
    gk_wino_plan p = gk_wino_make_plan(g->batch, g->cout, g->cin, g->out[1], g->out[2], g->in[1], g->in[2],
                                       2 - g->pad_lo[1], 2 - g->pad_lo[2]);
    run_forward(&p, dy, w, 1, NULL, GK_ACT_NONE, dx);
}
