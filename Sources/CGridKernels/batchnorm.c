// Batch-norm apply and backward over [N, C, S]. Work is split by channel (each unit owns its channels and sums
// over the batch in a fixed order), so results do not depend on the thread count. The backward pass recomputes
// xhat = (x - mean) * invstd from x instead of keeping a normalised copy: one tensor less per layer.
#include "gk_internal.h"

typedef struct {
    int64_t n, c, s;
    const float *x, *dy, *mean, *invstd, *gamma, *beta;
    float *y, *dx, *dgamma, *dbeta;
    int training;
} bn_args;

GK_CLONES static void affine_k(int64_t len, const float *restrict x, float a, float b, float *restrict y) {
    for (int64_t i = 0; i < len; i++) y[i] = x[i] * a + b;
}

// sum(dy) and sum(dy * (x - mean)) over one plane: 16 float lanes per 4096 block, blocks added in double.
GK_CLONES static void dot_sums(int64_t len, const float *restrict dy, const float *restrict x, float mean,
                               double *sum_dy, double *sum_dyx) {
    double t0 = 0.0, t1 = 0.0;
    for (int64_t b0 = 0; b0 < len; b0 += 4096) {
        const int64_t b1 = b0 + 4096 < len ? b0 + 4096 : len;
        float a0[16] = {0}, a1[16] = {0};
        int64_t i = b0;
        for (; i + 16 <= b1; i += 16)
            for (int j = 0; j < 16; j++) {
                a0[j] += dy[i + j];
                a1[j] += dy[i + j] * (x[i + j] - mean);
            }
        for (; i < b1; i++) { a0[0] += dy[i]; a1[0] += dy[i] * (x[i] - mean); }
        float s0 = 0.0f, s1 = 0.0f;
        for (int j = 0; j < 16; j++) { s0 += a0[j]; s1 += a1[j]; }
        t0 += s0;
        t1 += s1;
    }
    *sum_dy += t0;
    *sum_dyx += t1;
}

// dx = scale * (dy - mb - (x - mean) * k) with k = invstd * mg (training) or dx = scale * dy (running statistics).
GK_CLONES static void bn_dx_k(int64_t len, const float *restrict dy, const float *restrict x, float scale, float mb,
                              float mean, float k, float *restrict dx) {
    for (int64_t i = 0; i < len; i++) dx[i] = scale * (dy[i] - mb - (x[i] - mean) * k);
}

static void apply_part(void *vc, int part, int nparts) {
    const bn_args *a = vc;
    int64_t lo, hi;
    gk_range(a->c, part, nparts, &lo, &hi);
    for (int64_t ch = lo; ch < hi; ch++) {
        const float sc = a->gamma[ch] * a->invstd[ch], sh = a->beta[ch] - a->mean[ch] * sc;
        for (int64_t b = 0; b < a->n; b++) {
            const int64_t off = (b * a->c + ch) * a->s;
            affine_k(a->s, a->x + off, sc, sh, a->y + off);
        }
    }
}

static void backward_part(void *vc, int part, int nparts) {
    const bn_args *a = vc;
    int64_t lo, hi;
    gk_range(a->c, part, nparts, &lo, &hi);
    const double count = (double)(a->n * a->s);
    for (int64_t ch = lo; ch < hi; ch++) {
        const float mean = a->mean[ch], is = a->invstd[ch];
        double sdy = 0.0, sdyx = 0.0;
        for (int64_t b = 0; b < a->n; b++) {
            const int64_t off = (b * a->c + ch) * a->s;
            dot_sums(a->s, a->dy + off, a->x + off, mean, &sdy, &sdyx);
        }
        a->dbeta[ch] = (float)sdy;
        a->dgamma[ch] = (float)(sdyx * is);   // sum dy * xhat
        if (!a->dx) continue;
        const float scale = a->gamma[ch] * is;
        const float mb = a->training ? (float)(sdy / count) : 0.0f;
        const float k = a->training ? (float)(sdyx * is / count) * is : 0.0f;
        for (int64_t b = 0; b < a->n; b++) {
            const int64_t off = (b * a->c + ch) * a->s;
            bn_dx_k(a->s, a->dy + off, a->x + off, scale, mb, mean, k, a->dx + off);
        }
    }
}

void gk_batchnorm_apply(int64_t n, int64_t c, int64_t s, const float *x, const float *mean, const float *invstd,
                        const float *gamma, const float *beta, float *y) {
    GK_FTZ_SCOPE;
    if (c <= 0) return;
    bn_args a = {.n = n, .c = c, .s = s, .x = x, .mean = mean, .invstd = invstd, .gamma = gamma, .beta = beta, .y = y};
    gk_parallel(gk_parts_for(c, 2.0 * (double)n * c * s), apply_part, &a);
}

void gk_batchnorm_backward(int64_t n, int64_t c, int64_t s, const float *x, const float *dy, const float *mean,
                           const float *invstd, const float *gamma, int training, float *dx, float *dgamma,
                           float *dbeta) {
    GK_FTZ_SCOPE;
    if (c <= 0) return;
    bn_args a = {.n = n, .c = c, .s = s, .x = x, .dy = dy, .mean = mean, .invstd = invstd, .gamma = gamma,
                 .dx = dx, .dgamma = dgamma, .dbeta = dbeta, .training = training};
    gk_parallel(gk_parts_for(c, 6.0 * (double)n * c * s), backward_part, &a);
}

// Data-parallel training (batch statistics over all ranks): dx from sums the caller has already combined.
typedef struct {
    int64_t n, c, s;
    const float *x, *dy, *mean, *invstd, *gamma;
    const double *sum_dy, *sum_dyx;
    double count;
    float *dx;
} bn_input_args;

static void backward_input_part(void *vc, int part, int nparts) {
    const bn_input_args *a = vc;
    int64_t lo, hi;
    gk_range(a->c, part, nparts, &lo, &hi);
    for (int64_t ch = lo; ch < hi; ch++) {
        const float is = a->invstd[ch], scale = a->gamma[ch] * is;
        const float mb = (float)(a->sum_dy[ch] / a->count), k = (float)(a->sum_dyx[ch] * is / a->count) * is;
        for (int64_t b = 0; b < a->n; b++) {
            const int64_t off = (b * a->c + ch) * a->s;
            bn_dx_k(a->s, a->dy + off, a->x + off, scale, mb, a->mean[ch], k, a->dx + off);
        }
    }
}

void gk_batchnorm_backward_input(int64_t n, int64_t c, int64_t s, const float *x, const float *dy, const float *mean,
                                 const float *invstd, const float *gamma, const double *sum_dy,
                                 const double *sum_dyx, double count, float *dx) {
    GK_FTZ_SCOPE;
    if (c <= 0) return;
    bn_input_args a = {.n = n, .c = c, .s = s, .x = x, .dy = dy, .mean = mean, .invstd = invstd, .gamma = gamma,
                       .sum_dy = sum_dy, .sum_dyx = sum_dyx, .count = count, .dx = dx};
    gk_parallel(gk_parts_for(c, 4.0 * (double)n * c * s), backward_input_part, &a);
}
