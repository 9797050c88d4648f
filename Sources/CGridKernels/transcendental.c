// Vectorisable float exp/log/expm1/log1p/tanh/sigmoid/softplus and fused activation kernels (gk_math.h).
// Every function body is branch-free: special cases (overflow, underflow, NaN, +-inf, x <= 0 for log) are handled by
// selects, so the loops auto-vectorise in each target_clones clone (8 lanes on AVX2, 16 on AVX-512) instead of
// calling libm per element. The helpers are always_inline so that they are compiled inside each clone.
//
// exp/expm1: x = n*ln2 + r, |r| <= ln2/2 (Cody-Waite, ln2 split so n*C1 is exact), expm1(r) by a degree-8 Taylor
// polynomial (truncation < 1e-9 relative), then exp = (1 + p) * 2^n (scaled in two steps so 2^n never overflows
// before the result does), expm1 = 2 * (2^(n-1) * p + (2^(n-1) - 1/2)) (exact rescaling, one rounding), or p for n = 0.
// log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), Cephes' logf polynomial in m - 1. log1p(u) = log(1+u) + the
// rounding error of 1+u divided by 1+u. tanh: odd polynomial for |x| < 0.625 (Cephes tanhf), else
// -expm1(-2|x|) / (2 + expm1(-2|x|)). sigmoid: e = exp(-|x|), (x >= 0 ? 1 : e) / (1 + e).
// Only round-to-nearest and IEEE semantics are assumed (no -ffast-math); FMA contraction in the AVX2/AVX-512 clones
// may change the last bit against the baseline clone, never between thread counts.
#include "gk_internal.h"
#include "gk_math.h"
#include <float.h>
#include <math.h>
#include <string.h>

#define TR_MIN_PARALLEL ((int64_t)1 << 15)   // ~20 flops per element: pool pays off earlier than for plain adds

GK_INLINE uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
GK_INLINE float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
GK_INLINE float sel(int c, float a, float b) { return c ? a : b; }
GK_INLINE float fabs_(float x) { return u2f(f2u(x) & 0x7fffffffu); }
GK_INLINE float copysign_(float mag, float sgn) { return u2f((f2u(mag) & 0x7fffffffu) | (f2u(sgn) & 0x80000000u)); }
GK_INLINE float pow2i(int32_t k) { return u2f((uint32_t)(k + 127) << 23); }   // 2^k, k in [-126, 127]

#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f            // 355/512: n * LN2_HI is exact for |n| < 2^15
#define LN2_LO -2.12194440e-4f         // ln 2 - LN2_HI
#define ROUND_MAGIC 12582912.0f        // 1.5 * 2^23: adding it rounds to an integer, kept in the low mantissa bits
#define EXP_HI 88.72283935546875f      // largest x with exp(x) finite in float is just below this
#define EXP_LO -104.0f                 // exp(x) < half the smallest denormal below this

// Reduces x (|x| <= ~200) to r in [-ln2/2, ln2/2] and n = round(x / ln2); returns expm1(r).
GK_INLINE float expm1_reduced(float x, int32_t *n_out) {
    float t = x * LOG2E + ROUND_MAGIC;
    int32_t n = (int32_t)(f2u(t) - f2u(ROUND_MAGIC));
    float nf = t - ROUND_MAGIC;
    float r = x - nf * LN2_HI;   // exact
    r = r - nf * LN2_LO;
    float p = 2.48015873e-5f;    // 1/8!
    p = p * r + 1.98412698e-4f;  // 1/7!
    p = p * r + 1.38888889e-3f;  // 1/6!
    p = p * r + 8.33333333e-3f;  // 1/5!
    p = p * r + 4.16666667e-2f;  // 1/4!
    p = p * r + 1.66666667e-1f;  // 1/3!
    p = p * r + 0.5f;
    *n_out = n;
    return r + (r * r) * p;
}

GK_INLINE float exp_f(float x) {
    float xc = x > EXP_HI + 1.0f ? EXP_HI + 1.0f : x;   // clamp keeps n in [-151, 129]; the scale overflows to inf
    xc = xc < EXP_LO ? EXP_LO : xc;                      // or underflows to 0 exactly as exp would
    int32_t n;
    float p = expm1_reduced(xc, &n);
    int32_t k1 = n >> 1, k2 = n - k1;
    float y = ((1.0f + p) * pow2i(k1)) * pow2i(k2);
    return sel(x != x, x, y);
}

GK_INLINE float expm1_f(float x) {
    float xc = x > EXP_HI ? EXP_HI : x;   // n <= 128, so 2^(n-1) is finite
    xc = xc < -30.0f ? -30.0f : xc;       // expm1(-30) rounds to -1
    int32_t n;
    float p = expm1_reduced(xc, &n);
    float s = pow2i(n - 1);
    float y = 2.0f * (s * p + (s - 0.5f));
    y = sel(n == 0, p, y);                                 // also keeps tiny |x| from flushing in s * p
    y = sel(x > EXP_HI, INFINITY, y);
    return sel(x != x, x, y);
}

// Cephes logf core on positive normal x: returns log(x).
GK_INLINE float log_core(float x) {
    uint32_t u = f2u(x);
    int32_t e = (int32_t)(u >> 23) - 126;                  // x = m * 2^e, m in [0.5, 1)
    float m = u2f((u & 0x007fffffu) | 0x3f000000u);
    int lt = m < 0.70710678118654752f;
    e = lt ? e - 1 : e;
    m = lt ? m + m - 1.0f : m - 1.0f;                      // exact (Sterbenz)
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    float ef = (float)e;
    y = y + ef * LN2_LO;
    y = y - 0.5f * z;
    return (m + y) + ef * LN2_HI;
}

GK_INLINE float log_f(float x) {
    int sub = x < FLT_MIN;                                 // denormals (when DAZ is off) scaled into the normal range
    float xs = sub ? x * 8388608.0f : x;                   // 2^23
    float xp = xs > 0.0f ? xs : 1.0f;                      // keep the core away from 0, negatives, inf, NaN
    xp = xp < INFINITY ? xp : 1.0f;
    float y = log_core(xp) - (sub ? 15.9423851528787f : 0.0f);   // 23 ln 2
    y = sel(x == INFINITY, INFINITY, y);
    y = sel(x == 0.0f, -INFINITY, y);
    y = sel(x < 0.0f, NAN, y);
    return sel(x != x, x, y);
}

GK_INLINE float log1p_f(float u) {
    float w = 1.0f + u;
    float wp = w > 0.0f ? w : 1.0f;
    wp = wp < INFINITY ? wp : 1.0f;
    float c = (u - (wp - 1.0f)) / wp;                      // rounding error of 1 + u, relative to it
    float y = log_core(wp) + c;
    y = sel(w == 1.0f, u, y);                              // |u| < 2^-24: log1p(u) = u
    y = sel(w == INFINITY, INFINITY, y);
    y = sel(w == 0.0f, -INFINITY, y);
    y = sel(w < 0.0f, NAN, y);
    return sel(u != u, u, y);
}

GK_INLINE float tanh_f(float x) {
    float ax = fabs_(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = (p * z) * ax + ax;
    float axc = ax > 10.0f ? 10.0f : ax;                   // tanh(10) rounds to 1
    float em = expm1_f(-2.0f * axc);
    float big = -em / (2.0f + em);
    float y = copysign_(sel(ax < 0.625f, small, big), x);  // odd: also keeps tanh(-0) = -0
    return sel(x != x, x, y);
}

GK_INLINE float sigmoid_f(float x) {
    float e = exp_f(-fabs_(x));                            // in (0, 1]: never overflows
    float y = sel(x >= 0.0f, 1.0f, e) / (1.0f + e);
    return sel(x != x, x, y);
}

GK_INLINE float softplus_f(float x) {
    float pos = x > 0.0f ? x : 0.0f;
    float y = pos + log1p_f(exp_f(-fabs_(x)));
    y = sel(x > 20.0f, x, y);
    return sel(x != x, x, y);
}

#define GELU_C 0.7978845608028654f   // sqrt(2/pi)
#define GELU_A 0.044715f

// ---- kernels (one clone set each) ------------------------------------------------------------------------------
GK_CLONES static void exp_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = exp_f(x[i]);
}
GK_CLONES static void log_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = log_f(x[i]);
}
GK_CLONES static void expm1_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = expm1_f(x[i]);
}
GK_CLONES static void log1p_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = log1p_f(x[i]);
}
GK_CLONES static void tanh_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = tanh_f(x[i]);
}
GK_CLONES static void sigmoid_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid_f(x[i]);
}
GK_CLONES static void softplus_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = softplus_f(x[i]);
}
GK_CLONES static void sigmoid_back_k(int64_t n, const float *restrict y, const float *restrict g, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = (y[i] * (1.0f - y[i])) * g[i];
}
GK_CLONES static void tanh_back_k(int64_t n, const float *restrict y, const float *restrict g, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = (1.0f - y[i] * y[i]) * g[i];
}
GK_CLONES static void softplus_back_k(int64_t n, const float *restrict x, const float *restrict g, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = sigmoid_f(x[i]) * g[i];
}
GK_CLONES static void log_back_k(int64_t n, const float *restrict x, const float *restrict g, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = g[i] / x[i];
}
GK_CLONES static void gate_fwd_k(int64_t n, const float *restrict a, const float *restrict b, float *restrict y,
                                 float *restrict ta, float *restrict sb) {
    for (int64_t i = 0; i < n; i++) {
        float t = tanh_f(a[i]), s = sigmoid_f(b[i]);
        ta[i] = t;
        sb[i] = s;
        y[i] = t * s;
    }
}
GK_CLONES static void gate_back_k(int64_t n, const float *restrict ta, const float *restrict sb, const float *restrict g,
                                  float *restrict da, float *restrict db) {
    for (int64_t i = 0; i < n; i++) {
        float t = ta[i], s = sb[i], gi = g[i];
        da[i] = ((1.0f - t * t) * s) * gi;
        db[i] = ((t * s) * (1.0f - s)) * gi;
    }
}
GK_CLONES static void leaky_fwd_k(int64_t n, const float *restrict x, float slope, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}
GK_CLONES static void leaky_back_k(int64_t n, const float *restrict x, const float *restrict g, float slope,
                                   float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = (x[i] > 0.0f ? 1.0f : slope) * g[i];
}
GK_CLONES static void elu_fwd_k(int64_t n, const float *restrict x, float alpha, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * expm1_f(x[i]);
}
GK_CLONES static void elu_back_k(int64_t n, const float *restrict x, const float *restrict y, const float *restrict g,
                                 float alpha, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = (x[i] > 0.0f ? 1.0f : y[i] + alpha) * g[i];
}
GK_CLONES static void gelu_tanh_fwd_k(int64_t n, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_C * (v + GELU_A * v * v * v);
        y[i] = v * sigmoid_f(2.0f * u);
    }
}
GK_CLONES static void gelu_tanh_back_k(int64_t n, const float *restrict x, const float *restrict g, float *restrict dx) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_C * (v + GELU_A * v * v * v);
        float s = sigmoid_f(2.0f * u);
        // d/dx x*s(2u) = s + 2x s(1-s) u'; 0.5(1+tanh u) = s and 1 - tanh^2 u = 4s(1-s)
        float d = s + 2.0f * v * (s * (1.0f - s)) * (GELU_C * (1.0f + 3.0f * GELU_A * v * v));
        d = fabs_(v) > 10.0f ? s : d;   // s is exactly 0 or 1 there; avoids 0 * inf
        dx[i] = d * g[i];
    }
}

// ---- dispatch over the pool --------------------------------------------------------------------------------------
enum { T_EXP, T_LOG, T_EXPM1, T_LOG1P, T_TANH, T_SIGMOID, T_SOFTPLUS, T_SIGMOID_B, T_TANH_B, T_SOFTPLUS_B, T_LOG_B,
       T_GATE_F, T_GATE_B, T_LEAKY_F, T_LEAKY_B, T_ELU_F, T_ELU_B, T_GELU_T_F, T_GELU_T_B };

typedef struct {
    int op;
    int64_t n;
    float s;
    const float *a, *b, *c;
    float *o, *o2, *o3;
} tr_args;

static void tr_range(const tr_args *e, int64_t lo, int64_t hi) {
    const int64_t k = hi - lo;
    const float *a = e->a ? e->a + lo : NULL, *b = e->b ? e->b + lo : NULL, *c = e->c ? e->c + lo : NULL;
    float *o = e->o + lo, *o2 = e->o2 ? e->o2 + lo : NULL, *o3 = e->o3 ? e->o3 + lo : NULL;
    switch (e->op) {
    case T_EXP: exp_k(k, a, o); break;
    case T_LOG: log_k(k, a, o); break;
    case T_EXPM1: expm1_k(k, a, o); break;
    case T_LOG1P: log1p_k(k, a, o); break;
    case T_TANH: tanh_k(k, a, o); break;
    case T_SIGMOID: sigmoid_k(k, a, o); break;
    case T_SOFTPLUS: softplus_k(k, a, o); break;
    case T_SIGMOID_B: sigmoid_back_k(k, a, b, o); break;
    case T_TANH_B: tanh_back_k(k, a, b, o); break;
    case T_SOFTPLUS_B: softplus_back_k(k, a, b, o); break;
    case T_LOG_B: log_back_k(k, a, b, o); break;
    case T_GATE_F: gate_fwd_k(k, a, b, o, o2, o3); break;
    case T_GATE_B: gate_back_k(k, a, b, c, o, o2); break;
    case T_LEAKY_F: leaky_fwd_k(k, a, e->s, o); break;
    case T_LEAKY_B: leaky_back_k(k, a, b, e->s, o); break;
    case T_ELU_F: elu_fwd_k(k, a, e->s, o); break;
    case T_ELU_B: elu_back_k(k, a, b, c, e->s, o); break;
    case T_GELU_T_F: gelu_tanh_fwd_k(k, a, o); break;
    case T_GELU_T_B: gelu_tanh_back_k(k, a, b, o); break;
    }
}

static void tr_part(void *vc, int part, int nparts) {
    const tr_args *e = vc;
    int64_t blocks = (e->n + 15) / 16, lo, hi;   // contiguous ranges on 16-float boundaries
    gk_range(blocks, part, nparts, &lo, &hi);
    lo *= 16;
    hi = hi * 16 < e->n ? hi * 16 : e->n;
    if (lo < hi) tr_range(e, lo, hi);
}

static void tr_run(tr_args e) {
    gk_enable_flush_to_zero();
    if (e.n <= 0) return;
    int parts = 1;
    if (e.n >= TR_MIN_PARALLEL) parts = gk_parts_for(e.n / 4096, 16.0 * (double)e.n);
    gk_parallel(parts, tr_part, &e, 0);
}

void gk_exp(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_EXP, .n = n, .a = x, .o = y}); }
void gk_log(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_LOG, .n = n, .a = x, .o = y}); }
void gk_expm1(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_EXPM1, .n = n, .a = x, .o = y}); }
void gk_log1p(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_LOG1P, .n = n, .a = x, .o = y}); }
void gk_tanh(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_TANH, .n = n, .a = x, .o = y}); }
void gk_sigmoid(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_SIGMOID, .n = n, .a = x, .o = y}); }
void gk_softplus(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_SOFTPLUS, .n = n, .a = x, .o = y}); }
void gk_sigmoid_backward(int64_t n, const float *y, const float *g, float *dx) {
    tr_run((tr_args){.op = T_SIGMOID_B, .n = n, .a = y, .b = g, .o = dx});
}
void gk_tanh_backward(int64_t n, const float *y, const float *g, float *dx) {
    tr_run((tr_args){.op = T_TANH_B, .n = n, .a = y, .b = g, .o = dx});
}
void gk_softplus_backward(int64_t n, const float *x, const float *g, float *dx) {
    tr_run((tr_args){.op = T_SOFTPLUS_B, .n = n, .a = x, .b = g, .o = dx});
}
void gk_log_backward(int64_t n, const float *x, const float *g, float *dx) {
    tr_run((tr_args){.op = T_LOG_B, .n = n, .a = x, .b = g, .o = dx});
}
void gk_gate_forward(int64_t n, const float *a, const float *b, float *y, float *ta, float *sb) {
    tr_run((tr_args){.op = T_GATE_F, .n = n, .a = a, .b = b, .o = y, .o2 = ta, .o3 = sb});
}
void gk_gate_backward(int64_t n, const float *ta, const float *sb, const float *g, float *da, float *db) {
    tr_run((tr_args){.op = T_GATE_B, .n = n, .a = ta, .b = sb, .c = g, .o = da, .o2 = db});
}
void gk_leaky_relu_forward(int64_t n, const float *x, float slope, float *y) {
    tr_run((tr_args){.op = T_LEAKY_F, .n = n, .a = x, .s = slope, .o = y});
}
void gk_leaky_relu_backward(int64_t n, const float *x, const float *g, float slope, float *dx) {
    tr_run((tr_args){.op = T_LEAKY_B, .n = n, .a = x, .b = g, .s = slope, .o = dx});
}
void gk_elu_forward(int64_t n, const float *x, float alpha, float *y) {
    tr_run((tr_args){.op = T_ELU_F, .n = n, .a = x, .s = alpha, .o = y});
}
void gk_elu_backward(int64_t n, const float *x, const float *y, const float *g, float alpha, float *dx) {
    tr_run((tr_args){.op = T_ELU_B, .n = n, .a = x, .b = y, .c = g, .s = alpha, .o = dx});
}
void gk_gelu_tanh_forward(int64_t n, const float *x, float *y) { tr_run((tr_args){.op = T_GELU_T_F, .n = n, .a = x, .o = y}); }
void gk_gelu_tanh_backward(int64_t n, const float *x, const float *g, float *dx) {
    tr_run((tr_args){.op = T_GELU_T_B, .n = n, .a = x, .b = g, .o = dx});
}
