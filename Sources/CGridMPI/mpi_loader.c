// Loads Open MPI at run time and wraps the few calls gridcnn needs. See gridmpi.h for why it is not linked.
#include "gridmpi.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *gm_handle;   // Open MPI's MPI_Comm, MPI_Datatype and MPI_Op are pointers to library structs
static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*finalize)(void);
    int (*comm_rank)(gm_handle, int *);
    int (*comm_size)(gm_handle, int *);
    int (*abort_)(gm_handle, int);
    int (*bcast)(void *, int, gm_handle, int, gm_handle);
    int (*send)(const void *, int, gm_handle, int, int, gm_handle);
    int (*recv)(void *, int, gm_handle, int, int, gm_handle, void *);
    int (*sendrecv)(const void *, int, gm_handle, int, int, void *, int, gm_handle, int, int, gm_handle, void *);
    int (*error_string)(int, char *, int *);
    gm_handle world, f32, f64, byte;
    int active, rank, size;
} mpi;
static char last_error[512];

enum { THREAD_FUNNELED = 1, MAX_STRING = 256 };

static int fail(int rc) {
    if (rc == 0) return 0;
    char text[MAX_STRING] = "";
    int len = 0;
    if (mpi.error_string) mpi.error_string(rc, text, &len);
    snprintf(last_error, sizeof last_error, "MPI error %d: %s", rc, text);
    return rc;
}

const char *gm_last_error(void) { return last_error; }
int gm_active(void) { return mpi.active; }

int gm_start(const char *path, int *rank, int *size, char *err, int errlen) {
    const char *lib = path && *path ? path : "libmpi.so.40";
    // Global: Open MPI's own plugins are loaded later and resolve libmpi's symbols.
    void *h = dlopen(lib, RTLD_NOW | RTLD_GLOBAL);
    if (!h) { snprintf(err, errlen, "cannot load %s (%s); install Open MPI or set GRIDCNN_LIBMPI", lib, dlerror()); return 1; }
#define SYM(field, name) do { *(void **)&mpi.field = dlsym(h, name); \
    if (!mpi.field) { snprintf(err, errlen, "%s lacks %s: not Open MPI's ABI", lib, name); return 1; } } while (0)
    SYM(init_thread, "MPI_Init_thread"); SYM(finalize, "MPI_Finalize"); SYM(comm_rank, "MPI_Comm_rank");
    SYM(comm_size, "MPI_Comm_size"); SYM(abort_, "MPI_Abort");
    SYM(bcast, "MPI_Bcast"); SYM(send, "MPI_Send"); SYM(recv, "MPI_Recv");
    SYM(sendrecv, "MPI_Sendrecv"); SYM(error_string, "MPI_Error_string");
    SYM(world, "ompi_mpi_comm_world"); SYM(f32, "ompi_mpi_float"); SYM(f64, "ompi_mpi_double");
    SYM(byte, "ompi_mpi_byte");
#undef SYM
    int provided = 0;
    int rc = mpi.init_thread(NULL, NULL, THREAD_FUNNELED, &provided);
    if (rc) { fail(rc); snprintf(err, errlen, "MPI_Init_thread failed: %s", last_error); return 1; }
    mpi.comm_rank(mpi.world, &mpi.rank);
    mpi.comm_size(mpi.world, &mpi.size);
    mpi.active = 1;
    *rank = mpi.rank; *size = mpi.size;
    return 0;
}

void gm_finish(void) { if (mpi.active) { mpi.active = 0; mpi.finalize(); } }
void gm_abort(int code) { if (mpi.active) mpi.abort_(mpi.world, code); _exit(code); }

// One ring all-reduce for both element types: the chunk a rank holds is summed in the same order every time.
#define RING_ALLREDUCE(NAME, T, TYPE)                                                                             \
int NAME(T *buf, int64_t n) {                                                                                    \
    int p = mpi.size, r = mpi.rank;                                                                              \
    if (!mpi.active || p <= 1 || n == 0) return 0;                                                               \
    if (n / p + 1 > INT_MAX) { snprintf(last_error, sizeof last_error, "all-reduce of %lld values is too large", \
                                        (long long)n); return -1; }                                              \
    int64_t largest = n / p + 1;                                                                                 \
    T *incoming = malloc(sizeof(T) * (size_t)largest);                                                           \
    if (!incoming) return -1;                                                                                    \
    int right = (r + 1) % p, left = (r - 1 + p) % p, rc = 0;                                                     \
    /* reduce-scatter: after p-1 steps rank r holds the full sum of chunk (r+1) % p */                           \
    for (int s = 0; s < p - 1 && !rc; s++) {                                                                     \
        int sc = (r - s + p) % p, rcv = (r - s - 1 + 2 * p) % p;                                                 \
        int64_t s0 = n * sc / p, s1 = n * (sc + 1) / p, r0 = n * rcv / p, r1 = n * (rcv + 1) / p;                \
        rc = mpi.sendrecv(buf + s0, (int)(s1 - s0), mpi.TYPE, right, 7001, incoming, (int)(r1 - r0), mpi.TYPE,   \
                          left, 7001, mpi.world, NULL);                                                          \
        if (!rc) for (int64_t i = 0; i < r1 - r0; i++) buf[r0 + i] += incoming[i];                               \
    }                                                                                                            \
    /* all-gather: pass the finished chunks around the ring */                                                   \
    for (int s = 0; s < p - 1 && !rc; s++) {                                                                     \
        int sc = (r - s + 1 + p) % p, rcv = (r - s + p) % p;                                                     \
        int64_t s0 = n * sc / p, s1 = n * (sc + 1) / p, r0 = n * rcv / p, r1 = n * (rcv + 1) / p;                \
        rc = mpi.sendrecv(buf + s0, (int)(s1 - s0), mpi.TYPE, right, 7002, buf + r0, (int)(r1 - r0), mpi.TYPE,   \
                          left, 7002, mpi.world, NULL);                                                          \
    }                                                                                                            \
    free(incoming);                                                                                              \
    return fail(rc);                                                                                             \
}
RING_ALLREDUCE(gm_allreduce_sum_f32, float, f32)
RING_ALLREDUCE(gm_allreduce_sum_f64, double, f64)

// Byte messages longer than INT_MAX go in pieces.
#define PIECES(call) for (int64_t done = 0; done < n;) { int len = (int)((n - done) > INT_MAX ? INT_MAX : (n - done)); \
    int rc = call; if (rc) return fail(rc); done += len; } return 0;
int gm_broadcast_bytes(void *buf, int64_t n, int root) {
    if (!mpi.active || mpi.size <= 1) return 0;
    PIECES(mpi.bcast((char *)buf + done, len, mpi.byte, root, mpi.world))
}
int gm_send_bytes(const void *buf, int64_t n, int dest, int tag) {
    PIECES(mpi.send((const char *)buf + done, len, mpi.byte, dest, tag, mpi.world))
}
int gm_recv_bytes(void *buf, int64_t n, int source, int tag) {
    PIECES(mpi.recv((char *)buf + done, len, mpi.byte, source, tag, mpi.world, NULL))
}
