// Elementwise loops, Adam and per-channel moments. Large buffers are split into contiguous 64-byte aligned ranges
// over the pool; every element is computed the same way whatever the split, so results do not depend on the
// thread count. (They may differ in the last bit between CPU levels: the AVX2/AVX-512 clones contract a*b+c to FMA.)
#include "gk_internal.h"
#include <math.h>
#include <string.h>

#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define GK_SQRT(x) __builtin_elementwise_sqrt(x)   // no errno, so the loop vectorises
#else
#define GK_SQRT(x) sqrtf(x)
#endif

#define EW_MIN_PARALLEL ((int64_t)1 << 17)   // below ~512 KB a pool wake-up costs more than it saves
#define EW_BLOCK ((int64_t)1 << 15)

enum { OP_AXPY, OP_ADD, OP_MUL, OP_RELU, OP_RELU_BACK, OP_ADAM, OP_ZERO };

typedef struct {
    int op, decoupled;
    int64_t n;
    float s;
    const float *a, *b;
    float *o, *m, *v;
    float lr, b1, b2, eps, wd, step_size, bc2_sqrt;
} ew_args;

GK_CLONES static void axpy_k(int64_t n, float a, const float *restrict x, float *restrict y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}
GK_CLONES static void add_k(int64_t n, const float *a, const float *b, float *o) {
    for (int64_t i = 0; i < n; i++) o[i] = a[i] + b[i];
}
GK_CLONES static void mul_k(int64_t n, const float *a, const float *b, float *o) {
    for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i];
}
GK_CLONES static void relu_k(int64_t n, const float *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];   // NaN passes through, as in PyTorch
}
GK_CLONES static void relu_back_k(int64_t n, const float *x, const float *dy, float *dx) {
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}
GK_CLONES static void adam_k(int64_t n, float *restrict p, const float *restrict g, float *restrict m,
                             float *restrict v, const ew_args *e) {
    const float b1 = e->b1, b2 = e->b2, c1 = 1.0f - e->b1, c2 = 1.0f - e->b2, eps = e->eps;
    const float l2 = e->decoupled ? 0.0f : e->wd;                 // Adam: weight decay folded into the gradient
    const float shrink = e->decoupled ? 1.0f - e->lr * e->wd : 1.0f;   // AdamW: p *= 1 - lr*wd first
    const float step = e->step_size, bc2s = e->bc2_sqrt;
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i];
        float gi = g[i] + l2 * pi;
        pi *= shrink;
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * (mi / (GK_SQRT(vi) / bc2s + eps));
    }
}

GK_HIDDEN void gk_zero(int64_t n, float *x) {
    if (n > 0) memset(x, 0, sizeof(float) * (size_t)n);
}

// y[r, 0..cols) = bias[r] (0 without a bias) for rows with leading dimension ld; the second form adds src rows.
GK_CLONES static void fill_bias_rows_k(int64_t rows, int64_t cols, int64_t ld, const float *bias, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        float *restrict yr = y + r * ld;
        const float b = bias ? bias[r] : 0.0f;
        for (int64_t j = 0; j < cols; j++) yr[j] = b;
    }
}

GK_CLONES static void fill_add_bias_rows_k(int64_t rows, int64_t cols, int64_t ld, const float *bias,
                                           const float *src, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict sr = src + r * ld;
        float *restrict yr = y + r * ld;
        const float b = bias ? bias[r] : 0.0f;
        for (int64_t j = 0; j < cols; j++) yr[j] = sr[j] + b;
    }
}

// Sum in 16 float lanes over blocks of 4096, blocks added in double: vectorises without -ffast-math and keeps
// the error small for long rows. Fixed order for a given n.
GK_CLONES static double sum_k(int64_t n, const float *x) {
    double total = 0.0;
    for (int64_t b0 = 0; b0 < n; b0 += 4096) {
        const int64_t b1 = b0 + 4096 < n ? b0 + 4096 : n;
        float acc[16] = {0};
        int64_t i = b0;
        for (; i + 16 <= b1; i += 16)
            for (int j = 0; j < 16; j++) acc[j] += x[i + j];
        for (; i < b1; i++) acc[0] += x[i];
        float s = 0.0f;
        for (int j = 0; j < 16; j++) s += acc[j];
        total += s;
    }
    return total;
}

// Sum of (x - mean)^2, same blocking as gk_sum.
GK_CLONES static double sum_sq_dev(int64_t n, const float *x, float mean) {
    double total = 0.0;
    for (int64_t b0 = 0; b0 < n; b0 += 4096) {
        const int64_t b1 = b0 + 4096 < n ? b0 + 4096 : n;
        float acc[16] = {0};
        int64_t i = b0;
        for (; i + 16 <= b1; i += 16)
            for (int j = 0; j < 16; j++) {
                float t = x[i + j] - mean;
                acc[j] += t * t;
            }
        for (; i < b1; i++) acc[0] += (x[i] - mean) * (x[i] - mean);
        float s = 0.0f;
        for (int j = 0; j < 16; j++) s += acc[j];
        total += s;
    }
    return total;
}

// Clones cannot carry hidden visibility, so the internal entry points are thin wrappers.
GK_HIDDEN void gk_fill_add_bias_rows(int64_t rows, int64_t cols, int64_t ld, const float *bias, const float *src,
                                     float *y) {
    if (src) fill_add_bias_rows_k(rows, cols, ld, bias, src, y);
    else fill_bias_rows_k(rows, cols, ld, bias, y);
}
GK_HIDDEN double gk_sum(int64_t n, const float *x) { return sum_k(n, x); }

static void ew_range(const ew_args *e, int64_t lo, int64_t hi) {
    const int64_t k = hi - lo;
    switch (e->op) {
    case OP_AXPY: axpy_k(k, e->s, e->a + lo, e->o + lo); break;
    case OP_ADD: add_k(k, e->a + lo, e->b + lo, e->o + lo); break;
    case OP_MUL: mul_k(k, e->a + lo, e->b + lo, e->o + lo); break;
    case OP_RELU: relu_k(k, e->a + lo, e->o + lo); break;
    case OP_RELU_BACK: relu_back_k(k, e->a + lo, e->b + lo, e->o + lo); break;
    case OP_ADAM: adam_k(k, e->o + lo, e->a + lo, e->m + lo, e->v + lo, e); break;
    }
}

static void ew_part(void *vc, int part, int nparts) {
    const ew_args *e = vc;
    int64_t blocks = (e->n + 15) / 16, lo, hi;   // split on 16-float boundaries
    gk_range(blocks, part, nparts, &lo, &hi);
    lo *= 16;
    hi = hi * 16 < e->n ? hi * 16 : e->n;
    if (lo < hi) ew_range(e, lo, hi);
}

static void ew_run(ew_args *e) {
    GK_FTZ_SCOPE;
    if (e->n <= 0) return;
    int parts = 1;
    if (e->n >= EW_MIN_PARALLEL) parts = gk_parts_for(e->n / EW_BLOCK, (double)e->n);
    gk_parallel(parts, ew_part, e);
}

void gk_axpy(int64_t n, float a, const float *x, float *y) { ew_run(&(ew_args){.op = OP_AXPY, .n = n, .s = a, .a = x, .o = y}); }
void gk_add(int64_t n, const float *a, const float *b, float *out) { ew_run(&(ew_args){.op = OP_ADD, .n = n, .a = a, .b = b, .o = out}); }
void gk_mul(int64_t n, const float *a, const float *b, float *out) { ew_run(&(ew_args){.op = OP_MUL, .n = n, .a = a, .b = b, .o = out}); }
void gk_relu_forward(int64_t n, const float *x, float *y) { ew_run(&(ew_args){.op = OP_RELU, .n = n, .a = x, .o = y}); }
void gk_relu_backward(int64_t n, const float *x, const float *dy, float *dx) {
    ew_run(&(ew_args){.op = OP_RELU_BACK, .n = n, .a = x, .b = dy, .o = dx});
}

// PyTorch's Adam/AdamW: m, v updated with the (L2-decayed) gradient, p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps);
// AdamW (decoupled) multiplies p by 1 - lr*wd first.
void gk_adam_step(int64_t n, float *param, const float *grad, float *m, float *v, float lr, float beta1, float beta2,
                  float eps, float weight_decay, int decoupled, int64_t step) {
    if (step < 1) step = 1;
    const double bc1 = 1.0 - pow((double)beta1, (double)step), bc2 = 1.0 - pow((double)beta2, (double)step);
    ew_args e = {.op = OP_ADAM, .n = n, .o = param, .a = grad, .m = m, .v = v, .lr = lr, .b1 = beta1, .b2 = beta2,
                 .eps = eps, .wd = weight_decay, .decoupled = decoupled, .step_size = (float)(lr / bc1),
                 .bc2_sqrt = (float)sqrt(bc2)};
    ew_run(&e);
}

// ---- channel moments: parallel over channels, two passes (mean, then squared deviations) for stability ----------
typedef struct {
    int64_t n, c, s;
    const float *x;
    float *mean, *var;
} mom_args;

static void moments_part(void *vc, int part, int nparts) {
    const mom_args *a = vc;
    int64_t lo, hi;
    gk_range(a->c, part, nparts, &lo, &hi);
    const double count = (double)(a->n * a->s);
    for (int64_t ch = lo; ch < hi; ch++) {
        double s = 0.0;
        for (int64_t i = 0; i < a->n; i++) s += sum_k(a->s, a->x + (i * a->c + ch) * a->s);
        const double mean = count > 0 ? s / count : 0.0;
        double q = 0.0;
        for (int64_t i = 0; i < a->n; i++) q += sum_sq_dev(a->s, a->x + (i * a->c + ch) * a->s, (float)mean);
        a->mean[ch] = (float)mean;
        a->var[ch] = count > 0 ? (float)(q / count) : 0.0f;
    }
}

void gk_channel_moments(int64_t n, int64_t c, int64_t s, const float *x, float *mean, float *var) {
    GK_FTZ_SCOPE;
    if (c <= 0) return;
    mom_args a = {n, c, s, x, mean, var};
    gk_parallel(gk_parts_for(c, (double)n * c * s), moments_part, &a);
}
