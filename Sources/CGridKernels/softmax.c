// Softmax / log-softmax over the class axis of [outer, classes, inner] and fused softmax cross-entropy.
// Class maps are read in memory order: each unit takes a block of inner positions and walks the classes row by
// row, so every pass is a contiguous vectorised loop (exp and log from gk_fastmath.h). Units are fixed by the shape,
// and the loss is summed per unit then over units in order, so results do not depend on the thread count.
#include "gk_fastmath.h"
#include "gk_math.h"

#define SM_BLOCK 256   // positions per unit: a 256-class block of rows (256 KB) stays in L2

typedef struct {
    int64_t outer, classes, inner, nblk;
    const float *x;
    float *y;
    int log;
    const int64_t *target;
    const float *weight;
    float scale;
    double *partial;
} sm_ctx;

// m = max over classes, s = sum exp(x - m) with e rows written to y (the caller's output), all for one block.
GK_CLONES static void max_sum_exp(const sm_ctx *c, int64_t o, int64_t j0, int64_t len, float *restrict m,
                                  float *restrict s) {
    const int64_t C = c->classes, S = c->inner;
    const float *xb = c->x + o * C * S + j0;
    float *yb = c->y + o * C * S + j0;
    for (int64_t j = 0; j < len; j++) { m[j] = -INFINITY; s[j] = 0.0f; }
    for (int64_t k = 0; k < C; k++) {
        const float *restrict xr = xb + k * S;
        for (int64_t j = 0; j < len; j++) m[j] = xr[j] > m[j] ? xr[j] : m[j];
    }
    for (int64_t k = 0; k < C; k++) {
        const float *restrict xr = xb + k * S;
        float *restrict yr = yb + k * S;
        for (int64_t j = 0; j < len; j++) {
            const float e = exp_f(xr[j] - m[j]);
            yr[j] = e;
            s[j] += e;
        }
    }
}

GK_CLONES static void finish_softmax(const sm_ctx *c, int64_t o, int64_t j0, int64_t len, const float *restrict m,
                                     float *restrict s) {
    const int64_t C = c->classes, S = c->inner;
    const float *xb = c->x + o * C * S + j0;
    float *yb = c->y + o * C * S + j0;
    if (c->log) {
        for (int64_t j = 0; j < len; j++) s[j] = m[j] + log_f(s[j]);   // logsumexp
        for (int64_t k = 0; k < C; k++) {
            const float *restrict xr = xb + k * S;
            float *restrict yr = yb + k * S;
            for (int64_t j = 0; j < len; j++) yr[j] = xr[j] - s[j];
        }
    } else {
        for (int64_t j = 0; j < len; j++) s[j] = 1.0f / s[j];
        for (int64_t k = 0; k < C; k++) {
            float *restrict yr = yb + k * S;
            for (int64_t j = 0; j < len; j++) yr[j] *= s[j];
        }
    }
}

// Cross-entropy: loss terms w_p * (logsumexp - x_target), y = scale * w_p * (softmax - onehot).
GK_CLONES static double finish_xent(const sm_ctx *c, int64_t o, int64_t j0, int64_t len, const float *restrict m,
                                    float *restrict s) {
    const int64_t C = c->classes, S = c->inner, p0 = o * S + j0;
    const float *xb = c->x + o * C * S + j0;
    float *yb = c->y + o * C * S + j0;
    const float *restrict w = c->weight + p0;
    double loss = 0.0;
    for (int64_t j = 0; j < len; j++) {
        const int64_t t = c->target[p0 + j];
        if (w[j] != 0.0f) loss += (double)w[j] * ((double)m[j] + log((double)s[j]) - (double)xb[t * S + j]);
    }
    for (int64_t j = 0; j < len; j++) s[j] = c->scale * w[j] / s[j];
    for (int64_t k = 0; k < C; k++) {
        float *restrict yr = yb + k * S;
        for (int64_t j = 0; j < len; j++) yr[j] *= s[j];
    }
    for (int64_t j = 0; j < len; j++)
        if (w[j] != 0.0f) yb[c->target[p0 + j] * S + j] -= c->scale * w[j];
    return loss;
}

static void sm_part(void *vc, int part, int nparts) {
    sm_ctx *c = vc;
    float m[SM_BLOCK], s[SM_BLOCK];
    int64_t lo, hi;
    gk_range(c->outer * c->nblk, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t o = u / c->nblk, j0 = (u % c->nblk) * SM_BLOCK;
        const int64_t len = c->inner - j0 < SM_BLOCK ? c->inner - j0 : SM_BLOCK;
        max_sum_exp(c, o, j0, len, m, s);
        if (c->target)
            c->partial[u] = finish_xent(c, o, j0, len, m, s);
        else
            finish_softmax(c, o, j0, len, m, s);
    }
}

static void sm_run(sm_ctx *c) {
    GK_FTZ_SCOPE;
    c->nblk = (c->inner + SM_BLOCK - 1) / SM_BLOCK;
    const int64_t units = c->outer * c->nblk;
    if (units <= 0 || c->classes <= 0) return;
    gk_parallel(gk_parts_for(units, 20.0 * (double)c->outer * (double)c->classes * (double)c->inner), sm_part, c);
}

void gk_softmax(int64_t outer, int64_t classes, int64_t inner, const float *x, float *y, int log_softmax) {
    sm_ctx c = {.outer = outer, .classes = classes, .inner = inner, .x = x, .y = y, .log = log_softmax};
    sm_run(&c);
}

double gk_softmax_cross_entropy(int64_t outer, int64_t classes, int64_t inner, const float *x, const int64_t *target,
                                const float *weight, float scale, float *dx) {
    const int64_t units = outer * ((inner + SM_BLOCK - 1) / SM_BLOCK);
    sm_ctx c = {.outer = outer, .classes = classes, .inner = inner, .x = x, .y = dx, .target = target,
                .weight = weight, .scale = scale};
    c.partial = gk_alloc(sizeof(double) * (size_t)(units > 0 ? units : 1));
    sm_run(&c);
    double total = 0.0;
    for (int64_t u = 0; u < units; u++) total += c.partial[u];
    gk_free(c.partial);
    return total;
}
