// Vectorised float transcendentals and fused activation kernels (transcendental.c).
// Each kernel is branch-free per element, compiled for AVX-512, AVX2+FMA and baseline x86-64 (target_clones), and
// split over the kernel thread pool for large n; every element is computed the same way whatever the split, so
// results do not depend on the thread count. Accuracy: within a few ulp of the correctly rounded result (max relative
// error about 2e-7 against double-precision libm) over the whole float range; results below FLT_MIN flush to 0
// (the kernels run with FTZ/DAZ like the rest of gridkernels). NaN in gives NaN out; tanh saturates to exactly
// +-1, sigmoid to exactly 0/1.
// Outputs must not overlap inputs (the pointers are restrict-qualified so the loops vectorise).
#ifndef GK_MATH_H
#define GK_MATH_H
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// y = exp(x), log(x), expm1(x), log1p(x), tanh(x), sigmoid(x) = 1/(1+exp(-x)).
void gk_exp(int64_t n, const float *x, float *y);
void gk_log(int64_t n, const float *x, float *y);
void gk_expm1(int64_t n, const float *x, float *y);
void gk_log1p(int64_t n, const float *x, float *y);
void gk_tanh(int64_t n, const float *x, float *y);
void gk_sigmoid(int64_t n, const float *x, float *y);
/// PyTorch's softplus (beta 1, threshold 20): x > 20 ? x : log(1 + exp(x)), computed without overflow or cancellation.
void gk_softplus(int64_t n, const float *x, float *y);

/// Backward passes from the saved output y (or input x) and the incoming gradient g.
void gk_sigmoid_backward(int64_t n, const float *y, const float *g, float *dx);   // dx = y*(1-y) * g
void gk_tanh_backward(int64_t n, const float *y, const float *g, float *dx);      // dx = (1-y*y) * g
void gk_softplus_backward(int64_t n, const float *x, const float *g, float *dx);  // dx = sigmoid(x) * g
void gk_log_backward(int64_t n, const float *x, const float *g, float *dx);       // dx = g / x

/// WaveNet's gate: ta = tanh(a), sb = sigmoid(b), y = ta*sb (ta, sb kept for the backward pass; pass both NULL
/// when no backward pass follows).
void gk_gate_forward(int64_t n, const float *a, const float *b, float *y, float *ta, float *sb);
/// da = (1-ta^2)*sb * g, db = ta*sb*(1-sb) * g.
void gk_gate_backward(int64_t n, const float *ta, const float *sb, const float *g, float *da, float *db);

/// Leaky ReLU: y = x > 0 ? x : slope*x; dx = (x > 0 ? 1 : slope) * g.
void gk_leaky_relu_forward(int64_t n, const float *x, float slope, float *y);
void gk_leaky_relu_backward(int64_t n, const float *x, const float *g, float slope, float *dx);
/// ELU: y = x > 0 ? x : alpha*expm1(x); dx = (x > 0 ? 1 : y + alpha) * g.
void gk_elu_forward(int64_t n, const float *x, float alpha, float *y);
void gk_elu_backward(int64_t n, const float *x, const float *y, const float *g, float alpha, float *dx);
/// GELU, tanh approximation: y = x * sigmoid(2u) (= 0.5x(1+tanh u)), u = sqrt(2/pi)(x + 0.044715x^3); and its
/// derivative times g.
void gk_gelu_tanh_forward(int64_t n, const float *x, float *y);
void gk_gelu_tanh_backward(int64_t n, const float *x, const float *g, float *dx);

/// Softmax (log_softmax != 0: log-softmax) over the middle axis of x [outer, classes, inner]; y must not overlap x.
void gk_softmax(int64_t outer, int64_t classes, int64_t inner, const float *x, float *y, int log_softmax);
/// Softmax cross-entropy over [outer, classes, inner] logits: returns sum_p weight[p] * -log softmax(x)[target[p], p]
/// (p over outer*inner positions; positions with weight 0 are skipped and their target is not read) and writes
/// dx = scale * weight[p] * (softmax(x) - onehot(target)). Summed per 256-position block, then blocks in order.
double gk_softmax_cross_entropy(int64_t outer, int64_t classes, int64_t inner, const float *x, const int64_t *target,
                                const float *weight, float scale, float *dx);
#ifdef __cplusplus
}
#endif
#endif
