// Winograd F(4x4, 3x3) filter gradient: dW = G^T [ sum over tiles (B^T d B) (.) (A dY A^T) ] G.
// The sum over tiles is 36 GEMMs per chunk of tile rows, accumulated in the transformed domain (dU, [36][Cout][Cin]).
// The GEMMs are dot products of transformed rows (gk_gemm_abt where it beats OpenBLAS: on AVX-512 from 64 tiles up).
// Chunks run in order; in each, the transforms and then the GEMMs are split over disjoint outputs (channel
// blocks, then the 36 dU planes), so every dU element gets the same sums in the same order for any thread count.
#include "winograd.h"
#include "gemm_abt.h"

#ifndef GK_WINO_BWF_CHUNK_BYTES
#define GK_WINO_BWF_CHUNK_BYTES ((int64_t)1 << 20)
#endif
#ifndef GK_WINO_BWF_MIN_TILES
#define GK_WINO_BWF_MIN_TILES 128   // GEMM K: short sums make OpenBLAS reload C too often
#endif
#define GK_WINO_TX_CHANNELS 16      // channels per transform unit
#define GK_WINO_DU_BLOCK_BYTES ((int64_t)1 << 20)   // one-chunk case: transformed-gradient rows per unit

typedef struct {
    gk_wino_plan p;
    const float *x, *dy;
    float *v, *wt, *du, *dw;
    int64_t dks, R, nchunk, ch, r0, r1, nt, vks, wks, nob;
} bwf_ctx;

// Phase 1 of a chunk: units are blocks of GK_WINO_TX_CHANNELS input channels, then of output channels.
static void transform_part(void *vc, int part, int nparts) {
    bwf_ctx *c = vc;
    const gk_wino_plan *p = &c->p;
    const int64_t nvi = (p->cin + GK_WINO_TX_CHANNELS - 1) / GK_WINO_TX_CHANNELS;
    const int64_t nwo = (p->cout + GK_WINO_TX_CHANNELS - 1) / GK_WINO_TX_CHANNELS;
    int64_t lo, hi;
    gk_range(nvi + nwo, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t b = u < nvi ? u : u - nvi, n = u < nvi ? p->cin : p->cout;
        const int64_t a0 = b * GK_WINO_TX_CHANNELS, a1 = a0 + GK_WINO_TX_CHANNELS < n ? a0 + GK_WINO_TX_CHANNELS : n;
        if (u < nvi)
            gk_wino_input(p, c->x, a0, a1, c->r0, c->r1, c->v + a0 * c->nt, c->vks, c->nt);
        else
            gk_wino_grad_output(p, c->dy, a0, a1, c->r0, c->r1, c->wt + a0 * c->nt, c->wks, c->nt);
    }
}

// Phase 2 of a chunk (several chunks): unit k owns dU[k] and adds this chunk's tiles to it.
static void gemm_part(void *vc, int part, int nparts) {
    bwf_ctx *c = vc;
    const gk_wino_plan *p = &c->p;
    int64_t lo, hi;
    gk_range(36, part, nparts, &lo, &hi);
    for (int64_t k = lo; k < hi; k++)
        if (gk_gemm_abt_applies(p->cout, p->cin, c->nt))
            gk_gemm_abt(p->cout, p->cin, c->nt, c->wt + k * c->wks, c->nt, c->v + k * c->vks, c->nt, c->ch > 0,
                        c->du + k * c->dks, p->cin);
        else
            gk_sgemm(0, 1, p->cout, p->cin, c->nt, 1.0f, c->wt + k * c->wks, c->nt, c->v + k * c->vks, c->nt,
                     c->ch == 0 ? 0.0f : 1.0f, c->du + k * c->dks, p->cin);
}

// One chunk: units are output-channel blocks; each forms its rows of dU in a small buffer and finishes them.
static void block_part(void *vc, int part, int nparts) {
    bwf_ctx *c = vc;
    const gk_wino_plan *p = &c->p;
    const int64_t obmax = (p->cout + c->nob - 1) / c->nob, ks = gk_wino_kstride(obmax * p->cin);
    float *du = gk_alloc(sizeof(float) * (size_t)(36 * ks));
    int64_t lo, hi;
    gk_range(c->nob, part, nparts, &lo, &hi);
    for (int64_t ob = lo; ob < hi; ob++) {
        int64_t o0, o1;
        gk_range(p->cout, (int)ob, (int)c->nob, &o0, &o1);
        for (int64_t k = 0; k < 36; k++)
            if (gk_gemm_abt_applies(o1 - o0, p->cin, c->nt))
                gk_gemm_abt(o1 - o0, p->cin, c->nt, c->wt + k * c->wks + o0 * c->nt, c->nt, c->v + k * c->vks, c->nt,
                            0, du + k * ks, p->cin);
            else
                gk_sgemm(0, 1, o1 - o0, p->cin, c->nt, 1.0f, c->wt + k * c->wks + o0 * c->nt, c->nt,
                         c->v + k * c->vks, c->nt, 0.0f, du + k * ks, p->cin);
        gk_wino_filter_grad(du, 1, 0, ks, p->cout, p->cin, o0, o1, c->dw);
    }
    gk_free(du);
}

static void grad_part(void *vc, int part, int nparts) {
    bwf_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->p.cout, part, nparts, &lo, &hi);
    gk_wino_filter_grad(c->du + lo * c->p.cin, 1, 0, c->dks, c->p.cout, c->p.cin, lo, hi, c->dw);
}

static void dbias_part(void *vc, int part, int nparts) {
    bwf_ctx *c = vc;
    const int64_t osz = c->p.oh * c->p.ow;
    int64_t lo, hi;
    gk_range(c->p.cout, part, nparts, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        double s = 0.0;   // per image partial sums in a fixed order (as conv.c)
        for (int64_t n = 0; n < c->p.batch; n++) s += gk_sum(osz, c->dy + (n * c->p.cout + o) * osz);
        c->dw[o] = (float)s;
    }
}

void gk_winograd_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    GK_FTZ_SCOPE;
    bwf_ctx c = {.p = gk_wino_make_plan(g->batch, g->cin, g->cout, g->in[1], g->in[2], g->out[1], g->out[2],
                                        g->pad_lo[1], g->pad_lo[2]),
                 .x = x, .dy = dy, .dw = dw};
    const gk_wino_plan *p = &c.p;
    int64_t tiles = GK_WINO_BWF_CHUNK_BYTES / (36 * 4 * (p->cin + p->cout));
    if (tiles < GK_WINO_BWF_MIN_TILES) tiles = GK_WINO_BWF_MIN_TILES;
    c.R = tiles / p->ntx < 1 ? 1 : tiles / p->ntx;
    if (c.R > p->rows) c.R = p->rows;
    c.nchunk = (p->rows + c.R - 1) / c.R;
    const int64_t T = c.R * p->ntx;
    c.v = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(p->cin * T)));
    c.wt = gk_alloc(sizeof(float) * (size_t)(36 * gk_wino_kstride(p->cout * T)));
    const double txwork = 200.0 * (double)(p->cin + p->cout) * (double)T;
    const int64_t txunits = (p->cin + GK_WINO_TX_CHANNELS - 1) / GK_WINO_TX_CHANNELS +
                            (p->cout + GK_WINO_TX_CHANNELS - 1) / GK_WINO_TX_CHANNELS;
    if (c.nchunk > 1) c.dks = gk_wino_kstride(p->cout * p->cin), c.du = gk_alloc(sizeof(float) * (size_t)(36 * c.dks));
    // Chunks in order; within one, transforms then GEMMs, each split over disjoint outputs: no thread-count effect.
    for (c.ch = 0; c.ch < c.nchunk; c.ch++) {
        c.r0 = c.ch * c.R;
        c.r1 = c.r0 + c.R < p->rows ? c.r0 + c.R : p->rows;
        c.nt = (c.r1 - c.r0) * p->ntx;
        c.vks = gk_wino_kstride(p->cin * c.nt);
        c.wks = gk_wino_kstride(p->cout * c.nt);
        gk_parallel(gk_parts_for(txunits, txwork), transform_part, &c);
        const double flops = 72.0 * (double)p->cout * (double)p->cin * (double)c.nt;
        if (c.nchunk > 1) {
            gk_parallel(gk_parts_for(36, flops), gemm_part, &c);
        } else {
            int64_t rows = GK_WINO_DU_BLOCK_BYTES / (36 * 4 * p->cin);
            rows = rows < 16 ? 16 : rows;
            c.nob = (p->cout + rows - 1) / rows;
            gk_parallel(gk_parts_for(c.nob, flops), block_part, &c);
        }
    }
    if (c.nchunk > 1)
        gk_parallel(gk_parts_for(p->cout, 400.0 * (double)p->cout * (double)p->cin), grad_part, &c);
    gk_free(c.du);
    gk_free(c.v);
    gk_free(c.wt);
    if (dbias) {
        c.dw = dbias;
        const double work = (double)g->batch * (double)g->cout * (double)(p->oh * p->ow);
        gk_parallel(gk_parts_for(g->cout, work), dbias_part, &c);
    }
}
