// Private helpers shared by the kernel files (not part of the public header).
#ifndef GK_INTERNAL_H
#define GK_INTERNAL_H
#include "gridkernels.h"

// Hot loops are compiled three times and the dynamic loader picks one (ifunc), so the same object code is
// fast on AVX-512 machines and still safe on plain x86-64. Only the function itself is cloned: helpers it
// calls must be always_inline to get the wide instructions.
#if defined(__x86_64__) && !defined(GK_NO_CLONES)
#define GK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GK_CLONES
#endif
// A second, hand-dispatched body for AVX-512 where the best blocking differs (16-float vectors, 32 registers):
// compiled only where clones are, and chosen at run time by gk_wide().
#if defined(__x86_64__) && !defined(GK_NO_CLONES)
#define GK_HAVE_WIDE 1
#define GK_WIDE __attribute__((target("arch=x86-64-v4"), min_vector_width(512)))   // 512-bit vector types stay whole
#else
#define GK_HAVE_WIDE 0
#endif
// Rows of a grid are short (its W), so no interleaving: a 4x-unrolled AVX-512 loop (64 floats a step) would
// leave most of a 64-wide row to the scalar remainder.
#define GK_SHORT_LOOP _Pragma("clang loop interleave_count(1)")
#define GK_INLINE static inline __attribute__((always_inline))
#define GK_HIDDEN __attribute__((visibility("hidden")))

/// 1 where the GK_WIDE bodies run (this CPU has AVX-512 and they were compiled): the clones' x86-64-v4 test.
GK_HIDDEN int gk_wide(void);

GK_INLINE int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }   // ceil(a / b), a >= 0, b > 0
GK_INLINE int64_t rup8(int64_t n) { return (n + 7) & ~(int64_t)7; }         // n rounded up to a multiple of 8

// Kernels run with FTZ/DAZ (denormals would cost ~100 cycles each) but hand the caller's thread its own MXCSR back
// when they return: a library must not change its caller's floating-point mode. Pool threads are ours and keep it.
#include <xmmintrin.h>
GK_INLINE unsigned gk_ftz_enter(void) {
    unsigned csr = _mm_getcsr();
    if ((csr & 0x8040u) != 0x8040u) _mm_setcsr(csr | 0x8040u);
    return csr;
}
GK_INLINE void gk_ftz_leave(const unsigned *saved) { if (_mm_getcsr() != *saved) _mm_setcsr(*saved); }
#define GK_FTZ_SCOPE const unsigned gk_saved_csr __attribute__((cleanup(gk_ftz_leave), unused)) = gk_ftz_enter()

// OpenBLAS (LP64 build: blasint is int). Declared here because cblas.h is not on the include path.
enum { GK_ROW_MAJOR = 101, GK_NO_TRANS = 111, GK_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int n);

/// Runs fn(ctx, part, nparts) for part in [0, nparts): part 0 on the caller, the rest on pool threads.
/// If the pool is busy (another caller thread, or a nested call) all parts run here in order, so results never
/// depend on whether the pool was free. (OpenBLAS itself always runs on 1 thread, see gk_set_num_threads.)
typedef void (*gk_part_fn)(void *ctx, int part, int nparts);
GK_HIDDEN void gk_parallel(int nparts, gk_part_fn fn, void *ctx);

/// [lo, hi) of the items that part gets when n items are dealt out in contiguous, nearly equal ranges.
GK_INLINE void gk_range(int64_t n, int part, int nparts, int64_t *lo, int64_t *hi) {
    *lo = n * part / nparts;
    *hi = n * (part + 1) / nparts;
}

/// Parts to use for n items of roughly `work` flops-or-bytes each: 1 when the job is too small to amortise a wake-up.
GK_HIDDEN int gk_parts_for(int64_t items, double total_work);

/// Whole-buffer elementwise parallel-for helper: splits [0, n) into aligned blocks.
GK_HIDDEN void *gk_alloc(size_t bytes);   // 64-byte aligned, aborts on failure
GK_HIDDEN void gk_free(void *p);

/// Geometry unpacked into plain locals (D, H, W order).
typedef struct {
    int64_t id, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw;
    int64_t isz, osz, kvol, cin_g, cout_g;
} gk_dims;

GK_INLINE gk_dims gk_unpack(const gk_conv_geom *g) {
    gk_dims d;
    d.id = g->in[0]; d.ih = g->in[1]; d.iw = g->in[2];
    d.od = g->out[0]; d.oh = g->out[1]; d.ow = g->out[2];
    d.kd = g->kernel[0]; d.kh = g->kernel[1]; d.kw = g->kernel[2];
    d.sd = g->stride[0]; d.sh = g->stride[1]; d.sw = g->stride[2];
    d.dd = g->dilation[0]; d.dh = g->dilation[1]; d.dw = g->dilation[2];
    d.pd = g->pad_lo[0]; d.ph = g->pad_lo[1]; d.pw = g->pad_lo[2];
    d.isz = d.id * d.ih * d.iw;
    d.osz = d.od * d.oh * d.ow;
    d.kvol = d.kd * d.kh * d.kw;
    d.cin_g = g->groups > 0 ? g->cin / g->groups : g->cin;
    d.cout_g = g->groups > 0 ? g->cout / g->groups : g->cout;
    return d;
}

/// im2col rows [0, nch*kvol) for output positions [p0, p1) of one image (x at the first channel); col2im adds back.
GK_HIDDEN void gk_im2col(const gk_dims *d, const float *x, int64_t nch, int64_t p0, int64_t p1, float *col);
/// dx (+)= scatter of col; assign (only where gk_windows_tile_input) overwrites instead of adding, so dx needs no zeroing.
GK_HIDDEN void gk_col2im(const gk_dims *d, const float *col, int64_t nch, int64_t p0, int64_t p1, float *dx, int assign);
GK_HIDDEN int gk_windows_tile_input(const gk_dims *d);
GK_HIDDEN void gk_zero(int64_t n, float *x);
/// y = tanh(a) * sigmoid(b) on this thread (the inference gate of gk_gate_forward, without the thread pool).
GK_HIDDEN void gk_gate_rows(int64_t n, const float *a, const float *b, float *y);
/// y rows (ld apart) = src rows + bias[row] (bias may be NULL; src NULL: the bias alone); y must not overlap src.
GK_HIDDEN void gk_fill_add_bias_rows(int64_t rows, int64_t cols, int64_t ld, const float *bias, const float *src,
                                     float *y);
/// rows of y (ld apart) = act(y + bias[row]) in place on this thread (bias may be NULL): conv epilogues.
GK_HIDDEN void gk_activate_rows(int act, int64_t rows, int64_t cols, int64_t ld, const float *bias, float *y);
/// Fixed-order blocked sum (float lanes per 4096 block, blocks in double).
GK_HIDDEN double gk_sum(int64_t n, const float *x);

/// Direct depthwise path (groups > 1, one input channel per group, at most 4 outputs per group).
GK_HIDDEN int gk_depthwise_applies(const gk_conv_geom *g);
GK_HIDDEN void gk_depthwise_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y);
GK_HIDDEN void gk_depthwise_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
GK_HIDDEN void gk_depthwise_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw,
                                            float *dbias);

#endif
