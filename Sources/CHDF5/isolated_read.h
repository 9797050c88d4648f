/* Isolated data reads. libhdf5 (directly, or under libnetcdf for netCDF-4) can crash or loop forever on a corrupt
   chunk index, filter pipeline or heap of a file that passed the metadata probe. So GridIO reads the data of every
   HDF5-based file it did not write through a reader child: forked once per open file (after the parent opened it, so
   the child holds the same ids), it serves read requests sent over a socket and returns the values in a memfd the
   parent maps. The child keeps the file and its chunk cache open across requests, so streaming still decompresses
   each chunk once. A crash ends only the child; a request that runs past its time limit gets the child killed; both
   become errors in the caller. Forks happen under GridIO's library lock, so no other thread is inside either library
   at the fork; the child runs only C and _exit()s. */
#ifndef GC_ISOLATED_READ_H
#define GC_ISOLATED_READ_H
#include <hdf5.h>
#include <netcdf.h>
#include "../CNetCDF/probe_limits.h"
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GC_READ_NC 1
#define GC_READ_H5 2
#define GC_READ_NC_CACHE 3
#define GC_READ_H5_ATTRIBUTE 4
#define GC_READ_VLEN_STRINGS (-2) /* memtype of an attribute read as variable-length strings */
#define GC_READ_TEST_CRASH 98 /* tests: the child dies of SIGSEGV, or spins for ever, as libhdf5 does on some files */
#define GC_READ_TEST_SPIN 99
#define GC_READ_MAX_RANK 32
/* Outcomes besides a library status (0 = success, NC_E* or -1 for HDF5 failures). */
#define GC_READ_CRASHED (-1000)
#define GC_READ_HUNG (-1001)
#define GC_READ_NO_CHILD (-1002)

typedef struct {
    int kind;
    int ncid, varid, rank;
    size_t start[GC_READ_MAX_RANK], count[GC_READ_MAX_RANK];
    ptrdiff_t stride[GC_READ_MAX_RANK];
    int unit_stride;
    hid_t file, memtype;
    size_t bytes; /* the size of the result */
    size_t cache_bytes, cache_slots;
    float preemption;
    char path[1024], name[1024];
} gc_read_request;

typedef struct { int status; size_t bytes; } gc_read_reply;

typedef struct {
    pid_t pid;
    int fd, memfd; /* the socket to the child; the shared buffer */
    int dead; /* set once the child crashed or hung: later requests fail at once */
    int signal_number;
} gc_reader;

/* send() with MSG_NOSIGNAL: a dead peer is an error, not a SIGPIPE that would end the caller. */
static inline int gc_full_io(int fd, void *buffer, size_t n, int writing) {
    char *p = (char *)buffer;
    while (n > 0) {
        ssize_t k = writing ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k; n -= (size_t)k;
    }
    return 0;
}

/* Variable-length strings of an attribute, packed NUL-terminated into the shared buffer (their size is known only
   after the read). */
static inline int gc_reader_vlen_strings(hid_t a, size_t n, int memfd, size_t *bytes) {
    hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5T_CSET_UTF8);
    char **strings = (char **)calloc(n ? n : 1, sizeof(char *));
    int status = strings && H5Aread(a, mem, strings) >= 0 ? 0 : -1;
    size_t total = 0;
    for (size_t i = 0; status == 0 && i < n; i++) total += (strings[i] ? strlen(strings[i]) : 0) + 1;
    char *out = NULL;
    if (status == 0 && total > 0) {
        if (ftruncate(memfd, (off_t)total) != 0) status = -1;
        else if ((out = (char *)mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0)) == MAP_FAILED) status = -1;
    }
    if (status == 0 && total > 0) {
        char *p = out;
        for (size_t i = 0; i < n; i++) {
            size_t k = strings[i] ? strlen(strings[i]) : 0;
            memcpy(p, strings[i] ? strings[i] : "", k + 1);
            p += k + 1;
        }
        munmap(out, total);
    }
    *bytes = status == 0 ? total : 0;
    if (status == 0) {
        hid_t space = H5Aget_space(a);
        if (space >= 0) { H5Dvlen_reclaim(mem, space, H5P_DEFAULT, strings); H5Sclose(space); }
    }
    free(strings);
    H5Tclose(mem);
    return status;
}

static inline int gc_reader_serve_one(const gc_read_request *r, int memfd, size_t *bytes) {
    *bytes = r->bytes;
    if (r->kind == GC_READ_TEST_CRASH) raise(SIGSEGV);
    if (r->kind == GC_READ_TEST_SPIN) for (volatile int spin = 1; spin;) {}
    if (r->kind == GC_READ_NC_CACHE) return nc_set_var_chunk_cache(r->ncid, r->varid, r->cache_bytes, r->cache_slots, r->preemption);
    hid_t object = -1, attribute = -1;
    if (r->kind == GC_READ_H5_ATTRIBUTE) {
        object = H5Oopen(r->file, r->path, H5P_DEFAULT);
        attribute = object >= 0 ? H5Aopen(object, r->name, H5P_DEFAULT) : -1;
        if (attribute < 0) { if (object >= 0) H5Oclose(object); return -1; }
        if (r->memtype == GC_READ_VLEN_STRINGS) {
            int status = gc_reader_vlen_strings(attribute, r->count[0], memfd, bytes);
            H5Aclose(attribute);
            H5Oclose(object);
            return status;
        }
    }
    void *out = NULL;
    if (r->bytes > 0) {
        out = mmap(NULL, r->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (out == MAP_FAILED) return NC_ENOMEM;
    }
    int status;
    if (r->kind == GC_READ_NC) {
        status = r->unit_stride ? nc_get_vara(r->ncid, r->varid, r->start, r->count, out)
                                : nc_get_vars(r->ncid, r->varid, r->start, r->count, r->stride, out);
    } else if (r->kind == GC_READ_H5_ATTRIBUTE) {
        status = H5Aread(attribute, r->memtype, out) >= 0 ? 0 : -1;
        H5Aclose(attribute);
        H5Oclose(object);
    } else {
        hid_t d = H5Dopen2(r->file, r->path, H5P_DEFAULT);
        status = d >= 0 && H5Dread(d, r->memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0 ? 0 : -1;
        if (d >= 0) H5Dclose(d);
    }
    if (out) munmap(out, r->bytes);
    return status;
}

static inline void gc_reader_child(int fd, int memfd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* A fault ends the child at once: no inherited handler (the Swift runtime's backtracer) and no mask inherited
       from the forking thread. */
    int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGPIPE };
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    gc_child_close_inherited(fd, memfd);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) { dup2(devnull, 1); dup2(devnull, 2); }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    gc_read_request r;
    while (gc_full_io(fd, &r, sizeof r, 0) == 0) {
        gc_read_reply reply;
        reply.status = gc_reader_serve_one(&r, memfd, &reply.bytes);
        if (gc_full_io(fd, &reply, sizeof reply, 1) != 0) break;
    }
    _exit(0);
}

/* Forks the reader child; returns 0, or -1 when no child could be made (the caller then refuses the read). */
static inline int gc_reader_start(gc_reader *reader) {
    int pair[2];
    memset(reader, 0, sizeof *reader);
    reader->pid = -1;
    reader->fd = reader->memfd = -1;
    int memfd = (int)syscall(SYS_memfd_create, "gridio-read", 1u /* MFD_CLOEXEC */);
    if (memfd < 0) return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) { close(memfd); return -1; }
    /* Close-on-exec, so programs spawned later never hold the parent's end. */
    fcntl(pair[0], F_SETFD, FD_CLOEXEC);
    fcntl(pair[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork();
    if (pid < 0) { close(memfd); close(pair[0]); close(pair[1]); return -1; }
    if (pid == 0) {
        close(pair[0]);
        gc_reader_child(pair[1], memfd);
    }
    close(pair[1]);
    reader->pid = pid;
    reader->fd = pair[0];
    reader->memfd = memfd;
    return 0;
}

static inline void gc_reader_kill(gc_reader *reader) {
    if (reader->pid > 0) {
        kill(reader->pid, SIGKILL);
        int wstatus = 0;
        while (waitpid(reader->pid, &wstatus, 0) < 0 && errno == EINTR) {}
        if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) != SIGKILL) reader->signal_number = WTERMSIG(wstatus);
        reader->pid = -1;
    }
}

/* Ends the child and frees the socket and buffer; safe to call twice. */
static inline void gc_reader_stop(gc_reader *reader) {
    gc_reader_kill(reader);
    if (reader->fd >= 0) close(reader->fd);
    if (reader->memfd >= 0) close(reader->memfd);
    reader->fd = reader->memfd = -1;
}

static inline double gc_seconds(clockid_t clock) {
    struct timespec t;
    return clock_gettime(clock, &t) == 0 ? (double)t.tv_sec + 1e-9 * (double)t.tv_nsec : 0;
}

/* Waits for the child's reply. The limit counts the child's CPU time, so a loaded machine (or a slow disk) does not
   turn a sound read into a "hang"; a child blocked without using CPU gets ten times the limit in wall time. Returns
   poll's result: 1 ready, 0 past the limit, -1 an error. */
static inline int gc_reader_wait(gc_reader *reader, int timeout_ms) {
    clockid_t child_cpu;
    int have_cpu = clock_getcpuclockid(reader->pid, &child_cpu) == 0;
    double cpu_start = have_cpu ? gc_seconds(child_cpu) : 0, wall_start = gc_seconds(CLOCK_MONOTONIC);
    double limit = timeout_ms / 1000.0;
    struct pollfd p = { reader->fd, POLLIN, 0 };
    for (;;) {
        int ready = poll(&p, 1, 250);
        if (ready < 0 && errno == EINTR) continue;
        if (ready != 0) return ready;
        double wall = gc_seconds(CLOCK_MONOTONIC) - wall_start;
        double cpu = have_cpu ? gc_seconds(child_cpu) - cpu_start : wall;
        if (cpu > limit || wall > 10 * limit) return 0;
    }
}

/* Sends one request and copies the result into `destination` (request->bytes), or into a malloc'd `*allocated`
   (results whose size only the child knows; *allocated_bytes). Returns the library status, or GC_READ_CRASHED /
   GC_READ_HUNG (after `timeout_ms`; the child is then killed) / GC_READ_NO_CHILD. */
static inline int gc_reader_request(gc_reader *reader, const gc_read_request *request, void *destination, int timeout_ms,
                                    char **allocated, size_t *allocated_bytes) {
    if (reader->dead) return reader->dead;
    if (reader->pid <= 0) return GC_READ_NO_CHILD;
    if (request->bytes > 0 && ftruncate(reader->memfd, (off_t)request->bytes) != 0) return NC_ENOMEM;
    if (gc_full_io(reader->fd, (void *)request, sizeof *request, 1) != 0) {
        gc_reader_kill(reader);
        return reader->dead = GC_READ_CRASHED;
    }
    int ready = gc_reader_wait(reader, timeout_ms);
    gc_read_reply reply;
    if (ready == 0) {
        gc_reader_kill(reader);
        return reader->dead = GC_READ_HUNG;
    }
    if (ready < 0 || gc_full_io(reader->fd, &reply, sizeof reply, 0) != 0) {
        gc_reader_kill(reader);
        return reader->dead = GC_READ_CRASHED;
    }
    size_t bytes = destination ? request->bytes : reply.bytes;
    if (reply.status == 0 && bytes > 0) {
        void *in = mmap(NULL, bytes, PROT_READ, MAP_SHARED, reader->memfd, 0);
        if (in == MAP_FAILED) return NC_ENOMEM;
        if (!destination && allocated) {
            *allocated = (char *)malloc(bytes);
            *allocated_bytes = bytes;
            destination = *allocated;
        }
        if (destination) memcpy(destination, in, bytes);
        munmap(in, bytes);
        if (!destination) return NC_ENOMEM;
    }
    /* Large results are not kept in memory between reads. */
    if (bytes > ((size_t)64 << 20)) (void)ftruncate(reader->memfd, 0);
    return reply.status;
}

/* The two reads GridIO makes and the chunk-cache setting, each filled into a request. */
static inline int gc_reader_nc_get(gc_reader *reader, int ncid, int varid, int rank, const size_t *start,
                                   const size_t *count, const ptrdiff_t *stride, int unit_stride, void *destination,
                                   size_t bytes, int timeout_ms) {
    if (rank < 0 || rank > GC_READ_MAX_RANK) return NC_EMAXDIMS;
    gc_read_request r;
    memset(&r, 0, sizeof r);
    r.kind = GC_READ_NC; r.ncid = ncid; r.varid = varid; r.rank = rank; r.unit_stride = unit_stride; r.bytes = bytes;
    for (int i = 0; i < rank; i++) { r.start[i] = start[i]; r.count[i] = count[i]; r.stride[i] = stride[i]; }
    return gc_reader_request(reader, &r, destination, timeout_ms, NULL, NULL);
}

static inline int gc_reader_nc_cache(gc_reader *reader, int ncid, int varid, size_t bytes, size_t slots,
                                     float preemption, int timeout_ms) {
    gc_read_request r;
    memset(&r, 0, sizeof r);
    r.kind = GC_READ_NC_CACHE; r.ncid = ncid; r.varid = varid;
    r.cache_bytes = bytes; r.cache_slots = slots; r.preemption = preemption;
    return gc_reader_request(reader, &r, NULL, timeout_ms, NULL, NULL);
}

static inline int gc_reader_h5_read(gc_reader *reader, hid_t file, const char *path, hid_t memtype, void *destination,
                                    size_t bytes, int timeout_ms) {
    gc_read_request r;
    memset(&r, 0, sizeof r);
    if (strlen(path) >= sizeof r.path) return -1;
    r.kind = GC_READ_H5; r.file = file; r.memtype = memtype; r.bytes = bytes;
    strcpy(r.path, path);
    return gc_reader_request(reader, &r, destination, timeout_ms, NULL, NULL);
}

/* An attribute's values: fixed-size (numbers, fixed strings) into `destination`, or with GC_READ_VLEN_STRINGS as
   `n` NUL-terminated strings in a malloc'd *strings (the caller frees it). */
static inline int gc_reader_h5_attribute(gc_reader *reader, hid_t file, const char *object, const char *name,
                                         hid_t memtype, size_t n, void *destination, size_t bytes, char **strings,
                                         size_t *strings_bytes, int timeout_ms) {
    gc_read_request r;
    memset(&r, 0, sizeof r);
    if (strlen(object) >= sizeof r.path || strlen(name) >= sizeof r.name) return -1;
    r.kind = GC_READ_H5_ATTRIBUTE; r.file = file; r.memtype = memtype; r.count[0] = n;
    r.bytes = memtype == GC_READ_VLEN_STRINGS ? 0 : bytes;
    strcpy(r.path, object);
    strcpy(r.name, name);
    *strings = NULL;
    *strings_bytes = 0;
    return gc_reader_request(reader, &r, memtype == GC_READ_VLEN_STRINGS ? NULL : destination, timeout_ms, strings,
                             strings_bytes);
}

/* A request of kind GC_READ_TEST_CRASH or GC_READ_TEST_SPIN (tests of the isolation itself). */
static inline int gc_reader_test_fault(gc_reader *reader, int kind, int timeout_ms) {
    gc_read_request r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    return gc_reader_request(reader, &r, NULL, timeout_ms, NULL, NULL);
}
#endif
