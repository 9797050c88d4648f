// Row-wise Winograd backward filter, F(9,4) on the forward's points: for each output row and tile of 4 columns, the
// gradients of the 9 taps of a kernel row are the correlation of 12 inputs with the tile's 4 dy values,
// A2^T [(G2 dy) . (B^T x)]. The products are summed in the transformed domain over the whole batch (12 sums per
// output channel, input channel and kernel row) and transformed once at the end: 12 + 3 multiply-adds per 4 output
// points and (channel, kernel row) instead of 36, about 2.5x fewer for SRCNN's 2->64 9x9.
// Items (image, band of rows, chunk of columns) are dealt to at most RWB_GROUPS groups fixed by the geometry; each
// group sums into its own partial and the partials are added in group order in double, so the result is bitwise
// equal on any thread count.
#include "rowwino_impl.h"

#define RWB_CB 2                          // output-channel vectors (8 channels each) per register block
#define RWB_J 6                           // (input channel, kernel row) pairs per register block
#define RWB_KB 3                          // transformed indices per pass of G2 over the transposed dy (12 = 4 x 3)
#define RWB_GROUPS 16
#define RWB_BYTES ((int64_t)256 << 10)    // transposed dy and its transform for one item: L2-sized

typedef struct {
    gk_dims d;
    int64_t N, cin, cout, cop, combos;    // cop: cout rounded up to 8 RWB_CB; combos: cin kh
    rw_columns cols;
    int64_t rb, nrb, vrows, items, groups;
    const float *x, *dy;
    float *partial;                       // [groups][RW_N][combos][cop]
} rwb_ctx;

typedef struct { float *V, *xrow, *phase, *dyt, *D; } rwb_scratch;

// S[j][cop] += sum over (r, t) of D[r][t][co block] * V at (r + ky_j, t) for J pairs: 2 x J accumulators in registers.
GK_INLINE void pair_products(const int J, int64_t rows, int64_t tn, int64_t cop, const float *restrict D,
                             const float *restrict V, const int64_t *voff, int64_t vks, float *restrict S) {
    v8f acc[RWB_CB][RWB_J];
    for (int s = 0; s < RWB_CB; s++)
        for (int j = 0; j < J; j++) acc[s][j] = splat(0.0f);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t t = 0; t < tn; t++) {
            const float *dp = D + (r * tn + t) * cop;
            const v8f d0 = ld(dp), d1 = ld(dp + 8);
            const float *vp = V + r * vks + t;
            for (int j = 0; j < J; j++) {
                const v8f v = splat(vp[voff[j]]);
                acc[0][j] += d0 * v;
                acc[1][j] += d1 * v;
            }
        }
    for (int j = 0; j < J; j++)
        for (int s = 0; s < RWB_CB; s++) st(S + j * cop + 8 * s, ld(S + j * cop + 8 * s) + acc[s][j]);
}

GK_CLONES static void rwb_item(const rwb_ctx *c, int64_t it, float *S, const rwb_scratch *sc) {
    const gk_dims *d = &c->d;
    const int64_t tc = c->cols.tc, ntc = c->cols.ntc, cop = c->cop;
    const int64_t n = it / (c->nrb * ntc), b = it / ntc % c->nrb, ch = it % ntc;
    const int64_t oy0 = b * c->rb, rows = oy0 + c->rb < d->oh ? c->rb : d->oh - oy0;
    const int64_t t0 = ch * tc, tn = t0 + tc < c->cols.tiles ? tc : c->cols.tiles - t0, nvec = cdiv(tn, 8);
    const int64_t ox0 = 4 * t0, vcs = c->vrows * RW_N * tc, vks = RW_N * tc;
    rw_transform_input(d, c->x + n * c->cin * d->ih * d->iw, c->cin, oy0 - d->ph, rows + d->kh - 1, ox0 - d->pw, nvec, tc,
                       vcs, sc->xrow, sc->phase, sc->V);
    // dyt[r][4t + i][cop]: the tile's 4 dy values of every output channel side by side (zero past the row's end and
    // for the padding channels), so G2 and the products run over channel vectors. 8x8 blocks are transposed in
    // registers; the ragged edges go one value at a time.
    float *restrict dyt = sc->dyt, *restrict D = sc->D;
    const int64_t w4 = 4 * tn;
    for (int64_t co0 = 0; co0 < cop; co0 += 8)
        for (int64_t r = 0; r < rows; r++) {
            const float *src = c->dy + ((n * c->cout + co0) * d->oh + oy0 + r) * d->ow + ox0;
            float *dst = dyt + r * w4 * cop + co0;
            for (int64_t xr = 0; xr < w4; xr += 8) {
                if (co0 + 8 <= c->cout && xr + 8 <= w4 && ox0 + xr + 8 <= d->ow) {
                    v8f a[8];
                    for (int q = 0; q < 8; q++) a[q] = ld(src + q * d->osz + xr);
                    transpose8(a);
                    for (int q = 0; q < 8; q++) st(dst + (xr + q) * cop, a[q]);
                    continue;
                }
                for (int64_t q = xr; q < xr + 8 && q < w4; q++)
                    for (int64_t o = 0; o < 8; o++)
                        dst[q * cop + o] = co0 + o < c->cout && ox0 + q < d->ow ? src[o * d->osz + q] : 0.0f;
            }
        }
    const int64_t dsize = rows * tn * cop;
    for (int k = 0; k < RW_N; k++) {
        if (k % RWB_KB == 0) {   // G2 for RWB_KB transformed indices per pass over dyt
            v8f gk[RWB_KB][4];
            for (int kb = 0; kb < RWB_KB; kb++)
                for (int i = 0; i < 4; i++) gk[kb][i] = splat(gk_rw_g2[k + kb][i]);
            for (int64_t p = 0; p < rows * tn; p++)
                for (int64_t v = 0; v < cop; v += 8) {
                    const float *q = dyt + p * 4 * cop + v;
                    const v8f q0 = ld(q), q1 = ld(q + cop), q2 = ld(q + 2 * cop), q3 = ld(q + 3 * cop);
                    for (int kb = 0; kb < RWB_KB; kb++)
                        st(D + kb * dsize + p * cop + v, gk[kb][0] * q0 + gk[kb][1] * q1 + gk[kb][2] * q2 + gk[kb][3] * q3);
                }
        }
        const float *Dk = D + k % RWB_KB * dsize;
        for (int64_t j0 = 0; j0 < c->combos; j0 += RWB_J) {
            const int J = (int)(c->combos - j0 < RWB_J ? c->combos - j0 : RWB_J);
            int64_t voff[RWB_J];
            for (int j = 0; j < J; j++) voff[j] = (j0 + j) / d->kh * vcs + (j0 + j) % d->kh * vks + k * tc;
            for (int64_t cb = 0; cb < cop; cb += 8 * RWB_CB) {
                float *Sk = S + (k * c->combos + j0) * cop + cb;
                switch (J) {
                case 6: pair_products(6, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                case 5: pair_products(5, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                case 4: pair_products(4, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                case 3: pair_products(3, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                case 2: pair_products(2, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                default: pair_products(1, rows, tn, cop, Dk + cb, sc->V, voff, vks, Sk); break;
                }
            }
        }
    }
}

static void rwb_part(void *vc, int part, int nparts) {
    const rwb_ctx *c = vc;
    const int64_t tc = c->cols.tc;
    int64_t lo, hi;
    gk_range(c->groups, part, nparts, &lo, &hi);
    if (lo >= hi) return;
    rwb_scratch sc = {
        .V = gk_alloc(sizeof(float) * (size_t)(c->cin * c->vrows * RW_N * tc)),
        .xrow = gk_alloc(sizeof(float) * (size_t)(4 * tc + 16)),
        .phase = gk_alloc(sizeof(float) * (size_t)(4 * (tc + 8))),
        .dyt = gk_alloc(sizeof(float) * (size_t)(c->rb * tc * 4 * c->cop)),
        .D = gk_alloc(sizeof(float) * (size_t)(RWB_KB * c->rb * tc * c->cop)),
    };
    const int64_t psize = RW_N * c->combos * c->cop;
    for (int64_t g = lo; g < hi; g++) {
        float *S = c->partial + g * psize;
        memset(S, 0, sizeof(float) * (size_t)psize);
        int64_t i0, i1;
        gk_range(c->items, (int)g, (int)c->groups, &i0, &i1);
        for (int64_t it = i0; it < i1; it++) rwb_item(c, it, S, &sc);
    }
    gk_free(sc.D);
    gk_free(sc.dyt);
    gk_free(sc.phase);
    gk_free(sc.xrow);
    gk_free(sc.V);
}

void gk_rowwino_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    GK_FTZ_SCOPE;
    gk_rowwino_init();
    rwb_ctx c = {.d = gk_unpack(g), .N = g->batch, .cin = g->cin, .cout = g->cout, .x = x, .dy = dy};
    const gk_dims *d = &c.d;
    c.cop = cdiv(c.cout, 8 * RWB_CB) * 8 * RWB_CB;
    c.combos = c.cin * d->kh;
    c.cols = rw_split_columns(d->ow);
    int64_t rb = RWB_BYTES / (4 * (4 + RWB_KB) * c.cols.tc * c.cop);   // dyt (4 floats a tile), D (RWB_KB) per row
    rb = rb > d->oh ? d->oh : rb < 1 ? 1 : rb;
    c.nrb = cdiv(d->oh, rb);
    c.rb = cdiv(d->oh, c.nrb);
    c.vrows = c.rb + d->kh - 1;
    c.items = c.N * c.nrb * c.cols.ntc;
    c.groups = c.items < RWB_GROUPS ? c.items : RWB_GROUPS;
    const int64_t psize = RW_N * c.combos * c.cop;
    c.partial = gk_alloc(sizeof(float) * (size_t)(c.groups * psize));
    const double flops = 2.0 * (double)c.N * c.cout * d->oh * d->ow * c.combos * 15 / 4;
    gk_parallel(gk_parts_for(c.groups, flops), rwb_part, &c);
    // dw = A2^T of the batch sums, in double: the partials in group order, then the 12 transformed values.
    for (int64_t co = 0; co < c.cout; co++)
        for (int64_t j = 0; j < c.combos; j++) {
            double s[RW_N];
            for (int k = 0; k < RW_N; k++) {
                s[k] = 0.0;
                for (int64_t grp = 0; grp < c.groups; grp++) s[k] += c.partial[grp * psize + (k * c.combos + j) * c.cop + co];
            }
            for (int kx = 0; kx < RW_R; kx++) {
                double v = 0.0;
                for (int k = 0; k < RW_N; k++) v += gk_rw_a2t[kx][k] * s[k];
                dw[(co * c.combos + j) * RW_R + kx] = (float)v;
            }
        }
    gk_free(c.partial);
    if (dbias)
        for (int64_t co = 0; co < c.cout; co++) {
            double s = 0.0;   // per image partial sums in a fixed order
            for (int64_t n = 0; n < c.N; n++) s += gk_sum(d->osz, dy + (n * c.cout + co) * d->osz);
            dbias[co] = (float)s;
        }
}
