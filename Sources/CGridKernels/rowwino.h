// Row-wise Winograd F(4,9) for the forward of 2-D convolutions 9 taps wide (SRCNN's 9x9 layer): 2.4x fewer
// multiply-adds than the direct kernel for few input and many output channels. Private to CGridKernels.
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

#endif
