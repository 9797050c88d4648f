// Winograd F(6x6, 3x3) tile transforms for inference (points 0, +-1, +-2, +-1/2, inf): input V = B^T d B
// (8x8 -> 8x8), filter U = G g G^T (3x3 -> 8x8), output y = A^T m A (8x8 -> 6x6). 64 products per 36 outputs
// instead of F(4x4)'s 36 per 16 (1.78 instead of 2.25 multiplies per output); the larger constants (B^T's 21/4,
// A^T's 32) cost accuracy, measured against the direct kernel in WinogradTests. Laid out like winograd_tx.c:
// plane 8i + j is row transform i, column transform j; every pass runs along a whole tile row at once.
#include "winograd.h"
#include <math.h>
#include <string.h>

// B^T: 8 -> 8 (Lavin & Gray's F(6,3) matrix, factored as in the usual even/odd pairs).
GK_INLINE void pass_bt8(int64_t n, const float *restrict d0, const float *restrict d1, const float *restrict d2,
                        const float *restrict d3, const float *restrict d4, const float *restrict d5,
                        const float *restrict d6, const float *restrict d7, float *restrict o0, float *restrict o1,
                        float *restrict o2, float *restrict o3, float *restrict o4, float *restrict o5,
                        float *restrict o6, float *restrict o7) {
    for (int64_t t = 0; t < n; t++) {
        o0[t] = d0[t] - d6[t] + 5.25f * (d4[t] - d2[t]);
        o7[t] = d7[t] - d1[t] + 5.25f * (d3[t] - d5[t]);
        const float a1 = d2[t] + d6[t] - 4.25f * d4[t], b1 = d1[t] + d5[t] - 4.25f * d3[t];
        o1[t] = a1 + b1;
        o2[t] = a1 - b1;
        const float a2 = d6[t] + 0.25f * d2[t] - 1.25f * d4[t], b2 = 0.5f * d1[t] - 2.5f * d3[t] + 2.0f * d5[t];
        o3[t] = a2 + b2;
        o4[t] = a2 - b2;
        const float a3 = d6[t] + 4.0f * d2[t] - 5.0f * d4[t], b3 = 2.0f * d1[t] - 2.5f * d3[t] + 0.5f * d5[t];
        o5[t] = a3 + b3;
        o6[t] = a3 - b3;
    }
}

// A^T: 8 -> 6, plus a constant (the bias on the second pass); relu clamps at 0 (the fused epilogue).
GK_INLINE void pass_at8(int64_t n, const float *restrict m0, const float *restrict m1, const float *restrict m2,
                        const float *restrict m3, const float *restrict m4, const float *restrict m5,
                        const float *restrict m6, const float *restrict m7, float bias, float *restrict o0,
                        float *restrict o1, float *restrict o2, float *restrict o3, float *restrict o4,
                        float *restrict o5, int relu) {
    const float lo = relu ? 0.0f : -INFINITY;
    for (int64_t t = 0; t < n; t++) {
        const float a = m1[t] + m2[t], b = m1[t] - m2[t], c = m3[t] + m4[t], d = m3[t] - m4[t];
        const float e = m5[t] + m6[t], f = m5[t] - m6[t];
        const float v0 = m0[t] + a + c + e + bias, v1 = b + 2.0f * d + 0.5f * f + bias;
        const float v2 = a + 4.0f * c + 0.25f * e + bias, v3 = b + 8.0f * d + 0.125f * f + bias;
        const float v4 = a + 16.0f * c + 0.0625f * e + bias, v5 = b + 32.0f * d + 0.03125f * f + m7[t] + bias;
        o0[t] = v0 < lo ? lo : v0;
        o1[t] = v1 < lo ? lo : v1;
        o2[t] = v2 < lo ? lo : v2;
        o3[t] = v3 < lo ? lo : v3;
        o4[t] = v4 < lo ? lo : v4;
        o5[t] = v5 < lo ? lo : v5;
    }
}

// G: 3 -> 8.
GK_INLINE void pass_g8(int64_t n, const float *restrict g0, const float *restrict g1, const float *restrict g2,
                       float *restrict o0, float *restrict o1, float *restrict o2, float *restrict o3,
                       float *restrict o4, float *restrict o5, float *restrict o6, float *restrict o7) {
    for (int64_t t = 0; t < n; t++) {
        const float s = g0[t] + g2[t];
        const float p = g0[t] * (1.0f / 90.0f) + g2[t] * (2.0f / 45.0f), q = g0[t] * (32.0f / 45.0f) + g2[t] * (8.0f / 45.0f);
        o0[t] = g0[t];
        o1[t] = -(s + g1[t]) * (2.0f / 9.0f);
        o2[t] = -(s - g1[t]) * (2.0f / 9.0f);
        o3[t] = p + g1[t] * (1.0f / 45.0f);
        o4[t] = p - g1[t] * (1.0f / 45.0f);
        o5[t] = q + g1[t] * (16.0f / 45.0f);
        o6[t] = q - g1[t] * (16.0f / 45.0f);
        o7[t] = g2[t];
    }
}

GK_CLONES static void input6_k(const gk_wino_plan *p, const float *x, int64_t c0, int64_t c1, int64_t r0, int64_t r1,
                               float *v, int64_t ks, int64_t cs) {
    const int64_t nt = p->ntx, L = nt + 1, isz = p->ih * p->iw, e6 = 6 * L;   // tiles overlap by 2: one more column
    float *buf = gk_alloc(sizeof(float) * (size_t)(96 * L));
    float *xq = buf, *tq = buf + 48 * L;   // [8 rows][6 phases][L]
    for (int64_t c = c0; c < c1; c++)
        for (int64_t r = r0; r < r1; r++) {
            const int64_t n = r / p->nty, y0 = (r % p->nty) * 6 - p->ph;
            const float *plane = x + (n * p->cin + c) * isz;
            for (int64_t i = 0; i < 8; i++) {
                const int64_t yy = y0 + i;
                gk_wino_split_row(6, yy >= 0 && yy < p->ih ? plane + yy * p->iw : NULL, p->iw, p->pw, L, xq + i * e6);
            }
            // columns: B^T d (all 6 phases at once)
            pass_bt8(e6, xq, xq + e6, xq + 2 * e6, xq + 3 * e6, xq + 4 * e6, xq + 5 * e6, xq + 6 * e6, xq + 7 * e6, tq,
                     tq + e6, tq + 2 * e6, tq + 3 * e6, tq + 4 * e6, tq + 5 * e6, tq + 6 * e6, tq + 7 * e6);
            // rows: (B^T d) B; tile tx's 8 columns are phases 0-5 of tx and 0-1 of tx + 1
            float *vo = v + (c - c0) * cs + (r - r0) * nt;
            for (int64_t i = 0; i < 8; i++) {
                const float *s = tq + i * e6;
                float *o = vo + 8 * i * ks;
                pass_bt8(nt, s, s + L, s + 2 * L, s + 3 * L, s + 4 * L, s + 5 * L, s + 1, s + L + 1, o, o + ks,
                         o + 2 * ks, o + 3 * ks, o + 4 * ks, o + 5 * ks, o + 6 * ks, o + 7 * ks);
            }
        }
    gk_free(buf);
}

GK_CLONES static void output6_k(const gk_wino_plan *p, const float *m, int64_t ks, int64_t cs, int64_t o0, int64_t o1,
                                int64_t r0, int64_t r1, const float *bias, int act, float *y) {
    const int64_t nt = p->ntx, osz = p->oh * p->ow;
    float *buf = gk_alloc(sizeof(float) * (size_t)(54 * nt));
    float *s = buf, *yq = buf + 48 * nt;   // s: [6 a][8 j][nt], yq: [6 b][nt]
    const int64_t full = p->ow / 6;        // tiles whose 6 columns all exist
    for (int64_t o = o0; o < o1; o++) {
        const float b = bias ? bias[o] : 0.0f;
        for (int64_t r = r0; r < r1; r++) {
            const int64_t n = r / p->nty, y0 = (r % p->nty) * 6;
            float *plane = y + (n * p->cout + o) * osz;
            const float *mb = m + (o - o0) * cs + (r - r0) * nt;
            for (int64_t j = 0; j < 8; j++) {   // columns: A^T m
                const float *mj = mb + j * ks;
                pass_at8(nt, mj, mj + 8 * ks, mj + 16 * ks, mj + 24 * ks, mj + 32 * ks, mj + 40 * ks, mj + 48 * ks,
                         mj + 56 * ks, 0.0f, s + j * nt, s + (8 + j) * nt, s + (16 + j) * nt, s + (24 + j) * nt,
                         s + (32 + j) * nt, s + (40 + j) * nt, 0);
            }
            // rows: (A^T m) A + bias, then the 6 phases interleaved back into the output row
            for (int64_t i = 0; i < 6 && y0 + i < p->oh; i++) {
                const float *si = s + 8 * i * nt;
                pass_at8(nt, si, si + nt, si + 2 * nt, si + 3 * nt, si + 4 * nt, si + 5 * nt, si + 6 * nt, si + 7 * nt,
                         b, yq, yq + nt, yq + 2 * nt, yq + 3 * nt, yq + 4 * nt, yq + 5 * nt, act == GK_ACT_RELU);
                float *restrict row = plane + (y0 + i) * p->ow;
                for (int64_t t = 0; t < full; t++)
                    for (int q = 0; q < 6; q++) row[6 * t + q] = yq[q * nt + t];
                for (int64_t col = 6 * full; col < p->ow; col++) row[col] = yq[(col % 6) * nt + col / 6];
                if (act > GK_ACT_RELU) gk_activate_rows(act, 1, p->ow, p->ow, NULL, row);   // relu: in pass_at8
            }
        }
    }
    gk_free(buf);
}

// One filter row (output channel) at a time: its 3x3 taps gathered to [tap][cin], then G along the kernel rows and
// along the kernel columns, vectorised over the input channels.
GK_CLONES static void filter6_k(const float *w, int64_t cin, int64_t r0, int64_t r1, float *u, int64_t ks) {
    float *g = gk_alloc(sizeof(float) * (size_t)(33 * cin));   // [9 taps][cin], then G g: [8][3][cin]
    float *t = g + 9 * cin;
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t c = 0; c < cin; c++)
            for (int64_t k = 0; k < 9; k++) g[k * cin + c] = w[(r * cin + c) * 9 + k];
        for (int64_t kc = 0; kc < 3; kc++)
            pass_g8(cin, g + kc * cin, g + (3 + kc) * cin, g + (6 + kc) * cin, t + kc * cin, t + (3 + kc) * cin,
                    t + (6 + kc) * cin, t + (9 + kc) * cin, t + (12 + kc) * cin, t + (15 + kc) * cin,
                    t + (18 + kc) * cin, t + (21 + kc) * cin);
        float *ur = u + (r - r0) * cin;
        for (int64_t i = 0; i < 8; i++) {
            const float *ti = t + 3 * i * cin;
            float *o = ur + 8 * i * ks;
            pass_g8(cin, ti, ti + cin, ti + 2 * cin, o, o + ks, o + 2 * ks, o + 3 * ks, o + 4 * ks, o + 5 * ks,
                    o + 6 * ks, o + 7 * ks);
        }
    }
    gk_free(g);
}

void gk_wino6_input(const gk_wino_plan *p, const float *x, int64_t c0, int64_t c1, int64_t r0, int64_t r1, float *v,
                    int64_t ks, int64_t cs) {
    input6_k(p, x, c0, c1, r0, r1, v, ks, cs);
}
void gk_wino6_output(const gk_wino_plan *p, const float *m, int64_t ks, int64_t cs, int64_t o0, int64_t o1, int64_t r0,
                     int64_t r1, const float *bias, int act, float *y) {
    output6_k(p, m, ks, cs, o0, o1, r0, r1, bias, act, y);
}
void gk_wino6_filter(const float *w, int64_t cin, int64_t r0, int64_t r1, float *u, int64_t ks) {
    filter6_k(w, cin, r0, r1, u, ks);
}
