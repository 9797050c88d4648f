// Naive direct convolutions: the ground truth the fast kernels are tested against. Double accumulation so the
// reference is more accurate than what it checks.
#include "gk_internal.h"
#include <stdlib.h>
#include <string.h>

// Input offset of tap (kd, kh, kw) for output (od, oh, ow), or -1 when it falls in the padding.
static int64_t tap(const gk_dims *d, int64_t od, int64_t oh, int64_t ow, int64_t kd, int64_t kh, int64_t kw) {
    int64_t z = od * d->sd - d->pd + kd * d->dd;
    int64_t y = oh * d->sh - d->ph + kh * d->dh;
    int64_t x = ow * d->sw - d->pw + kw * d->dw;
    if (z < 0 || z >= d->id || y < 0 || y >= d->ih || x < 0 || x >= d->iw) return -1;
    return (z * d->ih + y) * d->iw + x;
}

// Calls body(p, t, k) for every output position p, kernel tap k and valid input offset t.
#define FOR_TAPS(d, BODY)                                                                                   \
    for (int64_t od = 0; od < (d).od; od++)                                                                 \
        for (int64_t oh = 0; oh < (d).oh; oh++)                                                             \
            for (int64_t ow = 0; ow < (d).ow; ow++) {                                                       \
                int64_t p = (od * (d).oh + oh) * (d).ow + ow;                                               \
                for (int64_t kd = 0; kd < (d).kd; kd++)                                                     \
                    for (int64_t kh = 0; kh < (d).kh; kh++)                                                 \
                        for (int64_t kw = 0; kw < (d).kw; kw++) {                                           \
                            int64_t k = (kd * (d).kh + kh) * (d).kw + kw;                                   \
                            int64_t t = tap(&(d), od, oh, ow, kd, kh, kw);                                  \
                            if (t >= 0) { BODY; }                                                           \
                        }                                                                                   \
            }

void gk_conv_forward_ref(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y) {
    GK_FTZ_SCOPE;   // same denormal handling as the fast kernels
    gk_dims d = gk_unpack(g);
    double *acc = malloc(sizeof(double) * (size_t)(d.osz > 0 ? d.osz : 1));
    for (int64_t n = 0; n < g->batch; n++)
        for (int64_t o = 0; o < g->cout; o++) {
            int64_t grp = o / d.cout_g;
            for (int64_t p = 0; p < d.osz; p++) acc[p] = bias ? bias[o] : 0.0;
            for (int64_t c = 0; c < d.cin_g; c++) {
                const float *xc = x + (n * g->cin + grp * d.cin_g + c) * d.isz;
                const float *wc = w + (o * d.cin_g + c) * d.kvol;
                FOR_TAPS(d, acc[p] += (double)wc[k] * xc[t])
            }
            float *yo = y + (n * g->cout + o) * d.osz;
            for (int64_t p = 0; p < d.osz; p++) yo[p] = (float)acc[p];
        }
    free(acc);
}

void gk_conv_backward_data_ref(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    GK_FTZ_SCOPE;   // same denormal handling as the fast kernels
    gk_dims d = gk_unpack(g);
    double *acc = malloc(sizeof(double) * (size_t)(d.isz > 0 ? d.isz : 1));
    for (int64_t n = 0; n < g->batch; n++)
        for (int64_t ci = 0; ci < g->cin; ci++) {
            int64_t grp = ci / d.cin_g, c = ci % d.cin_g;
            memset(acc, 0, sizeof(double) * (size_t)d.isz);
            for (int64_t oo = 0; oo < d.cout_g; oo++) {
                int64_t o = grp * d.cout_g + oo;
                const float *dyo = dy + (n * g->cout + o) * d.osz;
                const float *wc = w + (o * d.cin_g + c) * d.kvol;
                FOR_TAPS(d, acc[t] += (double)wc[k] * dyo[p])
            }
            float *dxc = dx + (n * g->cin + ci) * d.isz;
            for (int64_t i = 0; i < d.isz; i++) dxc[i] = (float)acc[i];
        }
    free(acc);
}

void gk_conv_backward_filter_ref(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    GK_FTZ_SCOPE;   // same denormal handling as the fast kernels
    gk_dims d = gk_unpack(g);
    double *acc = malloc(sizeof(double) * (size_t)(d.kvol > 0 ? d.kvol : 1));
    for (int64_t o = 0; o < g->cout; o++) {
        int64_t grp = o / d.cout_g;
        for (int64_t c = 0; c < d.cin_g; c++) {
            memset(acc, 0, sizeof(double) * (size_t)d.kvol);
            for (int64_t n = 0; n < g->batch; n++) {
                const float *xc = x + (n * g->cin + grp * d.cin_g + c) * d.isz;
                const float *dyo = dy + (n * g->cout + o) * d.osz;
                FOR_TAPS(d, acc[k] += (double)dyo[p] * xc[t])
            }
            for (int64_t k = 0; k < d.kvol; k++) dw[(o * d.cin_g + c) * d.kvol + k] = (float)acc[k];
        }
        if (dbias) {
            double s = 0;
            for (int64_t n = 0; n < g->batch; n++)
                for (int64_t p = 0; p < d.osz; p++) s += dy[(n * g->cout + o) * d.osz + p];
            dbias[o] = (float)s;
        }
    }
    free(acc);
}
