// im2col / col2im for a tile of output positions. Rows are (channel, kd, kh, kw), columns the output positions
// [p0, p1) of one image in D,H,W order; the tile is row-major with leading dimension p1 - p0.
// Each row is walked as runs along W, with the valid W range of every kernel column computed once, so the inner
// loops are plain copies / adds (vectorised when the stride is 1).
#include "gk_internal.h"
#include <string.h>

// Output columns [lo, hi) of a W-run whose tap kw lands inside the input row.
GK_INLINE void valid_w(const gk_dims *d, int64_t off, int64_t *lo, int64_t *hi) {
    // input x = ow*sw + off must satisfy 0 <= x < iw
    int64_t l = off >= 0 ? 0 : (-off + d->sw - 1) / d->sw;
    int64_t h = (d->iw - 1 - off) < 0 ? 0 : (d->iw - 1 - off) / d->sw + 1;
    if (h > d->ow) h = d->ow;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

// Kernel 2 with stride 2 along W, no padding or dilation there (UNet's 2x2 stride-2 up/down sampling): both taps of
// a run come from one input row, even and odd columns, so the two col rows are filled (or scattered back) in one
// pass with vectorised de-interleaving (interleaving) instead of two strided passes.
GK_INLINE int w_pairs(const gk_dims *d) { return d->kw == 2 && d->sw == 2 && d->dw == 1 && d->pw == 0 && d->iw >= 2 * d->ow; }

// Runs the statement for every W-run of tile [p0, p1) of tap (kd, kh), with ow0 (first output column), len, at
// (offset in the col row), inside (0 where the input row is padding) and row (offset of the input row) defined.
#define FOR_RUNS(d, p0, p1, kd_, kh_, ...)                                                                 \
    do {                                                                                                       \
        const int64_t ohw_ = (d)->oh * (d)->ow;                                                                \
        int64_t od_ = (p0) / ohw_, oh_ = ((p0) % ohw_) / (d)->ow, ow0 = (p0) % (d)->ow, at = 0;               \
        for (int64_t p_ = (p0); p_ < (p1);) {                                                                  \
            int64_t len = (d)->ow - ow0;                                                                       \
            if (len > (p1) - p_) len = (p1) - p_;                                                              \
            const int64_t z_ = od_ * (d)->sd - (d)->pd + (kd_) * (d)->dd, y_ = oh_ * (d)->sh - (d)->ph + (kh_) * (d)->dh; \
            const int inside = z_ >= 0 && z_ < (d)->id && y_ >= 0 && y_ < (d)->ih;                              \
            const int64_t row = (z_ * (d)->ih + y_) * (d)->iw;                                                 \
            __VA_ARGS__;                                                                                       \
            at += len;                                                                                         \
            p_ += len;                                                                                         \
            ow0 = 0;                                                                                           \
            if (++oh_ == (d)->oh) { oh_ = 0; od_++; }                                                          \
        }                                                                                                      \
    } while (0)

GK_CLONES static void im2col_pairs_k(const gk_dims *d, const float *x, int64_t nch, int64_t p0, int64_t p1, float *col) {
    const int64_t ld = p1 - p0;
    for (int64_t c = 0; c < nch; c++)
        for (int64_t kd = 0; kd < d->kd; kd++)
            for (int64_t kh = 0; kh < d->kh; kh++) {
                float *restrict e = col + ((c * d->kd + kd) * d->kh + kh) * 2 * ld, *restrict o = e + ld;
                FOR_RUNS(d, p0, p1, kd, kh, {
                    if (!inside) {
                        memset(e + at, 0, sizeof(float) * (size_t)len);
                        memset(o + at, 0, sizeof(float) * (size_t)len);
                    } else {
                        const float *restrict src = x + c * d->isz + row + 2 * ow0;
                        for (int64_t j = 0; j < len; j++) e[at + j] = src[2 * j], o[at + j] = src[2 * j + 1];
                    }
                });
            }
}

GK_CLONES static void col2im_pairs_k(const gk_dims *d, const float *col, int64_t nch, int64_t p0, int64_t p1,
                                     float *dx, int assign) {
    const int64_t ld = p1 - p0;
    for (int64_t c = 0; c < nch; c++)
        for (int64_t kd = 0; kd < d->kd; kd++)
            for (int64_t kh = 0; kh < d->kh; kh++) {
                const float *restrict e = col + ((c * d->kd + kd) * d->kh + kh) * 2 * ld, *restrict o = e + ld;
                FOR_RUNS(d, p0, p1, kd, kh, {
                    if (inside) {
                        float *restrict dst = dx + c * d->isz + row + 2 * ow0;
                        if (assign)
                            for (int64_t j = 0; j < len; j++) dst[2 * j] = e[at + j], dst[2 * j + 1] = o[at + j];
                        else
                            for (int64_t j = 0; j < len; j++) dst[2 * j] += e[at + j], dst[2 * j + 1] += o[at + j];
                    }
                });
            }
}

GK_CLONES static void im2col_k(const gk_dims *d, const float *x, int64_t nch, int64_t p0, int64_t p1, float *col) {
    const int64_t ld = p1 - p0, ohw = d->oh * d->ow, sw = d->sw;
    for (int64_t c = 0; c < nch; c++) {
        const float *xc = x + c * d->isz;
        for (int64_t kd = 0; kd < d->kd; kd++)
            for (int64_t kh = 0; kh < d->kh; kh++)
                for (int64_t kw = 0; kw < d->kw; kw++) {
                    float *restrict dst = col + (((c * d->kd + kd) * d->kh + kh) * d->kw + kw) * ld;
                    const int64_t off = kw * d->dw - d->pw;
                    int64_t wlo, whi;
                    valid_w(d, off, &wlo, &whi);
                    int64_t od = p0 / ohw, oh = (p0 % ohw) / d->ow, ow0 = p0 % d->ow;
                    for (int64_t p = p0; p < p1;) {
                        int64_t len = d->ow - ow0;
                        if (len > p1 - p) len = p1 - p;
                        const int64_t z = od * d->sd - d->pd + kd * d->dd, y = oh * d->sh - d->ph + kh * d->dh;
                        if (z < 0 || z >= d->id || y < 0 || y >= d->ih) {
                            memset(dst, 0, sizeof(float) * (size_t)len);
                        } else {
                            const float *restrict src = xc + (z * d->ih + y) * d->iw;
                            int64_t lo = wlo > ow0 ? wlo : ow0, hi = whi < ow0 + len ? whi : ow0 + len;
                            if (lo > ow0 + len) lo = ow0 + len;   // tap's valid columns start past this run
                            if (hi < lo) hi = lo;
                            for (int64_t j = ow0; j < lo; j++) dst[j - ow0] = 0.0f;
                            if (sw == 1)
                                memcpy(dst + (lo - ow0), src + lo + off, sizeof(float) * (size_t)(hi - lo));
                            else if (sw == 2)   // constant stride: vectorised de-interleaving loads, not a gather
                                for (int64_t j = lo; j < hi; j++) dst[j - ow0] = src[j * 2 + off];
                            else
                                for (int64_t j = lo; j < hi; j++) dst[j - ow0] = src[j * sw + off];
                            for (int64_t j = hi; j < ow0 + len; j++) dst[j - ow0] = 0.0f;
                        }
                        dst += len;
                        p += len;
                        ow0 = 0;
                        if (++oh == d->oh) { oh = 0; od++; }
                    }
                }
    }
}

// dx[channels] += scatter of the tile; contributions to one input point arrive in (kd, kh, kw, position) order,
// which depends only on the geometry and the tile size, never on the thread count.
GK_CLONES static void col2im_k(const gk_dims *d, const float *col, int64_t nch, int64_t p0, int64_t p1, float *dx,
                               int assign) {
    const int64_t ld = p1 - p0, ohw = d->oh * d->ow, sw = d->sw;
    for (int64_t c = 0; c < nch; c++) {
        float *xc = dx + c * d->isz;
        for (int64_t kd = 0; kd < d->kd; kd++)
            for (int64_t kh = 0; kh < d->kh; kh++)
                for (int64_t kw = 0; kw < d->kw; kw++) {
                    const float *restrict src = col + (((c * d->kd + kd) * d->kh + kh) * d->kw + kw) * ld;
                    const int64_t off = kw * d->dw - d->pw;
                    int64_t wlo, whi;
                    valid_w(d, off, &wlo, &whi);
                    int64_t od = p0 / ohw, oh = (p0 % ohw) / d->ow, ow0 = p0 % d->ow;
                    for (int64_t p = p0; p < p1;) {
                        int64_t len = d->ow - ow0;
                        if (len > p1 - p) len = p1 - p;
                        const int64_t z = od * d->sd - d->pd + kd * d->dd, y = oh * d->sh - d->ph + kh * d->dh;
                        if (z >= 0 && z < d->id && y >= 0 && y < d->ih) {
                            float *restrict dst = xc + (z * d->ih + y) * d->iw;
                            int64_t lo = wlo > ow0 ? wlo : ow0, hi = whi < ow0 + len ? whi : ow0 + len;
                            if (assign)
                                for (int64_t j = lo; j < hi; j++) dst[j * sw + off] = src[j - ow0];
                            else if (sw == 1)
                                GK_SHORT_LOOP for (int64_t j = lo; j < hi; j++) dst[j + off] += src[j - ow0];
                            else if (sw == 2)
                                for (int64_t j = lo; j < hi; j++) dst[j * 2 + off] += src[j - ow0];
                            else
                                for (int64_t j = lo; j < hi; j++) dst[j * sw + off] += src[j - ow0];
                        }
                        src += len;
                        p += len;
                        ow0 = 0;
                        if (++oh == d->oh) { oh = 0; od++; }
                    }
                }
    }
}

// 1 where the kernel windows tile the input exactly (kernel == stride, no padding, no dilation, out * stride == in
// along every axis): each input point receives exactly one col entry, so col2im may assign into unzeroed dx.
GK_HIDDEN int gk_windows_tile_input(const gk_dims *d) {
    const int64_t k[3] = {d->kd, d->kh, d->kw}, s[3] = {d->sd, d->sh, d->sw}, dl[3] = {d->dd, d->dh, d->dw},
                  pd[3] = {d->pd, d->ph, d->pw}, in[3] = {d->id, d->ih, d->iw}, out[3] = {d->od, d->oh, d->ow};
    for (int i = 0; i < 3; i++)
        if (k[i] != s[i] || (k[i] > 1 && dl[i] != 1) || pd[i] != 0 || out[i] * s[i] != in[i]) return 0;
    return 1;
}

// Clones cannot carry hidden visibility, so the internal entry points are thin wrappers.
GK_HIDDEN void gk_im2col(const gk_dims *d, const float *x, int64_t nch, int64_t p0, int64_t p1, float *col) {
    if (w_pairs(d)) im2col_pairs_k(d, x, nch, p0, p1, col);
    else im2col_k(d, x, nch, p0, p1, col);
}
GK_HIDDEN void gk_col2im(const gk_dims *d, const float *col, int64_t nch, int64_t p0, int64_t p1, float *dx, int assign) {
    if (w_pairs(d)) col2im_pairs_k(d, col, nch, p0, p1, dx, assign);
    else col2im_k(d, col, nch, p0, p1, dx, assign);
}
