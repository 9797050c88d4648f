// Direct convolutions (groups 1, stride 1) for layers with few channels on one side, where im2col + GEMM with
// M or K of 1-4 is bound by the copies and GEMM edge code.
// Forward: an output row is cut into segments of up to 64 floats; a segment of up to 3 output channels stays in
// registers while every (channel, tap) of a channel block is applied to it, so no col matrix exists.
// A unit's input window is copied into a zero-padded slab first (unless it lies inside the image and needs no
// padding), so the inner loops have no bounds checks. Backward data is the forward kernel run on dy with the
// transposed, flipped weights. Backward filter: dot products of dy rows with shifted slab rows, a block of
// (output channel x tap) vector accumulators in registers over a band of rows, summed in a fixed order.
// Units depend only on the geometry, so results are bitwise identical for any thread count.
#include "direct.h"
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));   // unaligned access

#define DC_SLAB_BYTES ((int64_t)192 << 10)   // input window per unit: stays in L2 while it is reused
#define DC_CHUNK 512                          // output columns per unit at most (long 1-D rows)
#define DC_MIN_UNITS 8                        // split planes into bands until threads can share this many
#define DC_OB 3                               // forward: output channels per register block, at most
#define DC_BWF_OB 8                           // backward filter: output channels per unit, at most
#define DC_L1_BYTES ((int64_t)16 << 10)     // forward: window bytes of one output row per channel block
#define DC_SUB_VECS 128                       // backward filter: vectors per row band pass (L1-sized)
#define DC_MAX_SLAB ((int64_t)8 << 20)        // beyond this the window of one row is too big to be worth it

// Macros, not functions: a function taking or returning v8f would have a different ABI in each clone.
#define ld(p) (*(const v8u *)(p))
#define st(p, v) (*(v8u *)(p) = (v))
#define splat(s) ({ const float s_ = (s); (v8f){s_, s_, s_, s_, s_, s_, s_, s_}; })

// Tiling of one problem (backward data runs the forward tiling with the channels swapped).
typedef struct {
    gk_dims d;
    int64_t N, cin, cout;
    int64_t halo, cw, nch, wc;   // extra slab rows; chunk width (multiple of 8), chunks per row, slab row length
    int64_t rb, nbd;             // output rows per band, bands per plane
} dc_tiles;

static dc_tiles tiles(const gk_dims *d, int64_t N, int64_t cin, int64_t cout, int64_t nchan, int64_t min_units) {
    dc_tiles t = {.d = *d, .N = N, .cin = cin, .cout = cout};
    t.halo = (d->kh - 1) * d->dh;
    t.nch = cdiv(rup8(d->ow), DC_CHUNK);
    t.cw = rup8(cdiv(d->ow, t.nch));
    t.nch = cdiv(d->ow, t.cw);
    t.wc = rup8(t.cw + (d->kw - 1) * d->dw);
    int64_t rb = DC_SLAB_BYTES / (4 * nchan * d->kd * t.wc) - t.halo;
    rb = rb > d->oh ? d->oh : rb < 1 ? 1 : rb;
    int64_t nbd = cdiv(d->oh, rb), base = N * d->od * t.nch;
    if (base * nbd < min_units) nbd = cdiv(min_units, base);
    if (nbd > d->oh) nbd = d->oh;
    t.rb = cdiv(d->oh, nbd);
    t.nbd = cdiv(d->oh, t.rb);
    return t;
}

// Input window [channel][kd][slab row][column] of output plane od, slab rows from output row i0, columns from
// output column j0: strides of the x buffer itself when the window is inside the image, else of `slab`.
typedef struct {
    const float *base;
    int64_t cs, ks, rs;
} dc_win;

static dc_win window(const dc_tiles *t, const float *x, int64_t nchan, int64_t od, int64_t i0, int64_t sr,
                     int64_t j0, int64_t rw, float *slab) {
    const gk_dims *d = &t->d;
    const int64_t z0 = od - d->pd, y0 = i0 - d->ph, x0 = j0 - d->pw, wc = t->wc;
    if (z0 >= 0 && z0 + (d->kd - 1) * d->dd < d->id && y0 >= 0 && y0 + sr <= d->ih && x0 >= 0 && x0 + rw <= d->iw)
        return (dc_win){x + (z0 * d->ih + y0) * d->iw + x0, d->isz, d->dd * d->ih * d->iw, d->iw};
    int64_t qlo = x0 < 0 ? -x0 : 0, qhi = d->iw - x0;   // slab columns that hold input columns
    if (qhi > wc) qhi = wc;
    if (qlo > qhi) qlo = qhi;
    for (int64_t c = 0; c < nchan; c++)
        for (int64_t kd = 0; kd < d->kd; kd++) {
            const int64_t z = z0 + kd * d->dd;
            for (int64_t s = 0; s < sr; s++) {
                float *row = slab + ((c * d->kd + kd) * sr + s) * wc;
                const int64_t y = y0 + s;
                if (z < 0 || z >= d->id || y < 0 || y >= d->ih || qlo == qhi) {
                    memset(row, 0, sizeof(float) * (size_t)wc);
                    continue;
                }
                const float *src = x + c * d->isz + (z * d->ih + y) * d->iw + x0;
                memset(row, 0, sizeof(float) * (size_t)qlo);
                memcpy(row + qlo, src + qlo, sizeof(float) * (size_t)(qhi - qlo));
                memset(row + qhi, 0, sizeof(float) * (size_t)(wc - qhi));
            }
        }
    return (dc_win){slab, d->kd * sr * wc, sr * wc, wc};
}

// Window offset of every (channel, kd, kh, kw) tap, in weight order.
static void tap_offsets(const gk_dims *d, int64_t nchan, const dc_win *w, int64_t *off) {
    int64_t t = 0;
    for (int64_t c = 0; c < nchan; c++)
        for (int64_t kd = 0; kd < d->kd; kd++)
            for (int64_t kh = 0; kh < d->kh; kh++)
                for (int64_t kw = 0; kw < d->kw; kw++) off[t++] = c * w->cs + kd * w->ks + kh * d->dh * w->rs + kw * d->dw;
}

// ---- forward ----------------------------------------------------------------------------------------------------
// y[o][0, 8 NV) = init + sum over K taps of wp[t][o] * x[off[t] + (0, 8 NV)], o < OB, with OB x NV accumulators;
// init is yin[o] (partial sums, same layout as y) when given, else bias[o] (0 without bias).
GK_INLINE void fwd_kernel(const int OB, const int NV, int64_t K, const int64_t *restrict off, const float *restrict wp,
                          const float *restrict x, const float *bias, const float *yin, float *y, int64_t ys) {
    v8f acc[DC_OB][8];
    for (int o = 0; o < OB; o++)
        for (int v = 0; v < NV; v++) acc[o][v] = yin ? ld(yin + o * ys + 8 * v) : splat(bias ? bias[o] : 0.0f);
    for (int64_t t = 0; t < K; t++) {
        const float *xt = x + off[t];
        v8f wv[DC_OB];   // weights in registers, x streamed: OB*NV + OB + 1 registers
        for (int o = 0; o < OB; o++) wv[o] = splat(wp[t * OB + o]);
        for (int v = 0; v < NV; v++) {
            const v8f xv = ld(xt + 8 * v);
            for (int o = 0; o < OB; o++) acc[o][v] += wv[o] * xv;
        }
    }
    for (int o = 0; o < OB; o++)
        for (int v = 0; v < NV; v++) st(y + o * ys + 8 * v, acc[o][v]);
}

// Most vectors per segment for a block of m outputs: m*NV accumulators out of 16 AVX2 registers.
GK_INLINE int fwd_nvmax(int m) { return m == 1 ? 8 : m == 2 ? 6 : 4; }

// Output blocks of at most 3: 4 outputs x 3 vectors needs all 16 AVX2 registers and clang then shuffles them
// every tap; 3 x 4 does not.
GK_INLINE int64_t fwd_blocks(int64_t cout) { return cout <= 2 ? 1 : cdiv(cout, 3); }

#define FWD(OB, NV) case OB * 16 + NV: fwd_kernel(OB, NV, kc, offc, wc, xs, bb, yin, dst, ds); break;

// Channels per pass: one output row's window of them stays in L1 so the next row re-reads it from there.
GK_INLINE int64_t fwd_channel_blocks(const dc_tiles *t) {
    const int64_t per = 4 * t->d.kd * (t->halo + 1) * t->wc, cb = DC_L1_BYTES / per;
    return cb >= t->cin ? 1 : cdiv(t->cin, cb < 1 ? 1 : cb);
}

// Output rows [i0, i1), columns [j0, j1) of every output channel; yp is channel 0 of the unit's output plane.
// With several channel blocks the partial sums go through abuf [cout][rows][8 nvec], then to y.
GK_CLONES static void fwd_tile(const dc_tiles *t, const dc_win *w, const int64_t *off, const float *wpack,
                               const float *bias, float *yp, int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                               float *abuf) {
    const gk_dims *d = &t->d;
    const int64_t K = t->cin * d->kvol, nvec = cdiv(j1 - j0, 8), nob = fwd_blocks(t->cout);
    const int64_t ncb = fwd_channel_blocks(t), rows = i1 - i0;
    float tmp[DC_OB * 64] __attribute__((aligned(32)));   // segment that runs past the row end
    for (int64_t cb = 0; cb < ncb; cb++) {
        int64_t c0, c1;
        gk_range(t->cin, (int)cb, (int)ncb, &c0, &c1);
        const int64_t kc = (c1 - c0) * d->kvol, *offc = off + c0 * d->kvol;
        for (int64_t i = i0; i < i1; i++)
            for (int64_t b = 0; b < nob; b++) {   // blocks inside the row: the row's window stays in L1
                int64_t o0, o1;
                gk_range(t->cout, (int)b, (int)nob, &o0, &o1);
                const int m = (int)(o1 - o0);
                const int64_t nseg = cdiv(nvec, fwd_nvmax(m));
                const float *wc = wpack + o0 * K + c0 * d->kvol * m, *bb = bias ? bias + o0 : NULL;
                for (int64_t s = 0; s < nseg; s++) {   // equal segments: no 1-vector tail with idle FMA units
                    int64_t v0, v1;
                    gk_range(nvec, (int)s, (int)nseg, &v0, &v1);
                    const int nv = (int)(v1 - v0);
                    const int64_t j = j0 + 8 * v0;
                    const float *xs = w->base + (i - i0) * w->rs + 8 * v0;
                    float *yo = yp + o0 * d->osz + i * d->ow + j, *dst = tmp;
                    const float *yin = NULL;
                    int64_t ds = 64;
                    const int full = j + 8 * nv <= j1;
                    if (ncb > 1) {
                        dst = abuf + (o0 * rows + (i - i0)) * 8 * nvec + 8 * v0;
                        ds = rows * 8 * nvec;
                        yin = cb ? dst : NULL;
                    } else if (full) {
                        dst = yo;
                        ds = d->osz;
                    }
                    switch (m * 16 + nv) {
                        FWD(1, 1) FWD(1, 2) FWD(1, 3) FWD(1, 4) FWD(1, 5) FWD(1, 6) FWD(1, 7) FWD(1, 8)
                        FWD(2, 1) FWD(2, 2) FWD(2, 3) FWD(2, 4) FWD(2, 5) FWD(2, 6)
                        FWD(3, 1) FWD(3, 2) FWD(3, 3) FWD(3, 4)
                        default: break;
                    }
                    if (ncb == 1 && !full)
                        for (int o = 0; o < m; o++) memcpy(yo + o * d->osz, tmp + o * 64, sizeof(float) * (size_t)(j1 - j));
                }
            }
    }
    if (ncb > 1)
        for (int64_t o = 0; o < t->cout; o++)
            for (int64_t i = i0; i < i1; i++)
                memcpy(yp + o * d->osz + i * d->ow + j0, abuf + (o * rows + (i - i0)) * 8 * nvec,
                       sizeof(float) * (size_t)(j1 - j0));
}

typedef struct {
    dc_tiles t;
    const float *x, *w, *bias, *dy;
    float *y, *dw, *db;
    int64_t nob, ncb;
    int act;   // GK_ACT_* applied to each finished output tile (forward only)
} dc_ctx;

static void fwd_part(void *vc, int part, int nparts) {
    const dc_ctx *c = vc;
    const dc_tiles *t = &c->t;
    const gk_dims *d = &t->d;
    const int64_t per_n = d->od * t->nbd * t->nch;
    int64_t lo, hi;
    gk_range(t->N * per_n, part, nparts, &lo, &hi);
    if (lo >= hi) return;
    float *slab = gk_alloc(sizeof(float) * (size_t)(t->cin * d->kd * (t->rb + t->halo) * t->wc));
    int64_t *off = gk_alloc(sizeof(int64_t) * (size_t)(t->cin * d->kvol));
    float *abuf = fwd_channel_blocks(t) > 1 ? gk_alloc(sizeof(float) * (size_t)(t->cout * t->rb * t->cw)) : NULL;
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / per_n, od = (u / (t->nbd * t->nch)) % d->od, bd = (u / t->nch) % t->nbd, ch = u % t->nch;
        const int64_t i0 = bd * t->rb, i1 = i0 + t->rb < d->oh ? i0 + t->rb : d->oh;
        const int64_t j0 = ch * t->cw, j1 = j0 + t->cw < d->ow ? j0 + t->cw : d->ow;
        const dc_win w = window(t, c->x + n * t->cin * d->isz, t->cin, od, i0, i1 - i0 + t->halo, j0,
                                rup8(j1 - j0) + (d->kw - 1) * d->dw, slab);
        tap_offsets(d, t->cin, &w, off);
        float *yp = c->y + n * t->cout * d->osz + od * d->oh * d->ow;
        fwd_tile(t, &w, off, c->w, c->bias, yp, i0, i1, j0, j1, abuf);
        if (c->act)   // the tile was just written: activate it while it is in cache
            for (int64_t o = 0; o < t->cout; o++)
                gk_activate_rows(c->act, i1 - i0, j1 - j0, d->ow, NULL, yp + o * d->osz + i0 * d->ow + j0);
    }
    gk_free(abuf);
    gk_free(off);
    gk_free(slab);
}

// Forward on unpacked dims with weights [cout][cin*kvol]; also serves backward data.
static void run_forward(const gk_dims *d, int64_t N, int64_t cin, int64_t cout, const float *x, const float *w,
                        const float *bias, int act, float *y) {
    dc_ctx c = {.t = tiles(d, N, cin, cout, cin, DC_MIN_UNITS), .x = x, .bias = bias, .y = y, .act = act};
    const int64_t K = cin * d->kvol, nob = fwd_blocks(cout);
    float *wp = gk_alloc(sizeof(float) * (size_t)(cout * K));   // per block [tap][m]: one broadcast row per tap
    for (int64_t b = 0; b < nob; b++) {
        int64_t o0, o1;
        gk_range(cout, (int)b, (int)nob, &o0, &o1);
        for (int64_t o = o0; o < o1; o++)
            for (int64_t k = 0; k < K; k++) wp[o0 * K + k * (o1 - o0) + (o - o0)] = w[o * K + k];
    }
    c.w = wp;
    const int64_t units = N * d->od * c.t.nbd * c.t.nch;
    gk_parallel(gk_parts_for(units, 2.0 * (double)N * cout * d->osz * K), fwd_part, &c);
    gk_free(wp);
}

// ---- backward filter --------------------------------------------------------------------------------------------
#define hsum(s) ((((s)[0] + (s)[4]) + ((s)[2] + (s)[6])) + (((s)[1] + (s)[5]) + ((s)[3] + (s)[7])))

// out[i][j] = sum over `rows` rows r and columns [0, 8 nv) of a[aoff[i] + r ars + .] * b[boff[j] + r brs + .].
GK_INLINE void bwf_kernel(const int NA, const int NB, int64_t rows, int64_t nv, const float *a, int64_t ars,
                          const int64_t *aoff, const float *b, int64_t brs, const int64_t *boff, float *out) {
    v8f acc[DC_OB][8];
    const float *ap[DC_OB], *bp[8];
    for (int i = 0; i < NA; i++) {
        ap[i] = a + aoff[i];
        for (int j = 0; j < NB; j++) acc[i][j] = splat(0.0f);
    }
    for (int j = 0; j < NB; j++) bp[j] = b + boff[j];
    for (int64_t r = 0; r < rows; r++)
        for (int64_t v = 0; v < 8 * nv; v += 8) {
            v8f av[DC_OB];
            for (int i = 0; i < NA; i++) av[i] = ld(ap[i] + r * ars + v);
            for (int j = 0; j < NB; j++) {
                const v8f bv = ld(bp[j] + r * brs + v);
                for (int i = 0; i < NA; i++) acc[i][j] += av[i] * bv;
            }
        }
    for (int i = 0; i < NA; i++)
        for (int j = 0; j < NB; j++) out[i * NB + j] = hsum(acc[i][j]);
}

// Kernel blocks: 2 outputs x 5 taps or 1 x 8. Blocks of 3 or 4 outputs (12 accumulators + 3-4 dy vectors) make
// clang spill and shuffle registers in the nested row / column loop.
#define BWF_NA 2
GK_INLINE int bwf_nbmax(int na) { return na == 1 ? 8 : 5; }

#define BWF(NA, NB) case NA * 16 + NB: bwf_kernel(NA, NB, nr, nv, ar, ars, aoff + i0, br, brs, off + t0, out); break;

// acc[i][t] (double, [m][T]) += dot products of m dy rows with the T taps' window rows over one band.
GK_CLONES static void bwf_tile(int m, int64_t T, int64_t rows, int64_t nv, const float *a, int64_t ars,
                               const int64_t *aoff, const float *b, int64_t brs, const int64_t *off, double *acc) {
    const int64_t sub = nv >= DC_SUB_VECS ? 1 : DC_SUB_VECS / nv;
    float out[DC_OB * 8];
    for (int64_t r0 = 0; r0 < rows; r0 += sub) {   // a few rows at a time, so the taps re-read them from L1
        const int64_t nr = r0 + sub < rows ? sub : rows - r0;
        const float *ar = a + r0 * ars, *br = b + r0 * brs;
        for (int i0 = 0; i0 < m; i0 += BWF_NA) {
            const int na = m - i0 < BWF_NA ? m - i0 : BWF_NA, nbmax = bwf_nbmax(na);
            for (int64_t t0 = 0; t0 < T; t0 += nbmax) {
                const int nb = (int)(t0 + nbmax < T ? nbmax : T - t0);
                switch (na * 16 + nb) {
                    BWF(1, 1) BWF(1, 2) BWF(1, 3) BWF(1, 4) BWF(1, 5) BWF(1, 6) BWF(1, 7) BWF(1, 8)
                    BWF(2, 1) BWF(2, 2) BWF(2, 3) BWF(2, 4) BWF(2, 5)
                    default: break;
                }
                for (int i = 0; i < na; i++)
                    for (int j = 0; j < nb; j++) acc[(i0 + i) * T + t0 + j] += out[i * nb + j];
            }
        }
    }
}

// Unit (output block, channel block): owns dw[o0..o1)[c0..c1) and sums it over images and bands in order.
static void bwf_part(void *vc, int part, int nparts) {
    const dc_ctx *c = vc;
    const dc_tiles *t = &c->t;
    const gk_dims *d = &t->d;
    const int64_t K = t->cin * d->kvol, cbmax = cdiv(t->cin, c->ncb);
    int64_t lo, hi;
    gk_range(c->nob * c->ncb, part, nparts, &lo, &hi);
    if (lo >= hi) return;
    float *slab = gk_alloc(sizeof(float) * (size_t)(cbmax * d->kd * (t->rb + t->halo) * t->wc));
    float *dys = gk_alloc(sizeof(float) * (size_t)(DC_BWF_OB * t->rb * t->cw));
    int64_t *off = gk_alloc(sizeof(int64_t) * (size_t)(cbmax * d->kvol));
    double *acc = gk_alloc(sizeof(double) * (size_t)(DC_BWF_OB * cbmax * d->kvol));
    for (int64_t u = lo; u < hi; u++) {
        int64_t o0, o1, c0, c1;
        gk_range(t->cout, (int)(u / c->ncb), (int)c->nob, &o0, &o1);
        gk_range(t->cin, (int)(u % c->ncb), (int)c->ncb, &c0, &c1);
        const int m = (int)(o1 - o0);
        const int64_t T = (c1 - c0) * d->kvol;
        memset(acc, 0, sizeof(double) * (size_t)(m * T));
        for (int64_t n = 0; n < t->N; n++)
            for (int64_t od = 0; od < d->od; od++)
                for (int64_t bd = 0; bd < t->nbd; bd++)
                    for (int64_t ch = 0; ch < t->nch; ch++) {
                        const int64_t i0 = bd * t->rb, i1 = i0 + t->rb < d->oh ? i0 + t->rb : d->oh;
                        const int64_t j0 = ch * t->cw, j1 = j0 + t->cw < d->ow ? j0 + t->cw : d->ow;
                        const int64_t rows = i1 - i0, nv = cdiv(j1 - j0, 8);
                        const dc_win w = window(t, c->x + (n * t->cin + c0) * d->isz, c1 - c0, od, i0, rows + t->halo,
                                                j0, 8 * nv + (d->kw - 1) * d->dw, slab);
                        tap_offsets(d, c1 - c0, &w, off);
                        const float *dyp = c->dy + (n * t->cout + o0) * d->osz + (od * d->oh + i0) * d->ow + j0;
                        const float *a = dyp;
                        int64_t ars = d->ow, aoff[DC_BWF_OB];
                        for (int i = 0; i < m; i++) aoff[i] = i * d->osz;
                        if ((j1 - j0) % 8) {   // ragged row end: copy with zeros so whole vectors can be read
                            for (int i = 0; i < m; i++)
                                for (int64_t r = 0; r < rows; r++) {
                                    float *dst = dys + (i * rows + r) * 8 * nv;
                                    memcpy(dst, dyp + i * d->osz + r * d->ow, sizeof(float) * (size_t)(j1 - j0));
                                    memset(dst + (j1 - j0), 0, sizeof(float) * (size_t)(8 * nv - (j1 - j0)));
                                }
                            a = dys;
                            ars = 8 * nv;
                            for (int i = 0; i < m; i++) aoff[i] = i * rows * 8 * nv;
                        }
                        bwf_tile(m, T, rows, nv, a, ars, aoff, w.base, w.rs, off, acc);
                    }
        for (int i = 0; i < m; i++)
            for (int64_t k = 0; k < T; k++) c->dw[(o0 + i) * K + c0 * d->kvol + k] = (float)acc[i * T + k];
        if (c->db && c0 == 0)
            for (int64_t o = o0; o < o1; o++) {
                double s = 0.0;   // per image partial sums in a fixed order
                for (int64_t n = 0; n < t->N; n++) s += gk_sum(d->osz, c->dy + (n * t->cout + o) * d->osz);
                c->db[o] = (float)s;
            }
    }
    gk_free(acc);
    gk_free(off);
    gk_free(dys);
    gk_free(slab);
}

// ---- entry points -------------------------------------------------------------------------------------------------
int gk_direct_applies(const gk_conv_geom *g, int which) {
    if (g->groups != 1 || g->batch <= 0 || g->cin <= 0 || g->cout <= 0) return 0;
    for (int i = 0; i < 3; i++)
        if (g->stride[i] != 1 || g->kernel[i] < 1 || g->dilation[i] < 1 || g->in[i] < 1 || g->out[i] < 1) return 0;
    const gk_dims d = gk_unpack(g);
    const int64_t wc = rup8(rup8(d.ow < DC_CHUNK ? d.ow : DC_CHUNK) + (d.kw - 1) * d.dw);
    const int64_t row_window = 4 * d.kd * (1 + (d.kh - 1) * d.dh) * wc;   // per channel, one output row
    // Measured (1 thread, Zen 4 AVX2): forward and backward filter win for cout <= 4 or cin <= 4 (1.3x-12x).
    // Backward data runs the forward kernel with cout input channels, weak when they are many and outputs few:
    // 1->64 and 4->256 lose (0.6x), 2->32 / 4->32 break even, 3->16 wins 1.6x, cout <= 4 wins 2x-18x.
    const int few_out = g->cout <= 4, few_in = g->cin <= 4;
    switch (which) {
    case 0: return (few_out || few_in) && g->cin * row_window <= DC_MAX_SLAB;
    case 1: return (few_out || (few_in && g->cout <= 16)) && g->cout * row_window <= DC_MAX_SLAB;
    case 2: return few_out || few_in;
    default: return 0;
    }
}

void gk_direct_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                           float *y) {
    GK_FTZ_SCOPE;
    const gk_dims d = gk_unpack(g);
    run_forward(&d, g->batch, g->cin, g->cout, x, w, bias, act, y);
}

// dx[c, p] = sum over o, taps of w[o, c, tap] dy[o, p - tap]: a forward convolution of dy with weights
// [c][o][flipped tap] and padding dilation*(k-1) - pad_lo (negative padding crops).
void gk_direct_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx) {
    GK_FTZ_SCOPE;
    gk_conv_geom t = *g;
    t.cin = g->cout;
    t.cout = g->cin;
    for (int i = 0; i < 3; i++) {
        t.in[i] = g->out[i];
        t.out[i] = g->in[i];
        t.pad_lo[i] = g->dilation[i] * (g->kernel[i] - 1) - g->pad_lo[i];
    }
    const gk_dims d = gk_unpack(&t);
    float *wt = gk_alloc(sizeof(float) * (size_t)(g->cin * g->cout * d.kvol));
    for (int64_t o = 0; o < g->cout; o++)
        for (int64_t c = 0; c < g->cin; c++)
            for (int64_t k = 0; k < d.kvol; k++)
                wt[(c * g->cout + o) * d.kvol + k] = w[(o * g->cin + c) * d.kvol + d.kvol - 1 - k];
    run_forward(&d, g->batch, t.cin, t.cout, dy, wt, NULL, GK_ACT_NONE, dx);
    gk_free(wt);
}

void gk_direct_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias) {
    GK_FTZ_SCOPE;
    const gk_dims d = gk_unpack(g);
    dc_ctx c = {.x = x, .dy = dy, .dw = dw, .db = dbias};
    c.nob = cdiv(g->cout, DC_BWF_OB);
    c.ncb = cdiv(DC_MIN_UNITS, c.nob);   // channel blocks so that there are enough units to share
    if (c.ncb > g->cin) c.ncb = g->cin;
    c.t = tiles(&d, g->batch, g->cin, g->cout, cdiv(g->cin, c.ncb), 1);
    const double flops = 2.0 * (double)g->batch * g->cout * d.osz * g->cin * d.kvol;
    gk_parallel(gk_parts_for(c.nob * c.ncb, flops), bwf_part, &c);
}
