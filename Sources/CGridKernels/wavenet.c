// One WaveNet residual layer for inference, fused over tiles of time steps: the filter/gate convolution, the gate,
// the skip and residual 1x1 convolutions and both additions run on a tile of positions that stays in L2, so the
// pre-activations, gated values and 1x1 outputs never go through memory (the op-by-op forward writes and reads
// ~36 MB per layer of a 16000-step, 32/64-channel WaveNet). Tiles are fixed by the shape and each writes only its
// own columns, so results do not depend on the thread count.
#include "gk_internal.h"
#include "smallgemm.h"
#include "gridkernels.h"

#define WN_TILE 512   // positions per tile: 64 stacked input rows, 64 pre-activation rows, 32 gated rows of 2 KB

typedef struct {
    int64_t batch, steps, res, skip, dilation, tiles;
    const float *h, *wfg, *bfg, *ws, *bs, *wr, *br;
    float *skip_sum, *hout;
} wn_ctx;

static void wn_part(void *vc, int part, int nparts) {
    const wn_ctx *c = vc;
    const int64_t C = c->res, T = c->steps, d = c->dilation;
    float *fg = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE)), *z = gk_alloc(sizeof(float) * (size_t)(C * WN_TILE));
    float *col = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE));
    int64_t lo, hi;
    gk_range(c->batch * c->tiles, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / c->tiles, t0 = (u % c->tiles) * WN_TILE, t1 = t0 + WN_TILE < T ? t0 + WN_TILE : T;
        const int64_t len = t1 - t0;
        const float *h = c->h + n * C * T;
        // fg = b + [W_0 W_1] [h[t - d]; h[t]]: the tile's two taps stacked (zeros before the start) so that one
        // GEMM with K = 2C starts at the bias, instead of a second one accumulating into C.
        for (int64_t ch = 0; ch < C; ch++) {
            float *lag = col + ch * len, *now = col + (C + ch) * len;
            const float *hr = h + ch * T;
            for (int64_t j = 0; j < len; j++) {
                const int64_t t = t0 + j - d;
                lag[j] = t >= 0 ? hr[t] : 0.0f;
                now[j] = hr[t0 + j];
            }
        }
        gk_small_gemm(0, 2 * C, len, 2 * C, c->wfg, 2 * C, col, len, c->bfg, 0, fg, len);
        for (int64_t ch = 0; ch < C; ch++) gk_gate_rows(len, fg + ch * len, fg + (C + ch) * len, z + ch * len);
        // skip_sum += bs + Ws z ; hout = h + br + Wr z
        float *sk = c->skip_sum + n * c->skip * T + t0, *ho = c->hout + n * C * T + t0;
        for (int64_t r = 0; r < c->skip; r++)
            for (int64_t j = 0; j < len; j++) sk[r * T + j] += c->bs[r];
        gk_small_gemm(0, c->skip, len, C, c->ws, C, z, len, NULL, 1, sk, T);
        for (int64_t r = 0; r < C; r++)
            for (int64_t j = 0; j < len; j++) ho[r * T + j] = h[r * T + t0 + j] + c->br[r];
        gk_small_gemm(0, C, len, C, c->wr, C, z, len, NULL, 1, ho, T);
    }
    gk_free(fg);
    gk_free(z);
    gk_free(col);
}

void gk_wavenet_layer_forward(int64_t batch, int64_t steps, int64_t res, int64_t skip, int64_t dilation,
                              const float *h, const float *wf, const float *bf, const float *wg, const float *bg,
                              const float *ws, const float *bs, const float *wr, const float *br, float *skip_sum,
                              float *hout) {
    gk_enable_flush_to_zero();
    if (batch <= 0 || steps <= 0 || res <= 0) return;
    // Stacked weights W[o][tap * C + c] = w[o][c][tap] ([out, in, 2] in PyTorch's layout), filter rows then gate
    // rows, matching the [lagged; current] column tile.
    const int64_t C = res;
    float *w = gk_alloc(sizeof(float) * (size_t)(4 * C * C)), *b = gk_alloc(sizeof(float) * (size_t)(2 * C));
    for (int64_t o = 0; o < C; o++) {
        for (int64_t i = 0; i < C; i++)
            for (int64_t tap = 0; tap < 2; tap++) {
                w[o * 2 * C + tap * C + i] = wf[(o * C + i) * 2 + tap];
                w[(C + o) * 2 * C + tap * C + i] = wg[(o * C + i) * 2 + tap];
            }
        b[o] = bf[o];
        b[C + o] = bg[o];
    }
    wn_ctx c = {.batch = batch, .steps = steps, .res = res, .skip = skip, .dilation = dilation,
                .tiles = (steps + WN_TILE - 1) / WN_TILE, .h = h, .wfg = w, .bfg = b, .ws = ws,
                .bs = bs, .wr = wr, .br = br, .skip_sum = skip_sum, .hout = hout};
    const double flops = 2.0 * (double)batch * steps * (4.0 * C * C + (double)(skip + C) * C);
    gk_parallel(gk_parts_for(batch * c.tiles, flops), wn_part, &c, 1);
    gk_free(w);
    gk_free(b);
}
