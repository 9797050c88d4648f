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
#include "gk_fastmath.h"
#include <float.h>
#include <math.h>
#include <string.h>

#define TR_MIN_PARALLEL ((int64_t)1 << 15)   // ~20 flops per element: pool pays off earlier than for plain adds

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
// Training: tanh(a) and sigmoid(b) kept for the backward pass. Both through exp of a non-positive argument (one
// scale factor, results below FLT_MIN flushed): tanh|a| = (1 - e) / (1 + e) with e = exp(-2|a|) <= exp(-1.25) (no
// cancellation) or the small-argument polynomial; 1.5 instead of 2.1 ns per value, errors <= 1.5e-7 / 1.7e-7.
GK_CLONES static void gate_fwd_k(int64_t n, const float *restrict a, const float *restrict b, float *restrict y,
                                 float *restrict ta, float *restrict sb) {
    for (int64_t i = 0; i < n; i++) {
        const float x = a[i], ax = fabs_(x), bi = b[i];
        const float ea = exp_neg_f(-2.0f * (ax > 10.0f ? 10.0f : ax));
        const float t = copysign_(sel(ax < 0.625f, tanh_small(x * x, ax), (1.0f - ea) / (1.0f + ea)), x);
        const float e = exp_neg_f(-fabs_(bi));
        const float s = sel(bi >= 0.0f, 1.0f, e) / (1.0f + e);
        const float tt = sel(x != x, x, t), ss = sel(bi != bi, bi, s);
        ta[i] = tt;
        sb[i] = ss;
        y[i] = tt * ss;
    }
}
// Inference: tanh(a) * sigmoid(b) as one fraction, (tanh numerator * sigmoid numerator) / (product of the
// denominators), so one division instead of two (the denominators are in [1, 2] and [1, ~500]: no overflow, no
// cancellation). tanh by the rational form: 30% faster than through expm1, <= 4e-7 relative error for the product.
GK_CLONES static void gate_fwd_only_k(int64_t n, const float *restrict a, const float *restrict b, float *restrict y) {
    for (int64_t i = 0; i < n; i++) {
        const float x = a[i], bi = b[i];
        float tn, td;
        tanh_rational(x, &tn, &td);
        const float e = exp_neg_f(-fabs_(bi));
        const float r = tn * sel(bi >= 0.0f, 1.0f, e) / (td * (1.0f + e));
        y[i] = sel(x != x || bi != bi, x + bi, r);
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
    case T_GATE_F:
        if (e->o2) gate_fwd_k(k, a, b, o, o2, o3);
        else gate_fwd_only_k(k, a, b, o);   // inference: nothing kept for a backward pass
        break;
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
    GK_FTZ_SCOPE;
    if (e.n <= 0) return;
    int parts = 1;
    if (e.n >= TR_MIN_PARALLEL) parts = gk_parts_for(e.n / 4096, 16.0 * (double)e.n);
    gk_parallel(parts, tr_part, &e);
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
GK_HIDDEN void gk_gate_rows(int64_t n, const float *a, const float *b, float *y) { gate_fwd_only_k(n, a, b, y); }
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

// ---- activation epilogues of fused convolutions (inference plans) ---------------------------------------------
GK_CLONES static void act_rows_k(int act, int64_t rows, int64_t cols, int64_t ld, const float *bias, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        float *restrict yr = y + r * ld;
        const float b = bias ? bias[r] : 0.0f;
        switch (act) {
        case GK_ACT_RELU:
            for (int64_t i = 0; i < cols; i++) { const float v = yr[i] + b; yr[i] = v < 0.0f ? 0.0f : v; }
            break;
        case GK_ACT_SIGMOID:
            for (int64_t i = 0; i < cols; i++) yr[i] = sigmoid_f(yr[i] + b);
            break;
        case GK_ACT_TANH:
            for (int64_t i = 0; i < cols; i++) yr[i] = tanh_f(yr[i] + b);
            break;
        default:
            if (bias) for (int64_t i = 0; i < cols; i++) yr[i] += b;
            break;
        }
    }
}

void gk_activate_rows(int act, int64_t rows, int64_t cols, int64_t ld, const float *bias, float *y) {
    if (act == GK_ACT_NONE && !bias) return;
    act_rows_k(act, rows, cols, ld, bias, y);
}

typedef struct { int act; int64_t n, c, s; const float *bias; float *y; } bias_act_args;

static void bias_act_part(void *vc, int part, int nparts) {
    const bias_act_args *a = vc;
    int64_t lo, hi;
    gk_range(a->n * a->c, part, nparts, &lo, &hi);
    for (int64_t p = lo; p < hi; p++)   // plane p = (image, channel): one bias each
        act_rows_k(a->act, 1, a->s, a->s, a->bias ? a->bias + p % a->c : NULL, a->y + p * a->s);
}

void gk_bias_activate(int64_t n, int64_t c, int64_t s, const float *bias, int act, float *y) {
    GK_FTZ_SCOPE;
    if (n <= 0 || c <= 0 || s <= 0 || (act == GK_ACT_NONE && !bias)) return;
    bias_act_args a = {.act = act, .n = n, .c = c, .s = s, .bias = bias, .y = y};
    const int64_t total = n * c * s;
    gk_parallel(total < TR_MIN_PARALLEL ? 1 : gk_parts_for(n * c, (double)total), bias_act_part, &a);
}
