// WaveNet's residual layers for inference, fused over tiles of time steps: the filter/gate convolution, the gate,
// the skip and residual 1x1 convolutions and both additions run on a tile of positions that stays in L2, so the
// pre-activations, gated values and 1x1 outputs never go through memory (the op-by-op forward writes and reads
// ~36 MB per layer of a 16000-step, 32/64-channel WaveNet). With a sequence per thread the whole stack runs tile by
// tile (the skip sum stays in cache through all layers); with fewer sequences than threads it runs layer by layer
// with the tiles shared out. Both do the same operations in the same order on every value, so results do not
// depend on the thread count.
#include "gk_internal.h"
#include "smallgemm.h"
#include "gridkernels.h"
#include <string.h>

#define WN_TILE 512   // positions per tile: 64 stacked input rows, 64 pre-activation rows, 32 gated rows of 2 KB

typedef struct {
    int64_t batch, steps, res, skip, dilation, tiles;
    const float *h, *wfg, *bfg, *ws, *bs, *wr, *br;
    float *skip_sum, *hout;
} wn_ctx;

// Stacks [h[t - d]; h[t]] for t in [t0, t0 + len) into col (2C x len); lag(ch, t) reads h at t (t < 0 gives 0).
#define WN_FILL_COL(C, len, lagrow, nowrow)                                                                        \
    for (int64_t ch = 0; ch < (C); ch++) {                                                                       \
        float *lag_ = col + ch * (len), *now_ = col + ((C) + ch) * (len);                                        \
        for (int64_t j = 0; j < (len); j++) { lag_[j] = lagrow; now_[j] = nowrow; }                             \
    }

// One layer on one tile whose col already holds [lagged; current] inputs: fg = b + [W_0 W_1] col (one GEMM with
// K = 2C starting at the bias), z = gate(fg), sk += bs + Ws z, and ho = current + br + Wr z unless ho is NULL.
// The same operations in the same order wherever the tile comes from, so the per-layer and whole-stack forms agree
// bit for bit.
static void layer_tile(int64_t C, int64_t S, int64_t len, const float *col, const float *wfg, const float *bfg,
                       const float *ws, const float *bs, const float *wr, const float *br, float *fg, float *z,
                       float *sk, int64_t sk_ld, float *ho, int64_t ho_ld) {
    gk_small_gemm(0, 2 * C, len, 2 * C, wfg, 2 * C, col, len, bfg, 0, fg, len);
    for (int64_t ch = 0; ch < C; ch++) gk_gate_rows(len, fg + ch * len, fg + (C + ch) * len, z + ch * len);
    for (int64_t r = 0; r < S; r++)
        for (int64_t j = 0; j < len; j++) sk[r * sk_ld + j] += bs[r];
    gk_small_gemm(0, S, len, C, ws, C, z, len, NULL, 1, sk, sk_ld);
    if (!ho) return;
    const float *now = col + C * len;
    for (int64_t r = 0; r < C; r++)
        for (int64_t j = 0; j < len; j++) ho[r * ho_ld + j] = now[r * len + j] + br[r];
    gk_small_gemm(0, C, len, C, wr, C, z, len, NULL, 1, ho, ho_ld);
}

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
        WN_FILL_COL(C, len, t0 + j - d >= 0 ? h[ch * T + t0 + j - d] : 0.0f, h[ch * T + t0 + j])
        layer_tile(C, c->skip, len, col, c->wfg, c->bfg, c->ws, c->bs, c->wr, c->br, fg, z,
                   c->skip_sum + n * c->skip * T + t0, T, c->hout ? c->hout + n * C * T + t0 : NULL, T);
    }
    gk_free(fg);
    gk_free(z);
    gk_free(col);
}

// Stacked weights W[o][tap * C + c] = w[o][c][tap] ([out, in, 2] in PyTorch's layout), filter rows then gate rows,
// matching the [lagged; current] column tile; b = [bf; bg].
static void stack_filter_gate(int64_t C, const float *wf, const float *bf, const float *wg, const float *bg, float *w,
                              float *b) {
    for (int64_t o = 0; o < C; o++) {
        for (int64_t i = 0; i < C; i++)
            for (int64_t tap = 0; tap < 2; tap++) {
                w[o * 2 * C + tap * C + i] = wf[(o * C + i) * 2 + tap];
                w[(C + o) * 2 * C + tap * C + i] = wg[(o * C + i) * 2 + tap];
            }
        b[o] = bf[o];
        b[C + o] = bg[o];
    }
}

typedef struct {
    int64_t batch, steps, res, skip, layers;
    const int64_t *dil;
    const float *h, *params, *wfg;   // wfg: per layer 4C^2 stacked weights then 2C biases
    float *skip_sum;
} stack_ctx;

// Offsets of one layer's tensors in the packed parameters: wf, bf, wg, bg, ws, bs, wr, br.
static int64_t layer_stride(int64_t C, int64_t S) { return 4 * C * C + 2 * C + S * C + S + C * C + C; }

// Whole stack on one sequence, tile by tile in time order: layer i reads its input for [t0 - d_i, t1) from a window
// (the last d_i positions of the previous tile kept at its front), so the skip sum of a tile stays in cache through
// all layers and memory grows with the largest dilation, not with the sequence.
static void stack_part(void *vc, int part, int nparts) {
    const stack_ctx *c = vc;
    const int64_t C = c->res, S = c->skip, T = c->steps, L = c->layers, P = layer_stride(C, S);
    float *fg = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE)), *z = gk_alloc(sizeof(float) * (size_t)(C * WN_TILE));
    float *col = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE)), *sk = gk_alloc(sizeof(float) * (size_t)(S * WN_TILE));
    float **win = gk_alloc(sizeof(float *) * (size_t)L);
    for (int64_t i = 1; i < L; i++) win[i] = gk_alloc(sizeof(float) * (size_t)(C * (c->dil[i] + WN_TILE)));
    int64_t lo, hi;
    gk_range(c->batch, part, nparts, &lo, &hi);
    for (int64_t n = lo; n < hi; n++) {
        const float *h = c->h + n * C * T;
        for (int64_t i = 1; i < L; i++) gk_zero(C * (c->dil[i] + WN_TILE), win[i]);   // positions before 0
        for (int64_t t0 = 0; t0 < T; t0 += WN_TILE) {
            const int64_t len = T - t0 < WN_TILE ? T - t0 : WN_TILE;
            gk_zero(S * len, sk);
            for (int64_t i = 0; i < L; i++) {
                const int64_t d = c->dil[i], W = d + WN_TILE;
                if (i == 0) {
                    WN_FILL_COL(C, len, t0 + j - d >= 0 ? h[ch * T + t0 + j - d] : 0.0f, h[ch * T + t0 + j])
                } else {
                    const float *wi = win[i];
                    WN_FILL_COL(C, len, wi[ch * W + j], wi[ch * W + d + j])
                }
                const float *p = c->params + i * P, *wfg = c->wfg + i * (4 * C * C + 2 * C);
                const int64_t dn = i + 1 < L ? c->dil[i + 1] : 0;
                layer_tile(C, S, len, col, wfg, wfg + 4 * C * C, p + 4 * C * C + 2 * C, p + 4 * C * C + 2 * C + S * C,
                           p + 4 * C * C + 2 * C + S * C + S, p + 4 * C * C + 2 * C + S * C + S + C * C, fg, z, sk, len,
                           i + 1 < L ? win[i + 1] + dn : NULL, dn + WN_TILE);
            }
            for (int64_t r = 0; r < S; r++) memcpy(c->skip_sum + (n * S + r) * T + t0, sk + r * len, sizeof(float) * (size_t)len);
            for (int64_t i = 1; i < L; i++) {   // keep the last d_i positions for the next tile
                const int64_t d = c->dil[i], W = d + WN_TILE;
                for (int64_t ch = 0; ch < C; ch++) memmove(win[i] + ch * W, win[i] + ch * W + len, sizeof(float) * (size_t)d);
            }
        }
    }
    for (int64_t i = 1; i < L; i++) gk_free(win[i]);
    gk_free(win);
    gk_free(fg);
    gk_free(z);
    gk_free(col);
    gk_free(sk);
}

void gk_wavenet_stack_forward(int64_t batch, int64_t steps, int64_t res, int64_t skip, int64_t layers,
                              const int64_t *dilations, const float *params, const float *h, float *skip_sum) {
    gk_enable_flush_to_zero();
    if (batch <= 0 || steps <= 0 || res <= 0 || skip <= 0) return;
    const int64_t C = res, S = skip, P = layer_stride(C, S);
    if (layers <= 0) {
        gk_zero(batch * S * steps, skip_sum);
        return;
    }
    float *wfg = gk_alloc(sizeof(float) * (size_t)(layers * (4 * C * C + 2 * C)));
    for (int64_t i = 0; i < layers; i++) {
        const float *p = params + i * P;
        float *w = wfg + i * (4 * C * C + 2 * C);
        stack_filter_gate(C, p, p + 2 * C * C, p + 2 * C * C + C, p + 4 * C * C + C, w, w + 4 * C * C);
    }
    const double flops = 2.0 * (double)batch * steps * layers * (4.0 * C * C + (double)(S + C) * C);
    const int threads = gk_get_num_threads();
    if (batch >= threads || flops < 1e7) {   // a sequence per thread: the whole stack tile by tile
        stack_ctx c = {.batch = batch, .steps = steps, .res = res, .skip = skip, .layers = layers, .dil = dilations,
                       .h = h, .params = params, .wfg = wfg, .skip_sum = skip_sum};
        gk_parallel(gk_parts_for(batch, flops), stack_part, &c);
    } else {   // fewer sequences than threads: layer by layer, tiles shared out (same operations, same bits)
        float *ha = gk_alloc(sizeof(float) * (size_t)(batch * C * steps)), *hb = gk_alloc(sizeof(float) * (size_t)(batch * C * steps));
        gk_zero(batch * S * steps, skip_sum);
        const float *cur = h;
        for (int64_t i = 0; i < layers; i++) {
            const float *p = params + i * P, *w = wfg + i * (4 * C * C + 2 * C);
            float *next = i % 2 == 0 ? ha : hb;
            wn_ctx c = {.batch = batch, .steps = steps, .res = C, .skip = S, .dilation = dilations[i],
                        .tiles = (steps + WN_TILE - 1) / WN_TILE, .h = cur, .wfg = w, .bfg = w + 4 * C * C,
                        .ws = p + 4 * C * C + 2 * C, .bs = p + 4 * C * C + 2 * C + S * C,
                        .wr = p + 4 * C * C + 2 * C + S * C + S, .br = p + 4 * C * C + 2 * C + S * C + S + C * C,
                        .skip_sum = skip_sum, .hout = i + 1 < layers ? next : NULL};
            gk_parallel(gk_parts_for(batch * c.tiles, flops / (double)layers), wn_part, &c);
            cur = next;
        }
        gk_free(ha);
        gk_free(hb);
    }
    gk_free(wfg);
}
