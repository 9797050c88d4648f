// Thread count, a small persistent pthread pool, FTZ, CPU level and the public GEMM wrapper.
#include "gk_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <xmmintrin.h>

#define GK_MAX_THREADS 256

static _Atomic int g_threads = 1;

// OpenBLAS always runs on 1 thread: our kernels split work themselves (by geometry, so results do not depend on the
// thread count), and changing OpenBLAS's thread count while another thread is inside an OpenBLAS call is not safe.
// The cost: a lone large GEMM outside the kernels (Tensor.matmul) does not use the other cores.
void gk_set_num_threads(int n) {
    if (n < 1) n = 1;
    if (n > GK_MAX_THREADS) n = GK_MAX_THREADS;
    atomic_store(&g_threads, n);
}

int gk_get_num_threads(void) { return atomic_load(&g_threads); }

unsigned gk_fp_control(void) { return _mm_getcsr(); }
void gk_set_fp_control(unsigned csr) { _mm_setcsr(csr); }

// OpenBLAS starts with one thread per core; it only ever runs on 1 here (gk_set_num_threads sets our own pool).
// Its idle server threads spin in sched_yield after start-up (measured: 9% of a core during a training run) and
// take a core from our second worker, so they are shut down; OpenBLAS would start them again if ever asked for
// more threads. Weak: another BLAS without that entry point still links. (Shared-library constructors, OpenBLAS's
// included, have run before this one.)
extern int blas_thread_shutdown_(void) __attribute__((weak));
__attribute__((constructor)) static void gk_init_threads(void) {
    openblas_set_num_threads(1);
    if (blas_thread_shutdown_) blas_thread_shutdown_();
}

// FTZ (bit 15) | DAZ (bit 6) for a pool thread, once per job (entry points use GK_FTZ_SCOPE, which restores).
void gk_enable_flush_to_zero(void) {
    unsigned csr = _mm_getcsr();
    if ((csr & 0x8040u) != 0x8040u) _mm_setcsr(csr | 0x8040u);
}

// Same feature bits the target_clones resolver tests (libgcc/compiler-rt __cpu_features2), so this reports
// exactly which clone the loader bound.
int gk_cpu_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return 3;
    if (__builtin_cpu_supports("x86-64-v3")) return 2;
    return 1;
}

int gk_wide(void) {
#if GK_HAVE_WIDE
    static int wide = -1;   // a benign race: every thread computes the same value
    if (wide < 0) wide = gk_cpu_level() == 3;
    return wide;
#else
    return 0;
#endif
}

void gk_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

void *gk_alloc(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) bytes = 64;
    if (posix_memalign(&p, 64, (bytes + 63) & ~(size_t)63) != 0 || !p) {
        fprintf(stderr, "gridkernels: out of memory allocating %zu bytes\n", bytes);
        abort();
    }
    return p;
}

void gk_free(void *p) { free(p); }

// ---- pool --------------------------------------------------------------------------------------------------------
// One job at a time (use_mu, taken with trylock so a busy pool or a nested call degrades to running inline).
// Between jobs a worker spins on the job counter for a while (~20-50 us) before it sleeps on job_cv, and the caller
// spins on the pending count before it sleeps on done_cv: a training step issues hundreds of short kernels, and a
// sleep / wake-up through the kernel costs 10-50 us each on this VM, more than many of the kernels themselves.
#define GK_SPINS 4096   // pause instructions (~40 cycles each on Zen) before sleeping
static pthread_mutex_t use_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int n_workers;
// Generation << 16 | parts, one word so a worker reads both consistently; published (release) after job_fn and
// job_ctx are set. A worker whose part is outside the job reads nothing else, so it can never pick up the next job's
// fields; one inside it holds the job open (job_pending) until it is done with them.
static _Atomic uint64_t job_word;
static gk_part_fn job_fn;
static void *job_ctx;
static _Atomic int job_pending;

static void *worker_main(void *arg) {
    int part = (int)(intptr_t)arg;   // worker i always runs part i
    uint64_t seen = 0;
    for (;;) {
        uint64_t w = atomic_load_explicit(&job_word, memory_order_acquire);
        for (int i = 0; w >> 16 == seen && i < GK_SPINS; i++) {
            _mm_pause();
            w = atomic_load_explicit(&job_word, memory_order_acquire);
        }
        if (w >> 16 == seen) {
            pthread_mutex_lock(&mu);
            while ((w = atomic_load_explicit(&job_word, memory_order_acquire)) >> 16 == seen) pthread_cond_wait(&job_cv, &mu);
            pthread_mutex_unlock(&mu);
        }
        seen = w >> 16;
        const int parts = (int)(w & 0xffff);
        if (part >= parts) continue;
        gk_enable_flush_to_zero();
        job_fn(job_ctx, part, parts);
        if (atomic_fetch_sub_explicit(&job_pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&mu);   // the caller may be about to sleep: signal under mu, no lost wake-up
            pthread_cond_signal(&done_cv);
            pthread_mutex_unlock(&mu);
        }
    }
    return NULL;
}

// Called with use_mu held; grows the pool to `want` workers (parts 1..want).
static int ensure_workers(int want) {
    while (n_workers < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)(n_workers + 1));
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        n_workers++;
    }
    return n_workers;
}

void gk_parallel(int nparts, gk_part_fn fn, void *ctx) {
    int got = nparts > 1 && pthread_mutex_trylock(&use_mu) == 0;
    if (!got || ensure_workers(nparts - 1) < nparts - 1) {
        // One part, pool busy (another caller, or nested) or could not grow: same parts, same order, here.
        if (got) pthread_mutex_unlock(&use_mu);
        for (int p = 0; p < nparts; p++) fn(ctx, p, nparts);
        return;
    }
    pthread_mutex_lock(&mu);
    job_fn = fn;
    job_ctx = ctx;
    atomic_store_explicit(&job_pending, nparts - 1, memory_order_relaxed);
    const uint64_t gen = (atomic_load_explicit(&job_word, memory_order_relaxed) >> 16) + 1;
    atomic_store_explicit(&job_word, gen << 16 | (uint64_t)nparts, memory_order_release);
    pthread_cond_broadcast(&job_cv);
    pthread_mutex_unlock(&mu);
    fn(ctx, 0, nparts);
    for (int i = 0; atomic_load_explicit(&job_pending, memory_order_acquire) > 0 && i < GK_SPINS; i++) _mm_pause();
    if (atomic_load_explicit(&job_pending, memory_order_acquire) > 0) {
        pthread_mutex_lock(&mu);
        while (atomic_load_explicit(&job_pending, memory_order_acquire) > 0) pthread_cond_wait(&done_cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_unlock(&use_mu);
}

int gk_parts_for(int64_t items, double total_work) {
    int t = gk_get_num_threads();
    if (t <= 1 || items <= 1 || total_work < 65536.0) return 1;
    return items < t ? (int)items : t;
}

// ---- GEMM --------------------------------------------------------------------------------------------------------
void gk_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
              const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    GK_FTZ_SCOPE;
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {   // C = beta*C without touching A or B
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX || ldb > INT_MAX || ldc > INT_MAX) {
        fprintf(stderr, "gridkernels: gk_sgemm dimension over INT_MAX (LP64 OpenBLAS)\n");
        abort();
    }
    // OpenBLAS scales C by beta in a separate, slow pass (sgemm_beta); zeroing rows here and accumulating with
    // beta = 1 is 15-30% faster on the small-K GEMMs of convolutions (measured 64x2000x32: 0.141 -> 0.109 ms).
    if (beta == 0.0f) {
        for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, sizeof(float) * (size_t)n);
        beta = 1.0f;
    }
    cblas_sgemm(GK_ROW_MAJOR, trans_a ? GK_TRANS : GK_NO_TRANS, trans_b ? GK_TRANS : GK_NO_TRANS, (int)m, (int)n,
                (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}
