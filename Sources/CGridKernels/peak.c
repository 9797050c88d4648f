// One core's FP32 FMA peak, measured rather than assumed (a Zen 4 core runs 512-bit FMAs at the 256-bit rate, a Zen 5
// core at twice it): 12 independent FMA chains of the widest vector the kernels use, the best of 3 runs of ~4 ms.
#include "gk_internal.h"
#include "gk_vec.h"
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define PEAK_CHAINS 12
static volatile float peak_sink;
// FLOP per second of n steps of PEAK_CHAINS FMAs on vectors of type V (float FMAs cannot be folded, and the sum is
// stored through a volatile, so every chain runs).
#define PEAK_BODY(V, SPLAT, LANES)                                                                              \
    V a[PEAK_CHAINS];                                                                                           \
    const V m = SPLAT(0.999999f), c = SPLAT(1e-7f);                                                             \
    for (int i = 0; i < PEAK_CHAINS; i++) a[i] = SPLAT((float)i);                                               \
    const double t0 = seconds();                                                                                \
    for (long s = 0; s < n; s++)                                                                                \
        for (int i = 0; i < PEAK_CHAINS; i++) a[i] = a[i] * m + c;                                              \
    const double t = seconds() - t0;                                                                            \
    float keep = 0.0f;                                                                                          \
    for (int i = 0; i < PEAK_CHAINS; i++) keep += a[i][0];                                                      \
    peak_sink = keep;                                                                                           \
    return 2.0 * LANES * PEAK_CHAINS * (double)n / t;

GK_CLONES static double chains8(long n) { PEAK_BODY(v8f, splat, 8) }
#if GK_HAVE_WIDE
GK_WIDE static double chains16(long n) { PEAK_BODY(v16f, splat16, 16) }
#endif

double gk_fma_peak_gflops(void) {
    GK_FTZ_SCOPE;
    double best = 0.0;
    for (int r = 0; r < 3; r++) {
        const long n = 1L << 20;
#if GK_HAVE_WIDE
        const double f = gk_wide() ? chains16(n) : chains8(n);
#else
        const double f = chains8(n);
#endif
        if (f > best) best = f;
    }
    return best * 1e-9;
}
