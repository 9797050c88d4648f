// 8-float vectors for the kernel files that write their inner loops with GCC/Clang vector extensions (each clone
// compiles them to AVX-512VL, AVX2 or SSE code): the type, unaligned loads and stores, a broadcast and an 8x8
// transpose. Macros, not functions: a function taking or returning v8f would have a different ABI in each clone.
#ifndef GK_VEC_H
#define GK_VEC_H

typedef float v8f __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));   // unaligned access

#define ld(p) (*(const v8u *)(p))
#define st(p, v) (*(v8u *)(p) = (v))
#define splat(s) ({ const float s_ = (s); (v8f){s_, s_, s_, s_, s_, s_, s_, s_}; })

// 16-float vectors, for functions compiled for AVX-512 only (target "arch=x86-64-v4"): Zen 5 runs 512-bit FMAs at
// twice the 256-bit rate (measured 241 vs 121 GFLOP/s on one core), Zen 4 at the same rate with half the instructions.
typedef float v16f __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
#define ld16(p) (*(const v16u *)(p))
#define st16(p, v) (*(v16u *)(p) = (v))
#define splat16(s) ({ const float s_ = (s); (v16f){s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_, s_}; })

// a[q][j] -> a[j][q] for an 8x8 block held in v8f a[8]: unpack pairs, then 2x2 blocks, then swap 128-bit halves.
#define transpose8(a)                                                                                             \
    do {                                                                                                          \
        v8f t_[8], s_[8];                                                                                         \
        for (int p_ = 0; p_ < 8; p_ += 2) {                                                                       \
            t_[p_] = __builtin_shufflevector(a[p_], a[p_ + 1], 0, 8, 1, 9, 4, 12, 5, 13);                         \
            t_[p_ + 1] = __builtin_shufflevector(a[p_], a[p_ + 1], 2, 10, 3, 11, 6, 14, 7, 15);                   \
        }                                                                                                         \
        for (int p_ = 0; p_ < 8; p_ += 4)                                                                         \
            for (int h_ = 0; h_ < 2; h_++) {                                                                      \
                s_[p_ + 2 * h_] = __builtin_shufflevector(t_[p_ + h_], t_[p_ + 2 + h_], 0, 1, 8, 9, 4, 5, 12, 13); \
                s_[p_ + 2 * h_ + 1] =                                                                             \
                    __builtin_shufflevector(t_[p_ + h_], t_[p_ + 2 + h_], 2, 3, 10, 11, 6, 7, 14, 15);            \
            }                                                                                                     \
        for (int j_ = 0; j_ < 4; j_++) {                                                                          \
            a[j_] = __builtin_shufflevector(s_[j_], s_[4 + j_], 0, 1, 2, 3, 8, 9, 10, 11);                        \
            a[j_ + 4] = __builtin_shufflevector(s_[j_], s_[4 + j_], 4, 5, 6, 7, 12, 13, 14, 15);                  \
        }                                                                                                         \
    } while (0)

#endif
