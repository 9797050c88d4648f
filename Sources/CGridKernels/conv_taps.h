// 1-D stride-1 convolutions as one GEMM per kernel tap (conv_taps.c).
#ifndef GK_CONV_TAPS_H
#define GK_CONV_TAPS_H
#include "gk_internal.h"

/// 1-D (D = H = 1), stride 1, groups 1, kernel >= 2, >= 8 channels each side, >= 64 outputs; the forward (which 0)
/// only where the small-K GEMM takes the interior in one product.
GK_HIDDEN int gk_taps_applies(const gk_conv_geom *g, int which);
/// Same contracts as gk_conv_forward / gk_conv_backward_data / gk_conv_backward_filter.
GK_HIDDEN void gk_taps_forward(const gk_conv_geom *g, const float *x, const float *w, const float *bias, float *y);
GK_HIDDEN void gk_taps_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
GK_HIDDEN void gk_taps_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw, float *dbias);

#endif
