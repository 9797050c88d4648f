// Branch-free, always-inline float exp/log/expm1/log1p/tanh/sigmoid/softplus cores (method notes in
// transcendental.c). Included by kernel files so the loops using them vectorise inside each target clone.
#ifndef GK_FASTMATH_H
#define GK_FASTMATH_H
#include "gk_internal.h"
#include <float.h>
#include <math.h>
#include <string.h>

GK_INLINE uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
GK_INLINE float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
GK_INLINE float sel(int c, float a, float b) { return c ? a : b; }
GK_INLINE float fabs_(float x) { return u2f(f2u(x) & 0x7fffffffu); }
GK_INLINE float copysign_(float mag, float sgn) { return u2f((f2u(mag) & 0x7fffffffu) | (f2u(sgn) & 0x80000000u)); }
GK_INLINE float pow2i(int32_t k) { return u2f((uint32_t)(k + 127) << 23); }   // 2^k, k in [-126, 127]

#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f            // 355/512: n * LN2_HI is exact for |n| < 2^15
#define LN2_LO -2.12194440e-4f         // ln 2 - LN2_HI
#define ROUND_MAGIC 12582912.0f        // 1.5 * 2^23: adding it rounds to an integer, kept in the low mantissa bits
#define EXP_HI 88.72283935546875f      // largest x with exp(x) finite in float is just below this
#define EXP_LO -104.0f                 // exp(x) < half the smallest denormal below this

// Reduces x (|x| <= ~200) to r in [-ln2/2, ln2/2] and n = round(x / ln2); returns expm1(r).
GK_INLINE float expm1_reduced(float x, int32_t *n_out) {
    float t = x * LOG2E + ROUND_MAGIC;
    int32_t n = (int32_t)(f2u(t) - f2u(ROUND_MAGIC));
    float nf = t - ROUND_MAGIC;
    float r = x - nf * LN2_HI;   // exact
    r = r - nf * LN2_LO;
    // 1/2! + r/3! + ... + r^6/8! in Estrin's form: the same terms as Horner's rule, but a dependency chain of 4
    // operations instead of 7, so the vectorised loops are not latency-bound.
    float r2 = r * r, r4 = r2 * r2;
    float a = 1.66666667e-1f * r + 0.5f;                 // 1/3!, 1/2!
    float b = 8.33333333e-3f * r + 4.16666667e-2f;       // 1/5!, 1/4!
    float c = 1.98412698e-4f * r + 1.38888889e-3f;       // 1/7!, 1/6!
    float p = (b * r2 + a) + r4 * (2.48015873e-5f * r2 + c);   // + r^6/8!
    *n_out = n;
    return r + r2 * p;
}

GK_INLINE float exp_f(float x) {
    float xc = x > EXP_HI + 1.0f ? EXP_HI + 1.0f : x;   // clamp keeps n in [-151, 129]; the scale overflows to inf
    xc = xc < EXP_LO ? EXP_LO : xc;                      // or underflows to 0 exactly as exp would
    int32_t n;
    float p = expm1_reduced(xc, &n);
    int32_t k1 = n >> 1, k2 = n - k1;
    float y = ((1.0f + p) * pow2i(k1)) * pow2i(k2);
    return sel(x != x, x, y);
}

GK_INLINE float expm1_f(float x) {
    float xc = x > EXP_HI ? EXP_HI : x;   // n <= 128, so 2^(n-1) is finite
    xc = xc < -30.0f ? -30.0f : xc;       // expm1(-30) rounds to -1
    int32_t n;
    float p = expm1_reduced(xc, &n);
    float s = pow2i(n - 1);
    float y = 2.0f * (s * p + (s - 0.5f));
    y = sel(n == 0, p, y);                                 // also keeps tiny |x| from flushing in s * p
    y = sel(x > EXP_HI, INFINITY, y);
    return sel(x != x, x, y);
}

// exp(x) for x <= 0 where results below FLT_MIN may be 0 (they are flushed anyway): with x clamped at -88, n >= -127
// and one scale factor 2^n does (2^-127 builds as +0, so exp(x < -87.7) = 0); exp_f needs two to reach the
// denormals. exp(r) by a degree-6 polynomial fitted for least maximum relative error on [-ln2/2, ln2/2] (3.8e-9
// before rounding: as accurate in float as the degree-8 Taylor form, two operations fewer). For activations of -|u|.
GK_INLINE float exp_neg_f(float x) {
    const float xc = x < -88.0f ? -88.0f : x;
    const float t = xc * LOG2E + ROUND_MAGIC;
    const int32_t n = (int32_t)(f2u(t) - f2u(ROUND_MAGIC));
    const float nf = t - ROUND_MAGIC;
    float r = xc - nf * LN2_HI;   // exact
    r = r - nf * LN2_LO;
    const float r2 = r * r;
    const float a = 1.666652113e-1f * r + 4.999999404e-1f, b = 8.368708193e-3f * r + 4.166838899e-2f;
    const float p = (1.381459297e-3f * r2 + b) * r2 + a;
    return (r2 * p + r + 1.0f) * pow2i(n);
}

// tanh(x) = num / den with num = x P(u), den = Q(u), u = (x/9)^2, x clamped to [-9, 9] (tanh(9) rounds to 1 within
// an ulp): a rational function fitted for least maximum relative error, 2e-8 in exact arithmetic and <= 3.4e-7 in
// float. Nine multiply-adds and no exponent handling, so a caller that divides anyway (the gate) gets tanh cheaply.
GK_INLINE void tanh_rational(float x, float *num, float *den) {
    const float xc = x > 9.0f ? 9.0f : (x < -9.0f ? -9.0f : x);   // NaN passes through
    const float v = xc * (1.0f / 9.0f), u = v * v;
    float p = 5.748816729e-01f;
    p = p * u + 1.095257664e+01f;
    p = p * u + 2.293460274e+01f;
    p = p * u + 1.083863640e+01f;
    p = p * u + 1.0f;
    float q = 3.347583389e+01f;
    q = q * u + 1.746127625e+02f;
    q = q * u + 1.697790680e+02f;
    q = q * u + 3.783862305e+01f;
    q = q * u + 1.0f;
    *num = xc * p;
    *den = q;
}

// Cephes logf core on positive normal x: returns log(x).
GK_INLINE float log_core(float x) {
    uint32_t u = f2u(x);
    int32_t e = (int32_t)(u >> 23) - 126;                  // x = m * 2^e, m in [0.5, 1)
    float m = u2f((u & 0x007fffffu) | 0x3f000000u);
    int lt = m < 0.70710678118654752f;
    e = lt ? e - 1 : e;
    m = lt ? m + m - 1.0f : m - 1.0f;                      // exact (Sterbenz)
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    float ef = (float)e;
    y = y + ef * LN2_LO;
    y = y - 0.5f * z;
    return (m + y) + ef * LN2_HI;
}

GK_INLINE float log_f(float x) {
    int sub = x < FLT_MIN;                                 // denormals (when DAZ is off) scaled into the normal range
    float xs = sub ? x * 8388608.0f : x;                   // 2^23
    float xp = xs > 0.0f ? xs : 1.0f;                      // keep the core away from 0, negatives, inf, NaN
    xp = xp < INFINITY ? xp : 1.0f;
    float y = log_core(xp) - (sub ? 15.9423851528787f : 0.0f);   // 23 ln 2
    y = sel(x == INFINITY, INFINITY, y);
    y = sel(x == 0.0f, -INFINITY, y);
    y = sel(x < 0.0f, NAN, y);
    return sel(x != x, x, y);
}

GK_INLINE float log1p_f(float u) {
    float w = 1.0f + u;
    float wp = w > 0.0f ? w : 1.0f;
    wp = wp < INFINITY ? wp : 1.0f;
    float c = (u - (wp - 1.0f)) / wp;                      // rounding error of 1 + u, relative to it
    float y = log_core(wp) + c;
    y = sel(w == 1.0f, u, y);                              // |u| < 2^-24: log1p(u) = u
    y = sel(w == INFINITY, INFINITY, y);
    y = sel(w == 0.0f, -INFINITY, y);
    y = sel(w < 0.0f, NAN, y);
    return sel(u != u, u, y);
}

// tanh(|x|) for |x| < 0.625: Cephes' odd polynomial (z = x*x, ax = |x|).
GK_INLINE float tanh_small(float z, float ax) {
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    return (p * z) * ax + ax;
}

GK_INLINE float tanh_f(float x) {
    float ax = fabs_(x);
    float small = tanh_small(x * x, ax);
    float axc = ax > 10.0f ? 10.0f : ax;                   // tanh(10) rounds to 1
    float em = expm1_f(-2.0f * axc);
    float big = -em / (2.0f + em);
    float y = copysign_(sel(ax < 0.625f, small, big), x);  // odd: also keeps tanh(-0) = -0
    return sel(x != x, x, y);
}

GK_INLINE float sigmoid_f(float x) {
    float e = exp_f(-fabs_(x));                            // in (0, 1]: never overflows
    float y = sel(x >= 0.0f, 1.0f, e) / (1.0f + e);
    return sel(x != x, x, y);
}

GK_INLINE float softplus_f(float x) {
    float pos = x > 0.0f ? x : 0.0f;
    float y = pos + log1p_f(exp_f(-fabs_(x)));
    y = sel(x > 20.0f, x, y);
    return sel(x != x, x, y);
}

#endif
