// Winograd F(4x4, 3x3) convolutions (2-D, 3x3, stride 1): 6x6 input tiles, 4x4 output tiles, 36 GEMMs in the
// transformed domain instead of one 9x-larger im2col GEMM (4x fewer multiplies). Private to CGridKernels.
#ifndef GK_WINOGRAD_H
#define GK_WINOGRAD_H
#include "gk_internal.h"

/// 3x3, stride 1, dilation 1, groups 1, 2-D, pad_lo in 0...2, enough channels and output that Winograd pays.
GK_HIDDEN int gk_winograd_applies(const gk_conv_geom *g);
/// Same contracts as gk_conv_forward / gk_conv_backward_data / gk_conv_backward_filter.
/// prepared: the filter from gk_winograd_prepare, or NULL to transform it in this call.
GK_HIDDEN void gk_winograd_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                                       const float *prepared, float *y);
/// Floats of the transformed filter, and the transform itself ([36][kstride] planes of [cout][cin]).
GK_HIDDEN int64_t gk_winograd_prepared_floats(const gk_conv_geom *g);
GK_HIDDEN void gk_winograd_prepare(const gk_conv_geom *g, const float *w, float *u);
GK_HIDDEN void gk_winograd_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
GK_HIDDEN void gk_winograd_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw,
                                           float *dbias);

/// Tiling of one 3x3 correlation y[cout, oh, ow] = w * x[cin, ih, iw] (zero outside the input). Tile rows are
/// numbered across the batch: row r is tile row r % nty of image r / nty; chunk t-indices run (row, tx).
typedef struct {
    int64_t batch, cin, cout, ih, iw, oh, ow, ph, pw;
    int64_t ntx, nty, rows;   // tiles per tile row, tile rows per image, tile rows in the batch
} gk_wino_plan;

/// Stride between the 36 planes of a transformed buffer holding n floats each: 64 bytes past a multiple of 128 so
/// the 36 planes fall in different L1 sets (a 4 KiB multiple would put them all in one 8-way set).
GK_INLINE int64_t gk_wino_kstride(int64_t n) { return ((n + 31) & ~(int64_t)31) + 16; }

GK_HIDDEN gk_wino_plan gk_wino_make_plan(int64_t batch, int64_t cin, int64_t cout, int64_t ih, int64_t iw,
                                         int64_t oh, int64_t ow, int64_t ph, int64_t pw);

/// V[k*ks + (c-c0)*cs + t] = (B^T d B)[k] of input channels [c0, c1), tile rows [r0, r1).
GK_HIDDEN void gk_wino_input(const gk_wino_plan *p, const float *x, int64_t c0, int64_t c1, int64_t r0, int64_t r1,
                             float *v, int64_t ks, int64_t cs);
/// y tiles (A^T m A + bias) of output channels [o0, o1), tile rows [r0, r1), from m laid out like V.
GK_HIDDEN void gk_wino_output(const gk_wino_plan *p, const float *m, int64_t ks, int64_t cs, int64_t o0, int64_t o1,
                              int64_t r0, int64_t r1, const float *bias, int act, float *y);
/// (A dY A^T)[k] of output channels [o0, o1), tile rows [r0, r1), laid out like V (dY is zero past the edge).
GK_HIDDEN void gk_wino_grad_output(const gk_wino_plan *p, const float *dy, int64_t o0, int64_t o1, int64_t r0,
                                   int64_t r1, float *w, int64_t ks, int64_t cs);
/// U[k*ks + (r-r0)*cols + c] = (G g G^T)[k] for rows [r0, r1) of the filter matrix. flip = 0: rows are output
/// channels, g = w[r][c]; flip = 1 (backward data): rows are input channels, g = w[c][r] rotated by 180 degrees.
GK_HIDDEN void gk_wino_filter(const float *w, int64_t cout, int64_t cin, int flip, int64_t r0, int64_t r1, float *u,
                              int64_t ks);
/// dw[o][c][3x3] = G^T (sum over s < ns of du[s*ss + k*ks + (o-o0)*cin + c]) G for o in [o0, o1).
GK_HIDDEN void gk_wino_filter_grad(const float *du, int64_t ns, int64_t ss, int64_t ks, int64_t cout, int64_t cin,
                                   int64_t o0, int64_t o1, float *dw);

#endif
