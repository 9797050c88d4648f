// Row-wise Winograd F(4,9): the forward of 2-D convolutions with 9-wide kernels (SRCNN's 9x9 feature extractor).
// Each kernel row is a 1-D 9-tap correlation along x, computed per tile of 4 outputs from 12 inputs as
// A^T [(G g) . (B^T d)]. The transformed products are summed over input channels and kernel rows before the one
// output transform, so a 9x9 layer costs 27 + 12 multiply-adds per output instead of 81; the input transform is
// shared by every output channel. Evaluation points 0, +-1, +-2, +-1/2, +-3/2, +-2/3 and infinity keep the largest
// entries at 34 (B) and 8 (A): the error is about 1e-6 of sum |w||x| (tested against the direct kernel).
// Units are (image, band of output rows, chunk of columns), fixed by the geometry: bitwise equal on any thread count.
#include "rowwino_impl.h"
#include <math.h>
#include <pthread.h>

#define RW_OB 6                              // output channels per register block
#define RW_NV 2                              // tile vectors (8 tiles each) per register block
#define RW_V_BYTES ((int64_t)192 << 10)      // transformed input of one unit: stays in L2 while reused
#define RW_MIN_UNITS 8

float gk_rw_bt[RW_N][RW_N], gk_rw_g[RW_N][RW_R], gk_rw_at[RW_M][RW_N], gk_rw_g2[RW_N][RW_M];
double gk_rw_a2t[RW_R][RW_N];
static pthread_once_t rw_once = PTHREAD_ONCE_INIT;

// Polynomial product by evaluation at the points, transposed into a correlation (Toom-Cook): with E_k the
// evaluation matrix of k coefficients (the infinity row takes the leading one) and V = E_N,
// y = E_M^T [(E_R g) . (V^-T d)], so A^T = E_M^T, G = E_R, B^T = V^-T. Solved once in long double.
static void rw_init(void) {
    static const long double pts[RW_N - 1] = {0, 1, -1, 2, -2, 0.5L, -0.5L, 1.5L, -1.5L, 2.0L / 3, -2.0L / 3};
    long double v[RW_N][RW_N], inv[RW_N][RW_N];
    for (int i = 0; i < RW_N; i++)
        for (int j = 0; j < RW_N; j++) {
            v[i][j] = i < RW_N - 1 ? powl(pts[i], j) : (j == RW_N - 1);
            inv[i][j] = i == j;
        }
    for (int c = 0; c < RW_N; c++) {   // Gauss-Jordan with partial pivoting
        int p = c;
        for (int i = c + 1; i < RW_N; i++)
            if (fabsl(v[i][c]) > fabsl(v[p][c])) p = i;
        for (int j = 0; j < RW_N; j++) {
            long double t = v[c][j]; v[c][j] = v[p][j]; v[p][j] = t;
            t = inv[c][j]; inv[c][j] = inv[p][j]; inv[p][j] = t;
        }
        const long double s = 1 / v[c][c];
        for (int j = 0; j < RW_N; j++) { v[c][j] *= s; inv[c][j] *= s; }
        for (int i = 0; i < RW_N; i++) {
            if (i == c || v[i][c] == 0) continue;
            const long double f = v[i][c];
            for (int j = 0; j < RW_N; j++) { v[i][j] -= f * v[c][j]; inv[i][j] -= f * inv[c][j]; }
        }
    }
    for (int k = 0; k < RW_N; k++) {
        for (int j = 0; j < RW_N; j++) gk_rw_bt[k][j] = (float)inv[j][k];
        for (int j = 0; j < RW_R; j++) gk_rw_g[k][j] = (float)(k < RW_N - 1 ? powl(pts[k], j) : (j == RW_R - 1));
        for (int i = 0; i < RW_M; i++) gk_rw_at[i][k] = (float)(k < RW_N - 1 ? powl(pts[k], i) : (i == RW_M - 1));
        for (int i = 0; i < RW_M; i++) gk_rw_g2[k][i] = (float)(k < RW_N - 1 ? powl(pts[k], i) : (i == RW_M - 1));
        for (int j = 0; j < RW_R; j++) gk_rw_a2t[j][k] = (double)(k < RW_N - 1 ? powl(pts[k], j) : (j == RW_R - 1));
    }
}

void gk_rowwino_init(void) { pthread_once(&rw_once, rw_init); }

typedef struct {
    gk_dims d;
    int64_t N, cin, cout, cop;   // cop: cout rounded up to RW_OB (U is zero beyond cout)
    int64_t tiles, tc, ntc;      // tiles per output row, per column chunk (multiple of 8), chunks per row
    int64_t rb, nrb, vrows;      // output rows per band, bands per plane, input rows per band
    const float *x, *bias, *u;   // u: [k][cin][kh][cop], the transformed filters
    float *y;
    int act;
} rw_ctx;

// m[o][NV*8] = sum over (channel, kernel row) of U * V for transformed index k: OB x NV accumulators in registers.
GK_INLINE void products(const int NV, int64_t cin, int64_t kh, const float *restrict v, int64_t vcs, int64_t vks,
                        const float *restrict u, int64_t cop, float *restrict m) {
    v8f acc[RW_OB][RW_NV];
    for (int o = 0; o < RW_OB; o++)
        for (int s = 0; s < NV; s++) acc[o][s] = splat(0.0f);
    for (int64_t c = 0; c < cin; c++)
        for (int64_t ky = 0; ky < kh; ky++) {
            const float *vv = v + c * vcs + ky * vks, *uu = u + (c * kh + ky) * cop;
            v8f xv[RW_NV];
            for (int s = 0; s < NV; s++) xv[s] = ld(vv + 8 * s);
            for (int o = 0; o < RW_OB; o++) {
                const v8f w = splat(uu[o]);
                for (int s = 0; s < NV; s++) acc[o][s] += w * xv[s];
            }
        }
    for (int o = 0; o < RW_OB; o++)
        for (int s = 0; s < NV; s++) st(m + (o * RW_NV + s) * 8, acc[o][s]);
}

// 32 outputs of 8 tiles from their 12 transformed sums: A^T, the bias, and the 4 phases interleaved back in order.
GK_INLINE void output_tiles(const float *restrict m, int64_t mstride, float bias, float *restrict out) {
    v8f o[RW_M];
    for (int i = 0; i < RW_M; i++) o[i] = splat(bias);
    for (int k = 0; k < RW_N; k++) {
        const v8f mk = ld(m + k * mstride);
        for (int i = 0; i < RW_M; i++) o[i] += splat(gk_rw_at[i][k]) * mk;
    }
    const v8f a = __builtin_shufflevector(o[0], o[1], 0, 8, 1, 9, 2, 10, 3, 11);
    const v8f b = __builtin_shufflevector(o[0], o[1], 4, 12, 5, 13, 6, 14, 7, 15);
    const v8f c = __builtin_shufflevector(o[2], o[3], 0, 8, 1, 9, 2, 10, 3, 11);
    const v8f d = __builtin_shufflevector(o[2], o[3], 4, 12, 5, 13, 6, 14, 7, 15);
    st(out, __builtin_shufflevector(a, c, 0, 1, 8, 9, 2, 3, 10, 11));
    st(out + 8, __builtin_shufflevector(a, c, 4, 5, 12, 13, 6, 7, 14, 15));
    st(out + 16, __builtin_shufflevector(b, d, 0, 1, 8, 9, 2, 3, 10, 11));
    st(out + 24, __builtin_shufflevector(b, d, 4, 5, 12, 13, 6, 7, 14, 15));
}

typedef struct { float *V, *xrow, *phase, *m, *orow; } rw_scratch;

// One unit's place (image n, output rows [oy0, oy0 + rows), columns [ox0, ox0 + width) in nvec vectors of 8 tiles)
// and its transformed input, which both bodies of rw_unit start from.
typedef struct {
    int64_t n, oy0, rows, nvec, ox0, width, vcs, vks;
} rw_span;

GK_INLINE rw_span rw_begin(const rw_ctx *c, int64_t un, const rw_scratch *sc) {
    const gk_dims *d = &c->d;
    const int64_t tc = c->tc, b = un / c->ntc % c->nrb, ch = un % c->ntc;
    rw_span s = {.n = un / (c->nrb * c->ntc), .oy0 = b * c->rb, .vcs = c->vrows * RW_N * tc, .vks = RW_N * tc};
    s.rows = (s.oy0 + c->rb < d->oh ? s.oy0 + c->rb : d->oh) - s.oy0;
    const int64_t t0 = ch * tc, tn = t0 + tc < c->tiles ? tc : c->tiles - t0;
    s.nvec = cdiv(tn, 8);
    s.ox0 = 4 * t0;
    s.width = 4 * tn < d->ow - s.ox0 ? 4 * tn : d->ow - s.ox0;
    rw_transform_input(d, c->x + s.n * c->cin * d->ih * d->iw, c->cin, s.oy0 - d->ph, s.rows + d->kh - 1,
                       s.ox0 - d->pw, s.nvec, tc, s.vcs, sc->xrow, sc->phase, sc->V);
    return s;
}

// Output row r of the unit for channels [o0, o0 + ob) from orow ([o][4 tc]), then the activation.
GK_INLINE void rw_store_row(const rw_ctx *c, const rw_span *s, int64_t r, int64_t o0, int ob, const float *orow) {
    const gk_dims *d = &c->d;
    float *dst = c->y + ((s->n * c->cout + o0) * d->oh + s->oy0 + r) * d->ow + s->ox0;
    for (int o = 0; o < ob; o++) memcpy(dst + o * d->osz, orow + o * 4 * c->tc, sizeof(float) * (size_t)s->width);
    if (c->act) gk_activate_rows(c->act, ob, s->width, d->osz, NULL, dst);
}

// The products of rw_unit_wide: 16 tiles of NR (1 or 2) output rows per register block, so OB x NR accumulators of
// 16 floats; half: only the first 8 tiles exist (the other lanes are zero). Each sum is the same FMA chain in the
// same (channel, kernel row) order as in products(): both give the same bits.
GK_INLINE void products16(const int NR, const int half, int64_t cin, int64_t kh, const float *restrict v, int64_t vcs,
                          int64_t vks, const float *restrict u, int64_t cop, float *restrict m) {
    v16f acc[RW_OB][2];
    for (int o = 0; o < RW_OB; o++)
        for (int r = 0; r < NR; r++) acc[o][r] = splat16(0.0f);
    for (int64_t c = 0; c < cin; c++)
        for (int64_t ky = 0; ky < kh; ky++) {
            const float *vv = v + c * vcs + ky * vks, *uu = u + (c * kh + ky) * cop;
            v16f xv[2];
            for (int r = 0; r < NR; r++)
                xv[r] = half ? __builtin_shufflevector(ld(vv + r * vks), splat(0.0f), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                                       11, 12, 13, 14, 15)
                             : ld16(vv + r * vks);
            for (int o = 0; o < RW_OB; o++) {
                const v16f w = splat16(uu[o]);
                for (int r = 0; r < NR; r++) acc[o][r] += w * xv[r];
            }
        }
    for (int o = 0; o < RW_OB; o++)
        for (int r = 0; r < NR; r++) st16(m + (o * 2 + r) * 16, acc[o][r]);
}

GK_CLONES static void rw_unit(const rw_ctx *c, int64_t un, const rw_scratch *sc) {
    const gk_dims *d = &c->d;
    const int64_t tc = c->tc;
    float *restrict V = sc->V, *restrict m = sc->m, *restrict orow = sc->orow;
    const rw_span sp = rw_begin(c, un, sc);
    const int64_t rows = sp.rows, nvec = sp.nvec, vcs = sp.vcs, vks = sp.vks;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o0 = 0; o0 < c->cout; o0 += RW_OB) {
            const int ob = (int)(c->cout - o0 < RW_OB ? c->cout - o0 : RW_OB);
            for (int64_t tv = 0; tv < nvec; tv += RW_NV) {
                const int nv = (int)(nvec - tv < RW_NV ? nvec - tv : RW_NV);
                for (int k = 0; k < RW_N; k++) {
                    const float *vk = V + r * vks + k * tc + 8 * tv;
                    const float *uk = c->u + (int64_t)k * c->cin * d->kh * c->cop + o0;
                    float *mk = m + k * RW_OB * RW_NV * 8;
                    if (nv == RW_NV) products(RW_NV, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                    else products(1, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                }
                for (int o = 0; o < ob; o++)
                    for (int s = 0; s < nv; s++)
                        output_tiles(m + (o * RW_NV + s) * 8, RW_OB * RW_NV * 8, c->bias ? c->bias[o0 + o] : 0.0f,
                                     orow + o * 4 * tc + 32 * (tv + s));
            }
            rw_store_row(c, &sp, r, o0, ob, orow);
        }
}

#if GK_HAVE_WIDE
// rw_unit for AVX-512: 16 tiles a vector and two output rows at a time (SRCNN's 64-wide rows are 16 tiles, so one
// row alone would leave 6 accumulators, too few to cover the FMA latency). m: [k][o][row][16].
GK_WIDE static void rw_unit_wide(const rw_ctx *c, int64_t un, const rw_scratch *sc) {
    const gk_dims *d = &c->d;
    const int64_t tc = c->tc;
    float *restrict V = sc->V, *restrict m = sc->m, *restrict orow = sc->orow;
    const rw_span sp = rw_begin(c, un, sc);
    const int64_t rows = sp.rows, nvec = sp.nvec, vcs = sp.vcs, vks = sp.vks, ors = RW_OB * 4 * tc;
    for (int64_t r = 0; r < rows; r += 2) {
        const int nr = rows - r >= 2 ? 2 : 1;
        for (int64_t o0 = 0; o0 < c->cout; o0 += RW_OB) {
            const int ob = (int)(c->cout - o0 < RW_OB ? c->cout - o0 : RW_OB);
            for (int64_t tv = 0; tv < nvec; tv += 2) {
                const int half = nvec - tv == 1;
                for (int k = 0; k < RW_N; k++) {
                    const float *vk = V + r * vks + k * tc + 8 * tv;
                    const float *uk = c->u + (int64_t)k * c->cin * d->kh * c->cop + o0;
                    float *mk = m + k * RW_OB * 32;
                    if (nr == 2 && !half) products16(2, 0, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                    else if (nr == 2) products16(2, 1, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                    else if (!half) products16(1, 0, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                    else products16(1, 1, c->cin, d->kh, vk, vcs, vks, uk, c->cop, mk);
                }
                for (int o = 0; o < ob; o++)
                    for (int rr = 0; rr < nr; rr++)
                        for (int h = 0; h < 2 - half; h++)
                            output_tiles(m + (o * 2 + rr) * 16 + 8 * h, RW_OB * 32, c->bias ? c->bias[o0 + o] : 0.0f,
                                         orow + rr * ors + o * 4 * tc + 32 * (tv + h));
            }
            for (int rr = 0; rr < nr; rr++) rw_store_row(c, &sp, r + rr, o0, ob, orow + rr * ors);
        }
    }
}
#endif

static void rw_part(void *vc, int part, int nparts) {
    const rw_ctx *c = vc;
    const int64_t tc = c->tc;
    int64_t lo, hi;
    gk_range(c->N * c->nrb * c->ntc, part, nparts, &lo, &hi);
    if (lo >= hi) return;
    rw_scratch sc = {
        .V = gk_alloc(sizeof(float) * (size_t)(c->cin * c->vrows * RW_N * tc)),
        .xrow = gk_alloc(sizeof(float) * (size_t)(4 * tc + 16)),
        .phase = gk_alloc(sizeof(float) * (size_t)(4 * (tc + 8))),
        .m = gk_alloc(sizeof(float) * (size_t)(RW_N * RW_OB * 32)),   // the wide layout is the larger
        .orow = gk_alloc(sizeof(float) * (size_t)(2 * RW_OB * 4 * tc)),
    };
#if GK_HAVE_WIDE
    if (gk_wide())
        for (int64_t un = lo; un < hi; un++) rw_unit_wide(c, un, &sc);
    else
#endif
        for (int64_t un = lo; un < hi; un++) rw_unit(c, un, &sc);
    gk_free(sc.orow);
    gk_free(sc.m);
    gk_free(sc.phase);
    gk_free(sc.xrow);
    gk_free(sc.V);
}

int gk_rowwino_applies(const gk_conv_geom *g) {
    if (g->groups != 1 || g->batch <= 0 || g->cin < 1 || g->cin > 16 || g->cout < 16) return 0;
    for (int i = 0; i < 3; i++)
        if (g->stride[i] != 1 || g->dilation[i] != 1 || g->in[i] < 1 || g->out[i] < 1) return 0;
    // 2-D (depth 1), 9 taps along x, and rows long enough to fill a vector of tiles.
    // Per output the direct kernel does 9 cin kh multiply-adds, this one 3 cin kh + 12 (measured: 2.2x faster for
    // SRCNN's 2->64 9x9, slower for one 9-tap row of 3 channels): worth it from cin kh >= 6.
    return g->kernel[0] == 1 && g->in[0] == 1 && g->kernel[2] == RW_R && g->kernel[1] >= 1 && g->kernel[1] <= 16 &&
           g->cin * g->kernel[1] >= 6 && g->out[2] >= 16;
}

void gk_rowwino_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                            float *y) {
    gk_rowwino_init();
    rw_ctx c = {.d = gk_unpack(g), .N = g->batch, .cin = g->cin, .cout = g->cout, .x = x, .bias = bias, .y = y,
                .act = act};
    const gk_dims *d = &c.d;
    c.cop = cdiv(c.cout, RW_OB) * RW_OB;
    const rw_columns cols = rw_split_columns(d->ow);
    c.tiles = cols.tiles;
    c.tc = cols.tc;
    c.ntc = cols.ntc;
    int64_t rb = RW_V_BYTES / (4 * c.cin * RW_N * c.tc) - (d->kh - 1);
    rb = rb > d->oh ? d->oh : rb < 1 ? 1 : rb;
    int64_t nrb = cdiv(d->oh, rb);
    if (c.N * c.ntc * nrb < RW_MIN_UNITS) nrb = cdiv(RW_MIN_UNITS, c.N * c.ntc);
    if (nrb > d->oh) nrb = d->oh;
    c.rb = cdiv(d->oh, nrb);
    c.nrb = cdiv(d->oh, c.rb);
    c.vrows = c.rb + d->kh - 1;
    // U[k][ci][ky][co] = G w[co][ci][ky][:], zero for the padding channels.
    float *u = gk_alloc(sizeof(float) * (size_t)(RW_N * c.cin * d->kh * c.cop));
    for (int k = 0; k < RW_N; k++)
        for (int64_t ci = 0; ci < c.cin; ci++)
            for (int64_t ky = 0; ky < d->kh; ky++)
                for (int64_t co = 0; co < c.cop; co++) {
                    float s = 0.0f;
                    if (co < c.cout)
                        for (int j = 0; j < RW_R; j++) s += gk_rw_g[k][j] * w[((co * c.cin + ci) * d->kh + ky) * RW_R + j];
                    u[((k * c.cin + ci) * d->kh + ky) * c.cop + co] = s;
                }
    c.u = u;
    const double flops = 2.0 * (double)c.N * c.cout * d->oh * d->ow * c.cin * d->kh * 39 / 9;
    gk_parallel(gk_parts_for(c.N * c.nrb * c.ntc, flops), rw_part, &c);
    gk_free(u);
}
