// Winograd F(4x4, 3x3) tile transforms (Lavin & Gray's points 0, +-1, +-2, inf):
//   input  V = B^T d B (6x6 -> 6x6), filter U = G g G^T (3x3 -> 6x6), output y = A^T m A (6x6 -> 4x4),
//   and for the filter gradient A dY A^T (4x4 -> 6x6) and G^T dU G (6x6 -> 3x3).
// Every transform runs along a tile row at once: the rows it reads are first split by column phase (column
// 4*tx + q -> [q][tx]), so each 1-D pass is a plain loop over tx that the compiler vectorises.
#include "winograd.h"
#include <math.h>
#include <string.h>

gk_wino_plan gk_wino_make_plan(int64_t batch, int64_t cin, int64_t cout, int64_t ih, int64_t iw, int64_t oh,
                               int64_t ow, int64_t ph, int64_t pw) {
    gk_wino_plan p = {.batch = batch, .cin = cin, .cout = cout, .ih = ih, .iw = iw, .oh = oh, .ow = ow,
                      .ph = ph, .pw = pw};
    p.ntx = (ow + 3) / 4;
    p.nty = (oh + 3) / 4;
    p.rows = batch * p.nty;
    return p;
}

// dst[q*L + t] = src[4t + q - pw] (0 outside [0, iw) or when src is NULL), t < L.
GK_INLINE void split_row(const float *restrict src, int64_t iw, int64_t pw, int64_t L, float *restrict dst) {
    if (!src) {
        memset(dst, 0, sizeof(float) * (size_t)(4 * L));
        return;
    }
    int64_t lo = (pw + 3) / 4, hi = iw + pw >= 4 ? (iw + pw - 4) / 4 + 1 : 0;   // tiles whose 4 columns all exist
    if (hi > L) hi = L;
    if (lo > hi) lo = hi;
    float *restrict q0 = dst, *restrict q1 = dst + L, *restrict q2 = dst + 2 * L, *restrict q3 = dst + 3 * L;
    const float *restrict s = src + 4 * lo - pw;
    for (int64_t t = 0; t < hi - lo; t++) {
        q0[lo + t] = s[4 * t];
        q1[lo + t] = s[4 * t + 1];
        q2[lo + t] = s[4 * t + 2];
        q3[lo + t] = s[4 * t + 3];
    }
    for (int64_t t = 0; t < L; t++) {
        if (t == lo) t = hi;
        if (t >= L) break;
        for (int64_t q = 0; q < 4; q++) {
            int64_t col = 4 * t + q - pw;
            dst[q * L + t] = col >= 0 && col < iw ? src[col] : 0.0f;
        }
    }
}

// The 1-D passes, over n independent columns; every stream is its own restrict pointer so they vectorise
// without alias checks. B^T: 6 -> 6.
GK_INLINE void pass_bt(int64_t n, const float *restrict d0, const float *restrict d1, const float *restrict d2,
                       const float *restrict d3, const float *restrict d4, const float *restrict d5,
                       float *restrict o0, float *restrict o1, float *restrict o2, float *restrict o3,
                       float *restrict o4, float *restrict o5) {
    for (int64_t t = 0; t < n; t++) {
        const float a = d4[t] - 4.0f * d2[t], b = d3[t] - 4.0f * d1[t], c = d4[t] - d2[t];
        const float e = 2.0f * (d3[t] - d1[t]);
        o0[t] = 4.0f * d0[t] - 5.0f * d2[t] + d4[t];
        o1[t] = a + b;
        o2[t] = a - b;
        o3[t] = c + e;
        o4[t] = c - e;
        o5[t] = 4.0f * d1[t] - 5.0f * d3[t] + d5[t];
    }
}

// A^T: 6 -> 4, plus a constant (the bias on the second pass); relu clamps the results at 0 (a fused epilogue).
GK_INLINE void pass_at(int64_t n, const float *restrict m0, const float *restrict m1, const float *restrict m2,
                       const float *restrict m3, const float *restrict m4, const float *restrict m5, float bias,
                       float *restrict o0, float *restrict o1, float *restrict o2, float *restrict o3, int relu) {
    const float lo = relu ? 0.0f : -INFINITY;   // max(v, -inf) is v (NaN stays NaN either way: v < lo is false)
    for (int64_t t = 0; t < n; t++) {
        const float a = m1[t] + m2[t], b = m1[t] - m2[t], c = m3[t] + m4[t], d = m3[t] - m4[t];
        const float v0 = m0[t] + a + c + bias, v1 = b + 2.0f * d + bias;
        const float v2 = a + 4.0f * c + bias, v3 = b + 8.0f * d + m5[t] + bias;
        o0[t] = v0 < lo ? lo : v0;
        o1[t] = v1 < lo ? lo : v1;
        o2[t] = v2 < lo ? lo : v2;
        o3[t] = v3 < lo ? lo : v3;
    }
}

// A: 4 -> 6.
GK_INLINE void pass_a(int64_t n, const float *restrict d0, const float *restrict d1, const float *restrict d2,
                      const float *restrict d3, float *restrict o0, float *restrict o1, float *restrict o2,
                      float *restrict o3, float *restrict o4, float *restrict o5) {
    for (int64_t t = 0; t < n; t++) {
        const float a = d0[t] + d2[t], b = d1[t] + d3[t], c = d0[t] + 4.0f * d2[t];
        const float e = 2.0f * d1[t] + 8.0f * d3[t];
        o0[t] = d0[t];
        o1[t] = a + b;
        o2[t] = a - b;
        o3[t] = c + e;
        o4[t] = c - e;
        o5[t] = d3[t];
    }
}

GK_CLONES static void input_k(const gk_wino_plan *p, const float *x, int64_t c0, int64_t c1, int64_t r0, int64_t r1,
                              float *v, int64_t ks, int64_t cs) {
    const int64_t nt = p->ntx, L = nt + 1, isz = p->ih * p->iw;   // one extra phase column: tiles overlap by 2
    float *buf = gk_alloc(sizeof(float) * (size_t)(48 * L));
    float *xq = buf, *tq = buf + 24 * L;   // [6 rows][4 phases][L]
    for (int64_t c = c0; c < c1; c++)
        for (int64_t r = r0; r < r1; r++) {
            const int64_t n = r / p->nty, y0 = (r % p->nty) * 4 - p->ph;
            const float *plane = x + (n * p->cin + c) * isz;
            for (int64_t i = 0; i < 6; i++) {
                const int64_t yy = y0 + i;
                split_row(yy >= 0 && yy < p->ih ? plane + yy * p->iw : NULL, p->iw, p->pw, L, xq + i * 4 * L);
            }
            // columns: B^T d (all 4 phases at once)
            const int64_t e4 = 4 * L;
            pass_bt(e4, xq, xq + e4, xq + 2 * e4, xq + 3 * e4, xq + 4 * e4, xq + 5 * e4, tq, tq + e4, tq + 2 * e4,
                    tq + 3 * e4, tq + 4 * e4, tq + 5 * e4);
            // rows: (B^T d) B; tile tx's 6 columns are phases 0-3 of tx and 0-1 of tx + 1
            float *vo = v + (c - c0) * cs + (r - r0) * nt;
            for (int64_t i = 0; i < 6; i++) {
                const float *s = tq + i * e4;
                float *o = vo + 6 * i * ks;
                pass_bt(nt, s, s + L, s + 2 * L, s + 3 * L, s + 1, s + L + 1, o, o + ks, o + 2 * ks, o + 3 * ks,
                        o + 4 * ks, o + 5 * ks);
            }
        }
    gk_free(buf);
}

GK_CLONES static void output_k(const gk_wino_plan *p, const float *m, int64_t ks, int64_t cs, int64_t o0, int64_t o1,
                               int64_t r0, int64_t r1, const float *bias, int act, float *y) {
    const int64_t nt = p->ntx, osz = p->oh * p->ow;
    float *buf = gk_alloc(sizeof(float) * (size_t)(40 * nt));
    float *s = buf, *yq = buf + 24 * nt;   // s: [4 a][6 j][nt], yq: [4 b][nt]
    const int64_t full = p->ow / 4;        // tiles whose 4 columns all exist
    for (int64_t o = o0; o < o1; o++) {
        const float b = bias ? bias[o] : 0.0f;
        for (int64_t r = r0; r < r1; r++) {
            const int64_t n = r / p->nty, y0 = (r % p->nty) * 4;
            float *plane = y + (n * p->cout + o) * osz;
            const float *mb = m + (o - o0) * cs + (r - r0) * nt;
            // columns: A^T m
            for (int64_t j = 0; j < 6; j++) {
                const float *mj = mb + j * ks;
                pass_at(nt, mj, mj + 6 * ks, mj + 12 * ks, mj + 18 * ks, mj + 24 * ks, mj + 30 * ks, 0.0f,
                        s + j * nt, s + (6 + j) * nt, s + (12 + j) * nt, s + (18 + j) * nt, 0);
            }
            // rows: (A^T m) A + bias, then interleave the 4 phases back into the output row
            for (int64_t i = 0; i < 4 && y0 + i < p->oh; i++) {
                const float *si = s + 6 * i * nt;
                pass_at(nt, si, si + nt, si + 2 * nt, si + 3 * nt, si + 4 * nt, si + 5 * nt, b, yq, yq + nt,
                        yq + 2 * nt, yq + 3 * nt, act == GK_ACT_RELU);
                float *restrict row = plane + (y0 + i) * p->ow;
                const float *restrict q0 = yq, *restrict q1 = yq + nt, *restrict q2 = yq + 2 * nt;
                const float *restrict q3 = yq + 3 * nt;
                for (int64_t t = 0; t < full; t++) {
                    row[4 * t] = q0[t];
                    row[4 * t + 1] = q1[t];
                    row[4 * t + 2] = q2[t];
                    row[4 * t + 3] = q3[t];
                }
                for (int64_t col = 4 * full; col < p->ow; col++) row[col] = yq[(col & 3) * nt + col / 4];
                if (act > GK_ACT_RELU) gk_activate_rows(act, 1, p->ow, p->ow, NULL, row);   // relu: in pass_at above
            }
        }
    }
    gk_free(buf);
}

GK_CLONES static void grad_output_k(const gk_wino_plan *p, const float *dy, int64_t o0, int64_t o1, int64_t r0,
                                    int64_t r1, float *w, int64_t ks, int64_t cs) {
    const int64_t nt = p->ntx, osz = p->oh * p->ow, e4 = 4 * nt;
    float *buf = gk_alloc(sizeof(float) * (size_t)(40 * nt));
    float *dq = buf, *s = buf + 16 * nt;   // dq: [4 rows][4 phases][nt], s: [6 i][4 phases][nt]
    for (int64_t o = o0; o < o1; o++)
        for (int64_t r = r0; r < r1; r++) {
            const int64_t n = r / p->nty, y0 = (r % p->nty) * 4;
            const float *plane = dy + (n * p->cout + o) * osz;
            for (int64_t i = 0; i < 4; i++)
                split_row(y0 + i < p->oh ? plane + (y0 + i) * p->ow : NULL, p->ow, 0, nt, dq + i * e4);
            // columns: A dY (A is 6x4)
            pass_a(e4, dq, dq + e4, dq + 2 * e4, dq + 3 * e4, s, s + e4, s + 2 * e4, s + 3 * e4, s + 4 * e4,
                   s + 5 * e4);
            // rows: (A dY) A^T
            float *wo = w + (o - o0) * cs + (r - r0) * nt;
            for (int64_t i = 0; i < 6; i++) {
                const float *si = s + i * e4;
                float *out = wo + 6 * i * ks;
                pass_a(nt, si, si + nt, si + 2 * nt, si + 3 * nt, out, out + ks, out + 2 * ks, out + 3 * ks,
                       out + 4 * ks, out + 5 * ks);
            }
        }
    gk_free(buf);
}

// G: 3 -> 6 (the filter transform's 1-D pass).
GK_INLINE void pass_g(int64_t n, const float *restrict g0, const float *restrict g1, const float *restrict g2,
                      float *restrict o0, float *restrict o1, float *restrict o2, float *restrict o3,
                      float *restrict o4, float *restrict o5) {
    for (int64_t t = 0; t < n; t++) {
        const float s = g0[t] + g2[t], q = g0[t] * (1.0f / 24.0f) + g2[t] * (1.0f / 6.0f);
        o0[t] = g0[t] * 0.25f;
        o1[t] = -(s + g1[t]) * (1.0f / 6.0f);
        o2[t] = -(s - g1[t]) * (1.0f / 6.0f);
        o3[t] = q + g1[t] * (1.0f / 12.0f);
        o4[t] = q - g1[t] * (1.0f / 12.0f);
        o5[t] = g2[t];
    }
}

// One filter row at a time: gather its 3x3 taps to [tap][col], then two passes vectorised over the columns.
GK_CLONES static void filter_k(const float *w, int64_t cout, int64_t cin, int flip, int64_t r0, int64_t r1,
                               float *u, int64_t ks) {
    const int64_t ncol = flip ? cout : cin;
    float *g = gk_alloc(sizeof(float) * (size_t)(27 * ncol));   // [9 taps][col], then G g: [6][3][col]
    float *t = g + 9 * ncol;
    for (int64_t r = r0; r < r1; r++) {
        if (flip)   // g[k][c] = w[c][r][8 - k]
            for (int64_t c = 0; c < ncol; c++) {
                const float *src = w + (c * cin + r) * 9;
                for (int64_t k = 0; k < 9; k++) g[k * ncol + c] = src[8 - k];
            }
        else
            for (int64_t c = 0; c < ncol; c++) {
                const float *src = w + (r * cin + c) * 9;
                for (int64_t k = 0; k < 9; k++) g[k * ncol + c] = src[k];
            }
        for (int64_t kc = 0; kc < 3; kc++)   // G along the kernel rows, one kernel column at a time
            pass_g(ncol, g + kc * ncol, g + (3 + kc) * ncol, g + (6 + kc) * ncol, t + kc * ncol, t + (3 + kc) * ncol,
                   t + (6 + kc) * ncol, t + (9 + kc) * ncol, t + (12 + kc) * ncol, t + (15 + kc) * ncol);
        float *ur = u + (r - r0) * ncol;
        for (int64_t i = 0; i < 6; i++) {   // then along the kernel columns
            const float *ti = t + 3 * i * ncol;
            float *o = ur + 6 * i * ks;
            pass_g(ncol, ti, ti + ncol, ti + 2 * ncol, o, o + ks, o + 2 * ks, o + 3 * ks, o + 4 * ks, o + 5 * ks);
        }
    }
    gk_free(g);
}

// G^T: 6 -> 3 (the filter gradient's 1-D pass).
GK_INLINE void pass_gt(int64_t n, const float *restrict v0, const float *restrict v1, const float *restrict v2,
                       const float *restrict v3, const float *restrict v4, const float *restrict v5,
                       float *restrict o0, float *restrict o1, float *restrict o2) {
    for (int64_t t = 0; t < n; t++) {
        const float a = v1[t] + v2[t], b = v1[t] - v2[t], c = v3[t] + v4[t], d = v3[t] - v4[t];
        o0[t] = v0[t] * 0.25f - a * (1.0f / 6.0f) + c * (1.0f / 24.0f);
        o1[t] = -b * (1.0f / 6.0f) + d * (1.0f / 12.0f);
        o2[t] = (c - a) * (1.0f / 6.0f) + v5[t];
    }
}

GK_CLONES static void filter_grad_k(const float *du, int64_t ns, int64_t ss, int64_t ks, int64_t cout, int64_t cin,
                                    int64_t o0, int64_t o1, float *dw) {
    (void)cout;   // rows are addressed from o0; kept for the shape of the call
    float *acc = gk_alloc(sizeof(float) * (size_t)(63 * cin));   // [36][cin] sums, [6][3][cin], [3][3][cin]
    float *t = acc + 36 * cin, *res = t + 18 * cin;
    for (int64_t o = o0; o < o1; o++) {
        for (int64_t k = 0; k < 36; k++) {
            float *restrict a = acc + k * cin;
            const float *restrict src = du + k * ks + (o - o0) * cin;
            for (int64_t c = 0; c < cin; c++) a[c] = src[c];
            for (int64_t s = 1; s < ns; s++)   // partial sums in a fixed order
                for (int64_t c = 0; c < cin; c++) a[c] += src[s * ss + c];
        }
        for (int64_t i = 0; i < 6; i++) {   // dU G along the columns j
            const float *ai = acc + 6 * i * cin;
            pass_gt(cin, ai, ai + cin, ai + 2 * cin, ai + 3 * cin, ai + 4 * cin, ai + 5 * cin, t + 3 * i * cin,
                    t + (3 * i + 1) * cin, t + (3 * i + 2) * cin);
        }
        for (int64_t kc = 0; kc < 3; kc++)   // then G^T along the rows i: res[kh*3 + kc]
            pass_gt(cin, t + kc * cin, t + (3 + kc) * cin, t + (6 + kc) * cin, t + (9 + kc) * cin,
                    t + (12 + kc) * cin, t + (15 + kc) * cin, res + kc * cin, res + (3 + kc) * cin,
                    res + (6 + kc) * cin);
        float *restrict d = dw + o * cin * 9;
        for (int64_t c = 0; c < cin; c++)
            for (int64_t k = 0; k < 9; k++) d[c * 9 + k] = res[k * cin + c];
    }
    gk_free(acc);
}

// Clones cannot carry hidden visibility, so the internal entry points are thin wrappers.
void gk_wino_input(const gk_wino_plan *p, const float *x, int64_t c0, int64_t c1, int64_t r0, int64_t r1, float *v,
                   int64_t ks, int64_t cs) {
    input_k(p, x, c0, c1, r0, r1, v, ks, cs);
}
void gk_wino_output(const gk_wino_plan *p, const float *m, int64_t ks, int64_t cs, int64_t o0, int64_t o1, int64_t r0,
                    int64_t r1, const float *bias, int act, float *y) {
    output_k(p, m, ks, cs, o0, o1, r0, r1, bias, act, y);
}
void gk_wino_grad_output(const gk_wino_plan *p, const float *dy, int64_t o0, int64_t o1, int64_t r0, int64_t r1,
                         float *w, int64_t ks, int64_t cs) {
    grad_output_k(p, dy, o0, o1, r0, r1, w, ks, cs);
}
void gk_wino_filter(const float *w, int64_t cout, int64_t cin, int flip, int64_t r0, int64_t r1, float *u,
                    int64_t ks) {
    filter_k(w, cout, cin, flip, r0, r1, u, ks);
}
void gk_wino_filter_grad(const float *du, int64_t ns, int64_t ss, int64_t ks, int64_t cout, int64_t cin, int64_t o0,
                         int64_t o1, float *dw) {
    filter_grad_k(du, ns, ss, ks, cout, cin, o0, o1, dw);
}
