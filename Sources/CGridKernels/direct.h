// Direct (no im2col, no GEMM) convolutions for ungrouped stride-1 layers with few channels on one side, where
// im2col + a GEMM with M or K of 1-4 spends its time copying and in GEMM edge code.
#ifndef GK_DIRECT_H
#define GK_DIRECT_H
#include "gk_internal.h"

/// 1 where the direct kernel beats the im2col path for this geometry. which: 0 forward, 1 backward data,
/// 2 backward filter.
GK_HIDDEN int gk_direct_applies(const gk_conv_geom *g, int which);
/// Same contracts as gk_conv_forward / gk_conv_backward_data / gk_conv_backward_filter; only call where
/// gk_direct_applies says so.
/// act: GK_ACT_* applied to each output tile as it is finished.
GK_HIDDEN void gk_direct_forward_act(const gk_conv_geom *g, const float *x, const float *w, const float *bias, int act,
                                     float *y);
GK_HIDDEN void gk_direct_backward_data(const gk_conv_geom *g, const float *dy, const float *w, float *dx);
GK_HIDDEN void gk_direct_backward_filter(const gk_conv_geom *g, const float *x, const float *dy, float *dw,
                                         float *dbias);

#endif
