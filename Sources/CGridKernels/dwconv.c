// Direct kernels for depthwise-style convolutions (one input channel per group, few outputs per group), where
// im2col + a GEMM with M = 1 would spend its time in call overhead and copies. Output rows are walked once and
// every kernel tap is applied to the row while it is in L1. Parallel over planes (forward, backward data) or
// output channels (backward filter), each computed the same way for any thread count.
#include "gk_internal.h"
#include <string.h>

// Output columns [lo, hi) of a row whose tap at input offset ow*sw + off is inside [0, iw).
GK_INLINE void valid_cols(const gk_dims *d, int64_t off, int64_t *lo, int64_t *hi) {
    int64_t l = off >= 0 ? 0 : (-off + d->sw - 1) / d->sw;
    int64_t h = (d->iw - 1 - off) < 0 ? 0 : (d->iw - 1 - off) / d->sw + 1;
    if (h > d->ow) h = d->ow;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

// Calls BODY for every output row (od, oh) and tap (kd, kh, kw) whose input row (z, yy) exists, with
// k (tap index), orow (output row offset), irow (input row offset), off, lo, hi set.
#define FOR_ROW_TAPS(d, BODY)                                                                                     \
    int64_t wlo_[(d)->kw], whi_[(d)->kw]; /* valid columns depend only on kw: no divisions in the row loop */      \
    for (int64_t kw = 0; kw < (d)->kw; kw++) valid_cols(d, kw * (d)->dw - (d)->pw, &wlo_[kw], &whi_[kw]);          \
    for (int64_t od = 0; od < (d)->od; od++)                                                                      \
        for (int64_t oh = 0; oh < (d)->oh; oh++) {                                                                \
            const int64_t orow = (od * (d)->oh + oh) * (d)->ow;                                                   \
            for (int64_t kd = 0; kd < (d)->kd; kd++) {                                                            \
                const int64_t z = od * (d)->sd - (d)->pd + kd * (d)->dd;                                          \
                if (z < 0 || z >= (d)->id) continue;                                                              \
                for (int64_t kh = 0; kh < (d)->kh; kh++) {                                                        \
                    const int64_t yy = oh * (d)->sh - (d)->ph + kh * (d)->dh;                                     \
                    if (yy < 0 || yy >= (d)->ih) continue;                                                        \
                    const int64_t irow = (z * (d)->ih + yy) * (d)->iw;                                            \
                    for (int64_t kw = 0; kw < (d)->kw; kw++) {                                                    \
                        const int64_t k = (kd * (d)->kh + kh) * (d)->kw + kw, off = kw * (d)->dw - (d)->pw;       \
                        const int64_t lo = wlo_[kw], hi = whi_[kw];                                               \
                        BODY                                                                                      \
                    }                                                                                             \
                }                                                                                                 \
            }                                                                                                     \
        }

// y = b + sum over taps of w[k] * shifted x, for one input plane and one output plane.
GK_CLONES static void dw_forward_plane(const gk_dims *d, const float *x, const float *w, float b, float *y) {
    for (int64_t i = 0; i < d->osz; i++) y[i] = b;
    const int64_t sw = d->sw;
    FOR_ROW_TAPS(d, {
        float *restrict yr = y + orow;
        const float *restrict xr = x + irow;
        const float wk = w[k];
        if (sw == 1)
            GK_SHORT_LOOP for (int64_t j = lo; j < hi; j++) yr[j] += wk * xr[j + off];
        else
            for (int64_t j = lo; j < hi; j++) yr[j] += wk * xr[j * sw + off];
    })
}

// dx += transposed taps of one output plane (dx not cleared here).
GK_CLONES static void dw_backward_data_plane(const gk_dims *d, const float *dy, const float *w, float *dx) {
    const int64_t sw = d->sw;
    FOR_ROW_TAPS(d, {
        const float *restrict gr = dy + orow;
        float *restrict xr = dx + irow;
        const float wk = w[k];
        if (sw == 1)
            GK_SHORT_LOOP for (int64_t j = lo; j < hi; j++) xr[j + off] += wk * gr[j];
        else
            for (int64_t j = lo; j < hi; j++) xr[j * sw + off] += wk * gr[j];
    })
}

// acc[k] += sum over positions of dy * shifted x, for one plane pair. Row dot products in 8 float lanes, added
// to double accumulators.
GK_CLONES static void dw_backward_filter_plane(const gk_dims *d, const float *x, const float *dy, double *acc) {
    const int64_t sw = d->sw;
    FOR_ROW_TAPS(d, {
        const float *restrict gr = dy + orow;
        const float *restrict xr = x + irow;
        float lane[8] = {0};
        int64_t j = lo;
        if (sw == 1)
            for (; j + 8 <= hi; j += 8)
                for (int l = 0; l < 8; l++) lane[l] += gr[j + l] * xr[j + l + off];
        for (; j < hi; j++) lane[0] += gr[j] * xr[j * sw + off];
        float s = 0.0f;
        for (int l = 0; l < 8; l++) s += lane[l];
        acc[k] += s;
    })
}

typedef struct {
    const gk_conv_geom *g;
    gk_dims d;
    const float *x, *w, *bias, *dy;
    float *y, *dx, *dw, *db;
} dw_ctx;

static void fwd_part(void *vc, int part, int nparts) {
    const dw_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->g->batch * c->g->cout, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {   // u = n * cout + o
        const int64_t n = u / c->g->cout, o = u % c->g->cout, ci = o / c->d.cout_g;
        dw_forward_plane(&c->d, c->x + (n * c->g->cin + ci) * c->d.isz, c->w + o * c->d.kvol,
                         c->bias ? c->bias[o] : 0.0f, c->y + u * c->d.osz);
    }
}

static void bdata_part(void *vc, int part, int nparts) {
    const dw_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->g->batch * c->g->cin, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {   // u = n * cin + ci; its outputs are ci*cout_g ... + cout_g - 1
        const int64_t n = u / c->g->cin, ci = u % c->g->cin;
        float *dxp = c->dx + u * c->d.isz;
        gk_zero(c->d.isz, dxp);
        for (int64_t j = 0; j < c->d.cout_g; j++) {
            const int64_t o = ci * c->d.cout_g + j;
            dw_backward_data_plane(&c->d, c->dy + (n * c->g->cout + o) * c->d.osz, c->w + o * c->d.kvol, dxp);
        }
    }
}

static void bfilter_part(void *vc, int part, int nparts) {
    const dw_ctx *c = vc;
    int64_t lo, hi;
    gk_range(c->g->cout, part, nparts, &lo, &hi);
    double *acc = gk_alloc(sizeof(double) * (size_t)c->d.kvol);
    for (int64_t o = lo; o < hi; o++) {
        const int64_t ci = o / c->d.cout_g;
        memset(acc, 0, sizeof(double) * (size_t)c->d.kvol);
        for (int64_t n = 0; n < c->g->batch; n++)
            dw_backward_filter_plane(&c->d, c->x + (n * c->g->cin + ci) * c->d.isz,
                                     c->dy + (n * c->g->cout + o) * c->d.osz, acc);
        for (int64_t k = 0; k < c->d.kvol; k++) c->dw[o * c->d.kvol + k] = (float)acc[k];
        if (c->db) {
            double s = 0.0;
            for (int64_t n = 0; n < c->g->batch; n++) s += gk_sum(c->d.osz, c->dy + (n * c->g->cout + o) * c->d.osz);
            c->db[o] = (float)s;
        }
    }
    gk_free(acc);
}

static double work(const gk_conv_geom *g, const gk_dims *d) {
    return 2.0 * (double)g->batch * (double)g->cout * (double)d->osz * (double)d->kvol;
}

int gk_depthwise_applies(const gk_conv_geom *g) {
    const gk_dims d = gk_unpack(g);
    return g->groups > 1 && d.cin_g == 1 && d.cout_g <= 4;
}

void gk_depthwise_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y) {
    dw_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .w = w, .bias = bias, .y = y};
    gk_parallel(gk_parts_for(g->batch * g->cout, work(g, &c.d)), fwd_part, &c);
}

void gk_depthwise_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    dw_ctx c = {.g = g, .d = gk_unpack(g), .dy = dy, .w = w, .dx = dx};
    gk_parallel(gk_parts_for(g->batch * g->cin, work(g, &c.d)), bdata_part, &c);
}

void gk_depthwise_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    dw_ctx c = {.g = g, .d = gk_unpack(g), .x = x, .dy = dy, .dw = dw, .db = dbias};
    gk_parallel(gk_parts_for(g->cout, work(g, &c.d)), bfilter_part, &c);
}
