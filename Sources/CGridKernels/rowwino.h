// Row-wise Winograd for 2-D convolutions 9 taps wide (SRCNN's 9x9 layer): F(4,9) forward and F(9,4) backward filter,
// 2.4x fewer multiply-adds than the direct kernels for few input and many output channels. Private to CGridKernels.
#ifndef GK_ROWWINO_H
#define GK_ROWWINO_H
#include "gk_internal.h"

/// 2-D, kernel 9 wide (1-16 high), stride and dilation 1, groups 1, 1-16 input and at least 16 output channels,
/// input channels x kernel rows at least 6,
/// output rows of at least 16 columns.
GK_HIDDEN int gk_rowwino_applies(const gk_conv_geom *g);
/// Same contract as gk_conv_forward, with act (GK_ACT_*) applied to each finished output row.
GK_HIDDEN void gk_rowwino_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                                      float *y);

/// Same contract as gk_conv_backward_filter (F(9,4) on the same points; dbias may be NULL).
GK_HIDDEN void gk_rowwino_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw,
                                          float *dbias);

#endif
