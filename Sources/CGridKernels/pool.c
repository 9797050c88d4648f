// Max and average pooling over [N*C, D, H, W] planes, parallel over planes (each plane is independent, so results
// do not depend on the thread count). Windows use the conv geometry: kernel, stride, dilation, pad_lo.
#include "gk_internal.h"
#include <math.h>
#include <string.h>

typedef struct {
    const gk_conv_geom *g;
    gk_dims d;
    const float *x;
    float *y;
    const int64_t *idx_in;
    int64_t *idx_out;
    int include_pad;
} pool_args;

// Valid tap range [lo, hi) along one axis for output o: input i = o*s - p + k*dil must lie in [0, n).
GK_INLINE void taps(int64_t o, int64_t s, int64_t p, int64_t dil, int64_t k, int64_t n, int64_t *lo, int64_t *hi) {
    const int64_t base = o * s - p;
    int64_t l = base >= 0 ? 0 : (-base + dil - 1) / dil;
    int64_t h = n - 1 - base < 0 ? 0 : (n - 1 - base) / dil + 1;
    if (h > k) h = k;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

// Output columns [a, b) whose whole window lies inside the input row along W (no clipping needed there).
GK_INLINE void interior_w(const gk_dims *d, int64_t *a, int64_t *b) {
    const int64_t last = d->iw - 1 - (d->kw - 1) * d->dw + d->pw;   // need ow*sw <= last and ow*sw >= pw
    int64_t lo = (d->pw + d->sw - 1) / d->sw, hi = last < 0 ? 0 : last / d->sw + 1;
    if (hi > d->ow) hi = d->ow;
    if (lo > hi) lo = hi;
    *a = lo;
    *b = hi;
}

// Walks the output rows of one plane. Per row: outputs whose window is clipped go through GENERIC (one output
// at a time, with its valid tap box zl..zh, yl..yh, xl..xh); the unclipped middle [a, b) of a row whose D and H
// taps are all valid goes through INTERIOR, which runs tap by tap across the row so the compiler can vectorise
// it. Both visit a window's taps in the same (kd, kh, kw) order.
#define FOR_ROWS(d, GENERIC, INTERIOR)                                                                         \
    int64_t a_, b_;                                                                                            \
    interior_w(d, &a_, &b_);                                                                                   \
    for (int64_t od = 0; od < (d)->od; od++) {                                                                 \
        int64_t zl, zh;                                                                                        \
        taps(od, (d)->sd, (d)->pd, (d)->dd, (d)->kd, (d)->id, &zl, &zh);                                       \
        for (int64_t oh = 0; oh < (d)->oh; oh++) {                                                             \
            int64_t yl, yh;                                                                                    \
            taps(oh, (d)->sh, (d)->ph, (d)->dh, (d)->kh, (d)->ih, &yl, &yh);                                   \
            const int64_t row = (od * (d)->oh + oh) * (d)->ow, z0 = od * (d)->sd - (d)->pd,                    \
                          y0 = oh * (d)->sh - (d)->ph;                                                         \
            const int full = zh - zl == (d)->kd && yh - yl == (d)->kh;                                         \
            const int64_t a = full ? a_ : (d)->ow, b = full ? b_ : (d)->ow;                                    \
            for (int64_t ow = 0; ow < (d)->ow; ow++) {                                                         \
                if (ow == a) ow = b;                                                                           \
                if (ow >= (d)->ow) break;                                                                      \
                int64_t xl, xh;                                                                                \
                taps(ow, (d)->sw, (d)->pw, (d)->dw, (d)->kw, (d)->iw, &xl, &xh);                               \
                const int64_t o = row + ow, x0 = ow * (d)->sw - (d)->pw;                                       \
                GENERIC                                                                                        \
            }                                                                                                  \
            if (a < b) {                                                                                       \
                const int64_t base = (z0 * (d)->ih + y0) * (d)->iw - (d)->pw; /* + ow*sw + tap offset */        \
                INTERIOR                                                                                       \
            }                                                                                                  \
        }                                                                                                      \
    }

#define TAP_INDEX(d, kz, ky, kx) (((z0 + (kz) * (d)->dd) * (d)->ih + y0 + (ky) * (d)->dh) * (d)->iw + x0 + (kx) * (d)->dw)
#define TAP_OFFSET(d, kz, ky, kx) (((kz) * (d)->dd * (d)->ih + (ky) * (d)->dh) * (d)->iw + (kx) * (d)->dw)

GK_CLONES static void max_plane(const gk_dims *d, const float *restrict x, float *restrict y, int64_t *restrict idx) {
    const int64_t sw = d->sw;
    FOR_ROWS(d, {
        float best = -INFINITY;
        int64_t bi = -1;   // stays -1 only for a window entirely in the padding
        for (int64_t kz = zl; kz < zh; kz++)
            for (int64_t ky = yl; ky < yh; ky++)
                for (int64_t kx = xl; kx < xh; kx++) {
                    const int64_t t = TAP_INDEX(d, kz, ky, kx);
                    const float v = x[t];
                    if (bi < 0 || v > best || isnan(v)) {   // first max wins; NaN propagates (as PyTorch)
                        best = v;
                        bi = t;
                    }
                }
        y[o] = best;
        idx[o] = bi;
    }, {
        float *restrict yr = y + row;
        int64_t *restrict ir = idx + row;
        for (int64_t ow = a; ow < b; ow++) {   // first tap seeds the row
            yr[ow] = x[base + ow * sw];
            ir[ow] = base + ow * sw;
        }
        for (int64_t kz = 0; kz < d->kd; kz++)
            for (int64_t ky = 0; ky < d->kh; ky++)
                for (int64_t kx = (kz | ky) ? 0 : 1; kx < d->kw; kx++) {
                    const int64_t t0 = base + TAP_OFFSET(d, kz, ky, kx);
                    GK_SHORT_LOOP for (int64_t ow = a; ow < b; ow++) {
                        const float v = x[t0 + ow * sw];
                        const int take = v > yr[ow] || v != v;
                        yr[ow] = take ? v : yr[ow];
                        ir[ow] = take ? t0 + ow * sw : ir[ow];
                    }
                }
    })
}

// The UNet case (2x2 window, stride 2, no padding, 2-D): constant strides let the compiler vectorise with
// de-interleaving loads instead of gathers. Same tap order and tie/NaN rules as max_plane.
static int max2x2_applies(const gk_dims *d) {
    return d->kd == 1 && d->kh == 2 && d->kw == 2 && d->sh == 2 && d->sw == 2 && d->dh == 1 && d->dw == 1 &&
           d->ph == 0 && d->pw == 0 && d->pd == 0 && d->id == 1 && d->od == 1 && 2 * d->oh <= d->ih && 2 * d->ow <= d->iw;
}

GK_CLONES static void max2x2_plane(const gk_dims *d, const float *restrict x, float *restrict y, int64_t *restrict idx) {
    const int64_t iw = d->iw, ow = d->ow;
    for (int64_t oh = 0; oh < d->oh; oh++) {
        const int64_t r0 = 2 * oh * iw, r1 = r0 + iw;
        float *restrict yr = y + oh * ow;
        int64_t *restrict ir = idx + oh * ow;
        for (int64_t j = 0; j < ow; j++) {
            float best = x[r0 + 2 * j];
            int64_t bi = r0 + 2 * j;
            float v = x[r0 + 2 * j + 1];
            int take = v > best || v != v;
            best = take ? v : best;
            bi = take ? r0 + 2 * j + 1 : bi;
            v = x[r1 + 2 * j];
            take = v > best || v != v;
            best = take ? v : best;
            bi = take ? r1 + 2 * j : bi;
            v = x[r1 + 2 * j + 1];
            take = v > best || v != v;
            best = take ? v : best;
            bi = take ? r1 + 2 * j + 1 : bi;
            yr[j] = best;
            ir[j] = bi;
        }
    }
}

GK_CLONES static void avg_plane(const gk_dims *d, const float *restrict x, float *restrict y, int include_pad) {
    const int64_t sw = d->sw;
    FOR_ROWS(d, {
        float s = 0.0f;
        for (int64_t kz = zl; kz < zh; kz++)
            for (int64_t ky = yl; ky < yh; ky++)
                for (int64_t kx = xl; kx < xh; kx++) s += x[TAP_INDEX(d, kz, ky, kx)];
        const int64_t cnt = include_pad ? d->kvol : (zh - zl) * (yh - yl) * (xh - xl);
        y[o] = cnt > 0 ? s / (float)cnt : 0.0f;
    }, {
        float *restrict yr = y + row;
        for (int64_t ow = a; ow < b; ow++) yr[ow] = 0.0f;
        for (int64_t kz = 0; kz < d->kd; kz++)
            for (int64_t ky = 0; ky < d->kh; ky++)
                for (int64_t kx = 0; kx < d->kw; kx++) {
                    const int64_t t0 = base + TAP_OFFSET(d, kz, ky, kx);
                    GK_SHORT_LOOP for (int64_t ow = a; ow < b; ow++) yr[ow] += x[t0 + ow * sw];
                }
        const float cnt = (float)d->kvol;   // unclipped window: both modes divide by the full size
        for (int64_t ow = a; ow < b; ow++) yr[ow] = yr[ow] / cnt;
    })
}

GK_CLONES static void avg_back_plane(const gk_dims *d, const float *restrict dy, float *restrict dx, int include_pad) {
    const int64_t sw = d->sw;
    memset(dx, 0, sizeof(float) * (size_t)d->isz);
    FOR_ROWS(d, {
        const int64_t cnt = include_pad ? d->kvol : (zh - zl) * (yh - yl) * (xh - xl);
        if (cnt > 0) {
            const float gv = dy[o] / (float)cnt;
            for (int64_t kz = zl; kz < zh; kz++)
                for (int64_t ky = yl; ky < yh; ky++)
                    for (int64_t kx = xl; kx < xh; kx++) dx[TAP_INDEX(d, kz, ky, kx)] += gv;
        }
    }, {
        const float *restrict gr = dy + row;
        const float cnt = (float)d->kvol;
        for (int64_t kz = 0; kz < d->kd; kz++)
            for (int64_t ky = 0; ky < d->kh; ky++)
                for (int64_t kx = 0; kx < d->kw; kx++) {
                    float *restrict xr = dx + base + TAP_OFFSET(d, kz, ky, kx);
                    // one tap: outputs ow hit distinct inputs ow*sw, so the loop has no conflicts
                    GK_SHORT_LOOP for (int64_t ow = a; ow < b; ow++) xr[ow * sw] += gr[ow] / cnt;
                }
    })
}

GK_CLONES static void max_back_plane(const gk_dims *d, const float *dy, const int64_t *idx, float *dx) {
    memset(dx, 0, sizeof(float) * (size_t)d->isz);
    for (int64_t o = 0; o < d->osz; o++) {
        const int64_t t = idx[o];
        if (t >= 0 && t < d->isz) dx[t] += dy[o];
    }
}

enum { P_MAX, P_MAX_BACK, P_AVG, P_AVG_BACK };

typedef struct {
    pool_args a;
    int kind;
} pool_job;

static void pool_part(void *vc, int part, int nparts) {
    const pool_job *j = vc;
    const pool_args *a = &j->a;
    const gk_dims *d = &a->d;
    int64_t lo, hi;
    gk_range(a->g->batch * a->g->cin, part, nparts, &lo, &hi);
    // No indices wanted (inference): the winners go to one plane of scratch that stays in cache.
    int64_t *scratch = j->kind == P_MAX && !a->idx_out && lo < hi ? gk_alloc(sizeof(int64_t) * (size_t)d->osz) : NULL;
    for (int64_t pl = lo; pl < hi; pl++) {
        int64_t *ix = scratch ? scratch : a->idx_out + pl * d->osz;
        switch (j->kind) {
        case P_MAX:
            if (max2x2_applies(d)) max2x2_plane(d, a->x + pl * d->isz, a->y + pl * d->osz, ix);
            else max_plane(d, a->x + pl * d->isz, a->y + pl * d->osz, ix);
            break;
        case P_MAX_BACK: max_back_plane(d, a->x + pl * d->osz, a->idx_in + pl * d->osz, a->y + pl * d->isz); break;
        case P_AVG: avg_plane(d, a->x + pl * d->isz, a->y + pl * d->osz, a->include_pad); break;
        case P_AVG_BACK: avg_back_plane(d, a->x + pl * d->osz, a->y + pl * d->isz, a->include_pad); break;
        }
    }
    gk_free(scratch);
}

static void pool_run(pool_job *j) {
    GK_FTZ_SCOPE;
    const int64_t planes = j->a.g->batch * j->a.g->cin;
    if (planes <= 0) return;
    const double work = (double)planes * (double)(j->a.d.isz + j->a.d.osz * j->a.d.kvol);
    gk_parallel(gk_parts_for(planes, work), pool_part, j);
}

void gk_maxpool_forward(const gk_conv_geom *g, const float *x, float *y, int64_t *indices) {
    pool_job j = {{.g = g, .d = gk_unpack(g), .x = x, .y = y, .idx_out = indices}, P_MAX};
    pool_run(&j);
}

void gk_maxpool_backward(const gk_conv_geom *g, const float *dy, const int64_t *indices, float *dx) {
    pool_job j = {{.g = g, .d = gk_unpack(g), .x = dy, .y = dx, .idx_in = indices}, P_MAX_BACK};
    pool_run(&j);
}

void gk_avgpool_forward(const gk_conv_geom *g, const float *x, float *y, int count_include_pad) {
    pool_job j = {{.g = g, .d = gk_unpack(g), .x = x, .y = y, .include_pad = count_include_pad}, P_AVG};
    pool_run(&j);
}

void gk_avgpool_backward(const gk_conv_geom *g, const float *dy, float *dx, int count_include_pad) {
    pool_job j = {{.g = g, .d = gk_unpack(g), .x = dy, .y = dx, .include_pad = count_include_pad}, P_AVG_BACK};
    pool_run(&j);
}
