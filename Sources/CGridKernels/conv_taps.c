// 1-D stride-1 convolutions (WaveNet's dilated causal layers, TDNNs, audio) without im2col: tap j reads the input
// shifted by j*dilation - pad, so over the positions where every tap's shift stays inside the input, the shifted input
// rows themselves are the operand of one small-K GEMM with K = taps x channels (its B is read in place in blocks of
// rows, one per tap), and at the edges (the padding) one GEMM per tap over its valid range. No im2col / col2im copies
// (as large as the GEMM's operand). Units depend only on the geometry, so results are bitwise the same for any
// thread count.
#include "conv_taps.h"
#include "gemm_abt.h"
#include "smallgemm.h"

#define TAPS_TILE 2048   // output positions per unit: cout x 2048 outputs + cin x 2048 inputs stay in L2

int gk_taps_applies(const gk_conv_geom *g, int which) {
    const gk_dims d = gk_unpack(g);
    const int shape = g->groups == 1 && d.id == 1 && d.ih == 1 && d.kd == 1 && d.kh == 1 && d.kw >= 2 && d.sw == 1 &&
                      d.od == 1 && d.oh == 1 && g->cin >= 8 && g->cout >= 8 && d.ow >= 64;
    // The forward only where the one-GEMM interior runs (per-tap OpenBLAS GEMMs lose to im2col + small GEMM there).
    const int64_t n = d.ow < TAPS_TILE ? d.ow : TAPS_TILE;
    return shape && (which != 0 || gk_small_gemm_applies_everywhere(g->cout, n, d.kw * g->cin));
}

typedef struct {
    const gk_conv_geom *g;
    gk_dims d;
    const float *x, *dy, *bias, *wt;   // wt: weights as [k][cout][cin]
    const float *apk;   // rows x (taps * k) stacked tap weights packed for the small GEMM, or NULL
    float *y, *dx, *dwt;
    int64_t tiles, units, oblocks;
} taps_ctx;

// [lo, hi) of positions t in [t0, t1) with 0 <= t + shift < limit.
static void clip(int64_t t0, int64_t t1, int64_t shift, int64_t limit, int64_t *lo, int64_t *hi) {
    int64_t a = -shift > t0 ? -shift : t0, b = limit - shift < t1 ? limit - shift : t1;
    *lo = a;
    *hi = b > a ? b : a;
}

// Offset of tap j's input from the output position (forward), or of dy from dx (backward).
static int64_t tap_shift(const gk_dims *d, int64_t j, int backward) {
    return backward ? d->pw - j * d->dw : j * d->dw - d->pw;
}

// Positions [t0, t1) of one image, one GEMM per tap over its valid range, after a bias (or zero) fill.
static void per_tap(const taps_ctx *c, int backward, const float *sn, float *dn, int64_t t0, int64_t t1) {
    const gk_dims *d = &c->d;
    const int64_t rows = backward ? c->g->cin : c->g->cout, k = backward ? c->g->cout : c->g->cin;
    const int64_t out_len = backward ? d->iw : d->ow, in_len = backward ? d->ow : d->iw;
    gk_fill_add_bias_rows(rows, t1 - t0, out_len, backward ? NULL : c->bias, NULL, dn + t0);
    for (int64_t j = 0; j < d->kw; j++) {
        const int64_t shift = tap_shift(d, j, backward);
        int64_t a, b;
        clip(t0, t1, shift, in_len, &a, &b);
        if (b > a)
            gk_sgemm(backward, 0, rows, b - a, k, 1.0f, c->wt + j * c->g->cout * c->g->cin, c->g->cin,
                     sn + a + shift, in_len, 1.0f, dn + a, out_len);
    }
}

// Forward: y[:, t] = b + sum_j W_j x[:, t + shift_j] over output positions t. Backward data is the same walk with the
// roles swapped: dx[:, s] = sum_j W_j^T dy[:, s - shift_j] over input positions s. Units: (image, position tile).
static void taps_part(taps_ctx *c, int part, int nparts, int backward) {
    const gk_dims *d = &c->d;
    const int64_t rows = backward ? c->g->cin : c->g->cout, k = backward ? c->g->cout : c->g->cin;
    const int64_t out_len = backward ? d->iw : d->ow, in_len = backward ? d->ow : d->iw;
    const float *src = backward ? c->dy : c->x;
    float *dst = backward ? c->dx : c->y;
    int64_t lo, hi;
    gk_range(c->units, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / c->tiles, t0 = (u % c->tiles) * TAPS_TILE;
        const int64_t t1 = t0 + TAPS_TILE < out_len ? t0 + TAPS_TILE : out_len;
        const float *sn = src + n * k * in_len;
        float *dn = dst + n * rows * out_len;
        int64_t a = t0, b = t1;   // interior: every tap inside the input
        for (int64_t j = 0; j < d->kw; j++) clip(a, b, tap_shift(d, j, backward), in_len, &a, &b);
        if (!c->apk || !gk_small_gemm_applies(rows, b - a, d->kw * k)) {
            per_tap(c, backward, sn, dn, t0, t1);
            continue;
        }
        const int64_t s0 = tap_shift(d, 0, backward);
        gk_small_gemm_split(GK_SG_PACKED, rows, b - a, d->kw * k, c->apk, 0, sn + a + s0, k,
                            tap_shift(d, 1, backward) - s0, in_len, backward ? NULL : c->bias, NULL, 0, dn + a, out_len);
        if (a > t0) per_tap(c, backward, sn, dn, t0, a);
        if (t1 > b) per_tap(c, backward, sn, dn, b, t1);
    }
}

static void forward_part(void *vc, int part, int nparts) { taps_part(vc, part, nparts, 0); }
static void backward_data_part(void *vc, int part, int nparts) { taps_part(vc, part, nparts, 1); }

// dW_j[o block] = sum over images of dy[o block, valid t] x[:, t + shift_j]^T; units are (tap, output-channel block).
static void backward_filter_part(void *vc, int part, int nparts) {
    taps_ctx *c = vc;
    const gk_dims *d = &c->d;
    const int64_t ci = c->g->cin, co = c->g->cout;
    int64_t lo, hi;
    gk_range(c->units, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t j = u / c->oblocks, ob = u % c->oblocks;
        int64_t o0, o1;
        gk_range(co, (int)ob, (int)c->oblocks, &o0, &o1);
        float *dwj = c->dwt + (j * co + o0) * ci;
        gk_zero((o1 - o0) * ci, dwj);
        const int64_t shift = j * d->dw - d->pw;
        int64_t a, b;
        clip(0, d->ow, shift, d->iw, &a, &b);
        if (b <= a) continue;
        for (int64_t n = 0; n < c->g->batch; n++) {
            const float *dyn = c->dy + (n * co + o0) * d->ow + a, *xn = c->x + n * ci * d->iw + a + shift;
            if (gk_gemm_abt_applies(o1 - o0, ci, b - a))
                gk_gemm_abt(o1 - o0, ci, b - a, dyn, d->ow, xn, d->iw, 1, dwj, ci);
            else
                gk_sgemm(0, 1, o1 - o0, ci, b - a, 1.0f, dyn, d->ow, xn, d->iw, 1.0f, dwj, ci);
        }
    }
}

// [cout][cin][k] <-> [k][cout][cin]
static float *taps_weights(const gk_conv_geom *g, const float *w) {
    const int64_t k = g->kernel[2], n = g->cout * g->cin;
    float *wt = gk_alloc(sizeof(float) * (size_t)(n * k));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < k; j++) wt[j * n + i] = w[i * k + j];
    return wt;
}

static void start(taps_ctx *c, int64_t positions) {
    c->tiles = (positions + TAPS_TILE - 1) / TAPS_TILE;
    c->units = c->g->batch * c->tiles;
}

// The taps side by side, A[r][j*k + i] = W_j[r][i] (forward: r = out, i = in; backward: W_j^T), packed; NULL where
// the small GEMM would not run on a full tile.
static float *stacked_taps(const gk_conv_geom *g, const float *w, int backward) {
    const int64_t kw = g->kernel[2], rows = backward ? g->cin : g->cout, k = backward ? g->cout : g->cin;
    const int64_t len = backward ? g->in[2] : g->out[2], n = len < TAPS_TILE ? len : TAPS_TILE;
    if (!gk_small_gemm_applies(rows, n, kw * k)) return NULL;
    float *a = gk_alloc(sizeof(float) * (size_t)(rows * kw * k)), *apk = gk_alloc(sizeof(float) * (size_t)(rows * kw * k));
    for (int64_t o = 0; o < g->cout; o++)
        for (int64_t i = 0; i < g->cin; i++)
            for (int64_t j = 0; j < kw; j++) {
                const float v = w[(o * g->cin + i) * kw + j];
                if (backward) a[i * kw * k + j * k + o] = v;
                else a[o * kw * k + j * k + i] = v;
            }
    gk_small_gemm_pack(0, rows, kw * k, a, kw * k, apk);
    gk_free(a);
    return apk;
}

static void run_taps(taps_ctx *c, const float *w, int backward) {
    c->wt = taps_weights(c->g, w);
    c->apk = stacked_taps(c->g, w, backward);
    start(c, backward ? c->d.iw : c->d.ow);
    const double flops = 2.0 * (double)c->g->batch * c->g->cout * c->g->cin * c->d.kw * c->d.ow;
    gk_parallel(gk_parts_for(c->units, flops), backward ? backward_data_part : forward_part, c);
    gk_free((void *)c->wt);
    gk_free((void *)c->apk);
}

void gk_taps_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y) {
    taps_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .bias = bias, .y = y};
    run_taps(&c, w, 0);
}

void gk_taps_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    taps_ctx c = {.g = g, .d = gk_unpack(g), .dy = dy, .dx = dx};
    run_taps(&c, w, 1);
}

void gk_taps_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    const int64_t k = g->kernel[2], n = g->cout * g->cin;
    taps_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .dy = dy, .dwt = gk_alloc(sizeof(float) * (size_t)(n * k))};
    c.oblocks = g->cout >= 32 ? g->cout / 16 : 1;   // blocks of >= 16 rows; fixed by the shape
    if (c.oblocks > 8) c.oblocks = 8;
    c.units = k * c.oblocks;
    const double flops = 2.0 * (double)g->batch * g->cout * g->cin * k * c.d.ow;
    gk_parallel(gk_parts_for(c.units, flops), backward_filter_part, &c);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < k; j++) dw[i * k + j] = c.dwt[j * n + i];
    gk_free(c.dwt);
    if (dbias)
        for (int64_t o = 0; o < g->cout; o++) {
            double s = 0.0;   // per image partial sums in a fixed order
            for (int64_t b = 0; b < g->batch; b++) s += gk_sum(c.d.ow, dy + (b * g->cout + o) * c.d.ow);
            dbias[o] = (float)s;
        }
}
