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

// Walks every output of one plane with its valid tap box; BODY sees o (output offset) and the box bounds.
#define FOR_WINDOWS(d, BODY)                                                                                 \
    for (int64_t od = 0, o = 0; od < (d)->od; od++) {                                                       \
        int64_t zl, zh;                                                                                     \
        taps(od, (d)->sd, (d)->pd, (d)->dd, (d)->kd, (d)->id, &zl, &zh);                                    \
        for (int64_t oh = 0; oh < (d)->oh; oh++) {                                                          \
            int64_t yl, yh;                                                                                 \
            taps(oh, (d)->sh, (d)->ph, (d)->dh, (d)->kh, (d)->ih, &yl, &yh);                                \
            for (int64_t ow = 0; ow < (d)->ow; ow++, o++) {                                                 \
                int64_t xl, xh;                                                                             \
                taps(ow, (d)->sw, (d)->pw, (d)->dw, (d)->kw, (d)->iw, &xl, &xh);                            \
                const int64_t z0 = od * (d)->sd - (d)->pd, y0 = oh * (d)->sh - (d)->ph,                     \
                              x0 = ow * (d)->sw - (d)->pw;                                                  \
                BODY                                                                                        \
            }                                                                                               \
        }                                                                                                   \
    }

#define TAP_INDEX(d, kz, ky, kx) (((z0 + (kz) * (d)->dd) * (d)->ih + y0 + (ky) * (d)->dh) * (d)->iw + x0 + (kx) * (d)->dw)

GK_CLONES static void max_plane(const gk_dims *d, const float *x, float *y, int64_t *idx) {
    FOR_WINDOWS(d, {
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
    })
}

GK_CLONES static void avg_plane(const gk_dims *d, const float *x, float *y, int include_pad) {
    FOR_WINDOWS(d, {
        float s = 0.0f;
        for (int64_t kz = zl; kz < zh; kz++)
            for (int64_t ky = yl; ky < yh; ky++)
                for (int64_t kx = xl; kx < xh; kx++) s += x[TAP_INDEX(d, kz, ky, kx)];
        const int64_t cnt = include_pad ? d->kvol : (zh - zl) * (yh - yl) * (xh - xl);
        y[o] = cnt > 0 ? s / (float)cnt : 0.0f;
    })
}

GK_CLONES static void avg_back_plane(const gk_dims *d, const float *dy, float *dx, int include_pad) {
    memset(dx, 0, sizeof(float) * (size_t)d->isz);
    FOR_WINDOWS(d, {
        const int64_t cnt = include_pad ? d->kvol : (zh - zl) * (yh - yl) * (xh - xl);
        if (cnt > 0) {
            const float gv = dy[o] / (float)cnt;
            for (int64_t kz = zl; kz < zh; kz++)
                for (int64_t ky = yl; ky < yh; ky++)
                    for (int64_t kx = xl; kx < xh; kx++) dx[TAP_INDEX(d, kz, ky, kx)] += gv;
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
    for (int64_t pl = lo; pl < hi; pl++) {
        switch (j->kind) {
        case P_MAX: max_plane(d, a->x + pl * d->isz, a->y + pl * d->osz, a->idx_out + pl * d->osz); break;
        case P_MAX_BACK: max_back_plane(d, a->x + pl * d->osz, a->idx_in + pl * d->osz, a->y + pl * d->isz); break;
        case P_AVG: avg_plane(d, a->x + pl * d->isz, a->y + pl * d->osz, a->include_pad); break;
        case P_AVG_BACK: avg_back_plane(d, a->x + pl * d->osz, a->y + pl * d->isz, a->include_pad); break;
        }
    }
}

static void pool_run(pool_job *j) {
    gk_enable_flush_to_zero();
    const int64_t planes = j->a.g->batch * j->a.g->cin;
    if (planes <= 0) return;
    const double work = (double)planes * (double)(j->a.d.isz + j->a.d.osz * j->a.d.kvol);
    gk_parallel(gk_parts_for(planes, work), pool_part, j, 0);
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
