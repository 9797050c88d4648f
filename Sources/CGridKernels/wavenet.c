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

#define WN_TILE 512   // positions per tile: 64 pre-activation rows, 32 gated rows, 64 skip rows of 2 KB
#define WN_LD (WN_TILE + 16)   // their row stride: 2 KB apart, the rows a GEMM reads down a column share few L1 sets

// One residual layer's weights, the three matrices packed once for the small GEMM (they serve every tile).
typedef struct {
    int64_t dilation;
    const float *wfg, *bfg, *ws, *bs, *wr, *br;   // wfg: [filter; gate] x [lagged; current] (2C x 2C), bfg: 2C
} wn_layer;

typedef struct {
    int64_t batch, steps, res, skip, tiles;
    const wn_layer *layer;
    const float *h;
    float *skip_sum, *hout;
} wn_ctx;

// One layer on one tile: lag and now are C rows (ld apart) of the input at t - d and at t. fg = b + [W_0 W_1][lag; now]
// (one GEMM with K = 2C reading both row blocks in place, starting at the bias), z = gate(fg), sk = sk + bs + Ws z,
// and ho = now + br + Wr z unless ho is NULL (the GEMMs start at those sums: no separate passes). The same
// operations in the same order wherever the tile comes from, so the per-layer and whole-stack forms agree bit for bit.
static void layer_tile(int64_t C, int64_t S, int64_t len, const float *lag, const float *now, int64_t ld,
                       const wn_layer *ly, float *fg, float *z, float *sk, int64_t sk_ld, float *ho, int64_t ho_ld) {
    gk_small_gemm_split(GK_SG_PACKED, 2 * C, len, 2 * C, ly->wfg, 0, lag, C, now - lag, ld, ly->bfg, NULL, 0, fg, WN_LD);
    for (int64_t ch = 0; ch < C; ch++) gk_gate_rows(len, fg + ch * WN_LD, fg + (C + ch) * WN_LD, z + ch * WN_LD);
    gk_small_gemm_split(GK_SG_PACKED, S, len, C, ly->ws, 0, z, C, 0, WN_LD, ly->bs, sk, sk_ld, sk, sk_ld);
    if (ho) gk_small_gemm_split(GK_SG_PACKED, C, len, C, ly->wr, 0, z, C, 0, WN_LD, ly->br, now, ld, ho, ho_ld);
}

// Input rows of a tile at [t0, t0 + len) of a sequence h (C rows, T apart) for a layer of dilation d: read in place
// when t0 >= d, else stacked into col as [h[t - d]; h[t]] (2C x len) with zeros before position 0.
static void tile_input(int64_t C, int64_t T, int64_t d, int64_t t0, int64_t len, const float *h, float *col,
                       const float **lag, const float **now, int64_t *ld) {
    if (t0 >= d) {
        *lag = h + t0 - d, *now = h + t0, *ld = T;
        return;
    }
    for (int64_t ch = 0; ch < C; ch++)
        for (int64_t j = 0; j < len; j++) {
            col[ch * len + j] = t0 + j - d >= 0 ? h[ch * T + t0 + j - d] : 0.0f;
            col[(C + ch) * len + j] = h[ch * T + t0 + j];
        }
    *lag = col, *now = col + C * len, *ld = len;
}

static void wn_part(void *vc, int part, int nparts) {
    const wn_ctx *c = vc;
    const int64_t C = c->res, T = c->steps;
    float *fg = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_LD)), *z = gk_alloc(sizeof(float) * (size_t)(C * WN_LD));
    float *col = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE));
    int64_t lo, hi;
    gk_range(c->batch * c->tiles, part, nparts, &lo, &hi);
    for (int64_t u = lo; u < hi; u++) {
        const int64_t n = u / c->tiles, t0 = (u % c->tiles) * WN_TILE, t1 = t0 + WN_TILE < T ? t0 + WN_TILE : T;
        const float *lag, *now;
        int64_t ld;
        tile_input(C, T, c->layer->dilation, t0, t1 - t0, c->h + n * C * T, col, &lag, &now, &ld);
        layer_tile(C, c->skip, t1 - t0, lag, now, ld, c->layer, fg, z, c->skip_sum + n * c->skip * T + t0, T,
                   c->hout ? c->hout + n * C * T + t0 : NULL, T);
    }
    gk_free(fg);
    gk_free(z);
    gk_free(col);
}

typedef struct {
    int64_t batch, steps, res, skip, layers;
    const wn_layer *layer;
    const float *h;
    float *skip_sum;
} stack_ctx;

// Whole stack on one sequence, tile by tile in time order: layer i reads its input for [t0 - d_i, t1) from a window
// (the last d_i positions of the previous tile kept at its front), so the skip sum of a tile stays in cache through
// all layers and memory grows with the largest dilation, not with the sequence.
static void stack_part(void *vc, int part, int nparts) {
    const stack_ctx *c = vc;
    const int64_t C = c->res, S = c->skip, T = c->steps, L = c->layers;
    float *fg = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_LD)), *z = gk_alloc(sizeof(float) * (size_t)(C * WN_LD));
    float *col = gk_alloc(sizeof(float) * (size_t)(2 * C * WN_TILE)), *sk = gk_alloc(sizeof(float) * (size_t)(S * WN_LD));
    float **win = gk_alloc(sizeof(float *) * (size_t)L);
    for (int64_t i = 1; i < L; i++) win[i] = gk_alloc(sizeof(float) * (size_t)(C * (c->layer[i].dilation + WN_LD)));
    int64_t lo, hi;
    gk_range(c->batch, part, nparts, &lo, &hi);
    for (int64_t n = lo; n < hi; n++) {
        const float *h = c->h + n * C * T;
        for (int64_t i = 1; i < L; i++) gk_zero(C * (c->layer[i].dilation + WN_LD), win[i]);   // positions before 0
        for (int64_t t0 = 0; t0 < T; t0 += WN_TILE) {
            const int64_t len = T - t0 < WN_TILE ? T - t0 : WN_TILE;
            gk_zero(S * WN_LD, sk);
            for (int64_t i = 0; i < L; i++) {
                const int64_t d = c->layer[i].dilation, dn = i + 1 < L ? c->layer[i + 1].dilation : 0;
                const float *lag, *now;
                int64_t ld;
                if (i == 0) tile_input(C, T, d, t0, len, h, col, &lag, &now, &ld);
                else lag = win[i], now = win[i] + d, ld = d + WN_LD;
                layer_tile(C, S, len, lag, now, ld, &c->layer[i], fg, z, sk, WN_LD, i + 1 < L ? win[i + 1] + dn : NULL,
                           dn + WN_LD);
            }
            for (int64_t r = 0; r < S; r++) memcpy(c->skip_sum + (n * S + r) * T + t0, sk + r * WN_LD, sizeof(float) * (size_t)len);
            for (int64_t i = 1; i < L; i++) {   // keep the last d_i positions for the next tile
                const int64_t d = c->layer[i].dilation, W = d + WN_LD;
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

// Stacked weights W[o][tap * C + c] = w[o][c][tap] ([out, in, 2] in PyTorch's layout), filter rows then gate rows,
// matching the [lagged; current] rows; b = [bf; bg].
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

// Offsets of one layer's tensors in the packed parameters: wf, bf, wg, bg, ws, bs, wr, br.
static int64_t layer_stride(int64_t C, int64_t S) { return 4 * C * C + 2 * C + S * C + S + C * C + C; }

void gk_wavenet_stack_forward(int64_t batch, int64_t steps, int64_t res, int64_t skip, int64_t layers,
                              const int64_t *dilations, const float *params, const float *h, float *skip_sum) {
    GK_FTZ_SCOPE;
    if (batch <= 0 || steps <= 0 || res <= 0 || skip <= 0) return;
    const int64_t C = res, S = skip, P = layer_stride(C, S), Q = 8 * C * C + 2 * C + S * C + C * C;
    if (layers <= 0) {
        gk_zero(batch * S * steps, skip_sum);
        return;
    }
    // Per layer: stacked filter/gate weights (4C^2) and biases (2C), then the packed forms of the three matrices.
    float *buf = gk_alloc(sizeof(float) * (size_t)(layers * Q));
    wn_layer *ly = gk_alloc(sizeof(wn_layer) * (size_t)layers);
    for (int64_t i = 0; i < layers; i++) {
        const float *p = params + i * P, *ws = p + 4 * C * C + 2 * C, *wr = ws + S * C + S;
        float *w = buf + i * Q, *b = w + 4 * C * C, *pfg = b + 2 * C, *pws = pfg + 4 * C * C, *pwr = pws + S * C;
        stack_filter_gate(C, p, p + 2 * C * C, p + 2 * C * C + C, p + 4 * C * C + C, w, b);
        gk_small_gemm_pack(0, 2 * C, 2 * C, w, 2 * C, pfg);
        gk_small_gemm_pack(0, S, C, ws, C, pws);
        gk_small_gemm_pack(0, C, C, wr, C, pwr);
        ly[i] = (wn_layer){.dilation = dilations[i], .wfg = pfg, .bfg = b, .ws = pws, .bs = ws + S * C, .wr = pwr,
                           .br = wr + C * C};
    }
    const double flops = 2.0 * (double)batch * steps * layers * (4.0 * C * C + (double)(S + C) * C);
    const int threads = gk_get_num_threads();
    if (batch >= threads || flops < 1e7) {   // a sequence per thread: the whole stack tile by tile
        stack_ctx c = {.batch = batch, .steps = steps, .res = res, .skip = skip, .layers = layers, .layer = ly, .h = h,
                       .skip_sum = skip_sum};
        gk_parallel(gk_parts_for(batch, flops), stack_part, &c);
    } else {   // fewer sequences than threads: layer by layer, tiles shared out (same operations, same bits)
        float *ha = gk_alloc(sizeof(float) * (size_t)(batch * C * steps)), *hb = gk_alloc(sizeof(float) * (size_t)(batch * C * steps));
        gk_zero(batch * S * steps, skip_sum);
        const float *cur = h;
        for (int64_t i = 0; i < layers; i++) {
            float *next = i % 2 == 0 ? ha : hb;
            wn_ctx c = {.batch = batch, .steps = steps, .res = C, .skip = S, .tiles = (steps + WN_TILE - 1) / WN_TILE,
                        .layer = &ly[i], .h = cur, .skip_sum = skip_sum, .hout = i + 1 < layers ? next : NULL};
            gk_parallel(gk_parts_for(batch * c.tiles, flops / (double)layers), wn_part, &c);
            cur = next;
        }
        gk_free(ha);
        gk_free(hb);
    }
    gk_free(ly);
    gk_free(buf);
}
