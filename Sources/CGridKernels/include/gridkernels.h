// gridcnn's hot loops, in C so that each can be compiled for several x86-64 levels (AVX-512, AVX2+FMA, baseline)
// and chosen at load time, and so that library targets need no unsafeFlags.
// Layouts: activations [N, C, D, H, W] contiguous (1-D and 2-D use D = H = 1 or D = 1);
// convolution weights [Cout, Cin/groups, kD, kH, kW] (PyTorch's order); transposed-conv weights [Cin, Cout/groups, kD, kH, kW].
#ifndef GRIDKERNELS_H
#define GRIDKERNELS_H
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Geometry of one N-D convolution, spatial dims always given as 3 (D, H, W); unused leading dims are 1.
/// out[i] = (in[i] + pad_lo[i] + pad_hi[i] - dilation[i]*(kernel[i]-1) - 1) / stride[i] + 1 (validated by the caller).
typedef struct {
    int64_t batch, cin, cout, groups;
    int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_lo[3];
} gk_conv_geom;

/// Threads used by the kernels below (and by the BLAS they call). 1 by default.
void gk_set_num_threads(int n);
int gk_get_num_threads(void);

/// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major (OpenBLAS).
void gk_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/// y[N, Cout, out...] = conv(x[N, Cin, in...], w) + bias (bias may be NULL). y is overwritten.
void gk_conv_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y);
/// y = conv(x, w) + bias + addend (addend [N, Cout, out...], e.g. a residual stream): the GEMM paths start y at
/// addend + bias and accumulate, so the sum costs no extra pass. y must not overlap x or addend.
void gk_conv_forward_add(const gk_conv_geom *g, const float *x, const float *w, const float *bias,
                         const float *addend, float *y);
/// Activations fused into a convolution's epilogue (inference plans).
enum { GK_ACT_NONE = 0, GK_ACT_RELU = 1, GK_ACT_SIGMOID = 2, GK_ACT_TANH = 3 };
/// y = act(conv(x, w) + bias (+ addend where not NULL)): each path applies the activation to the tile it has just
/// written, while it is still in cache, instead of a separate pass over y. addend and bias may be NULL.
void gk_conv_forward_fused(const gk_conv_geom *g, const float *x, const float *w, const float *bias,
                           const float *addend, int act, float *y);
/// Weights prepared once for many forward calls of a geometry (inference plans): the Winograd-domain filters of a
/// 3x3 stride-1 convolution. gk_conv_prepared_floats is 0 when the geometry's path needs nothing prepared.
int64_t gk_conv_prepared_floats(const gk_conv_geom *g);
void gk_conv_prepare(const gk_conv_geom *g, const float *w, float *prepared);
/// gk_conv_forward_fused with `prepared` from gk_conv_prepare for a geometry of the same channels and kernel that
/// takes the same path (NULL: as gk_conv_forward_fused). w is still read by paths that use it.
void gk_conv_forward_prepared(const gk_conv_geom *g, const float *x, const float *w, const float *prepared,
                              const float *bias, const float *addend, int act, float *y);
/// y[n, c, s] = act(y[n, c, s] + bias[c]) in place (bias may be NULL), e.g. after a transposed convolution.
void gk_bias_activate(int64_t n, int64_t c, int64_t s, const float *bias, int act, float *y);
/// dx[N, Cin, in...] = gradient of the convolution wrt its input. dx is overwritten.
void gk_conv_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
/// dw[Cout, Cin/groups, k...] (overwritten) and dbias[Cout] (overwritten, may be NULL) from x and dy.
void gk_conv_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias);

/// Which implementation the three kernels above use for a geometry (which: 0 forward, 1 backward data, 2 backward
/// filter), for tests and benchmarks. Empty geometries (a zero size) are handled before any of these.
enum { GK_PATH_IM2COL = 0, GK_PATH_POINTWISE = 1, GK_PATH_DEPTHWISE = 2, GK_PATH_DIRECT = 3, GK_PATH_WINOGRAD = 4,
       GK_PATH_TAPS = 5, GK_PATH_BATCHED = 6, GK_PATH_ROWWINO = 7 };
// BATCHED: forward over many tiny images, one GEMM for all. ROWWINO: forward of 9-wide kernels, Winograd F(4,9) per row.
int gk_conv_path(const gk_conv_geom *g, int which);

/// Naive reference versions of the three kernels above: direct loops, no tiling, for tests.
void gk_conv_forward_ref(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y);
void gk_conv_backward_data_ref(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
void gk_conv_backward_filter_ref(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias);

/// Pooling over [N*C, D, H, W] planes (g->cin = g->cout = channels, groups = channels, batch = N).
/// Max pooling ignores padded positions; indices hold the flat index of the winner within its input plane (D*H*W).
/// indices may be NULL (inference: no backward pass).
void gk_maxpool_forward(const gk_conv_geom *g, const float *x, float *y, int64_t *indices);
/// dx (overwritten) gets dy routed to the winners recorded in indices. Also serves max-unpooling's forward.
void gk_maxpool_backward(const gk_conv_geom *g, const float *dy, const int64_t *indices, float *dx);
/// Average pooling; count_include_pad != 0 divides by the full window, else by the valid points.
void gk_avgpool_forward(const gk_conv_geom *g, const float *x, float *y, int count_include_pad);
void gk_avgpool_backward(const gk_conv_geom *g, const float *dy, float *dx, int count_include_pad);

/// Elementwise and small fused loops used on every training step.
void gk_axpy(int64_t n, float a, const float *x, float *y);               // y += a*x
void gk_add(int64_t n, const float *a, const float *b, float *out);
void gk_mul(int64_t n, const float *a, const float *b, float *out);
void gk_relu_forward(int64_t n, const float *x, float *y);
void gk_relu_backward(int64_t n, const float *x, const float *dy, float *dx); // dx = dy * (x > 0)
/// Adam / AdamW update over a flat parameter buffer.
void gk_adam_step(int64_t n, float *param, const float *grad, float *m, float *v,
                  float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled, int64_t step);
/// Per-channel mean and biased variance over [N, C, S] (S = spatial size).
void gk_channel_moments(int64_t n, int64_t c, int64_t s, const float *x, float *mean, float *var);

/// Batch norm over [N, C, S]: y = (x - mean) * invstd * gamma + beta.
void gk_batchnorm_apply(int64_t n, int64_t c, int64_t s, const float *x, const float *mean, const float *invstd,
                        const float *gamma, const float *beta, float *y);
/// Its backward pass from x (xhat is recomputed): dgamma = sum dy*xhat, dbeta = sum dy (both overwritten), and dx
/// (overwritten; may be NULL) = gamma*invstd*(dy - mean(dy) - xhat*mean(dy*xhat)) when the batch statistics were
/// used (training != 0), else gamma*invstd*dy.
void gk_batchnorm_backward(int64_t n, int64_t c, int64_t s, const float *x, const float *dy, const float *mean,
                           const float *invstd, const float *gamma, int training, float *dx, float *dgamma,
                           float *dbeta);
/// dx of batch norm with batch statistics from sums over the whole (multi-rank) batch: sum_dy and sum_dyx =
/// sum dy*(x - mean) per channel, count = elements per channel over all ranks (data-parallel training).
void gk_batchnorm_backward_input(int64_t n, int64_t c, int64_t s, const float *x, const float *dy, const float *mean,
                                 const float *invstd, const float *gamma, const double *sum_dy,
                                 const double *sum_dyx, double count, float *dx);
/// WaveNet's residual layers (kernel 2, causal) for inference on h [N, C, T] (after the input convolution): for each
/// layer i with dilation d_i, z = tanh(Wf * h + bf) . sigmoid(Wg * h + bg), skip_sum += Ws z + bs, h += Wr z + br.
/// skip_sum [N, S, T] is overwritten with the sum over layers. params packs, per layer, PyTorch-layout tensors
/// back to back: wf [C, C, 2], bf [C], wg [C, C, 2], bg [C], ws [S, C], bs [S], wr [C, C], br [C].
void gk_wavenet_stack_forward(int64_t batch, int64_t steps, int64_t res, int64_t skip, int64_t layers,
                              const int64_t *dilations, const float *params, const float *h, float *skip_sum);
/// Flush denormals to zero on this thread (denormal weights slow FP units by 100x).
void gk_enable_flush_to_zero(void);
/// The calling thread's MXCSR (kernels leave it as they found it; tests check that).
unsigned gk_fp_control(void);
/// Sets the calling thread's MXCSR (tests that compute references under the kernels' denormal policy restore it).
void gk_set_fp_control(unsigned csr);
/// glibc: mmap threshold at its 32 MB maximum and no heap trimming, so large freed buffers are reused in place.
void gk_keep_freed_memory(void);
/// 3 = AVX-512, 2 = AVX2+FMA, 1 = baseline: which clone the loader picked.
int gk_cpu_level(void);
/// One core's FP32 FMA rate in GFLOP/s, measured (~12 ms) with the widest vectors the kernels use on this CPU.
double gk_fma_peak_gflops(void);

#ifdef __cplusplus
}
#endif
#endif
