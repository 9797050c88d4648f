/* Set-up of the forked children: metadata probes (gc_nc_probe_isolated, gc_h5_probe_isolated) and readers. */
#ifndef GC_PROBE_LIMITS_H
#define GC_PROBE_LIMITS_H
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Closes what a forked child inherited and must not keep: pipes and sockets (a copy of another pipe's write end keeps
   that pipe's reader waiting for an end of file) and files open for writing (libhdf5 locks files with flock, and a
   copy of an output's descriptor keeps its writer's exclusive lock after the writer closed it, so the next open of
   that output fails). Files open read-only, such as the one the child reads, stay; `keep1`/`keep2` are its own. */
static inline void gc_child_close_inherited(int keep1, int keep2) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        struct stat st;
        if (fd <= 2 || fd == keep1 || fd == keep2 || fd == dirfd(d) || fstat(fd, &st) != 0) continue;
        if (!S_ISREG(st.st_mode) || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY) close(fd);
    }
    closedir(d);
}

/* `seconds` of CPU time (SIGXCPU), so a loaded machine does not turn a sound file into a "hang", and ten times that
   in wall time (SIGALRM) for a child blocked without using CPU. The forking thread may block signals (dispatch
   worker threads do), and the child inherits its mask, so all are unblocked first. */
static inline void gc_probe_limits(unsigned seconds) {
    gc_child_close_inherited(-1, -1);
    /* Faults end the child at once too, without the inherited handler (the Swift runtime's backtracer). */
    int fatal[] = { SIGALRM, SIGXCPU, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct rlimit cpu = { seconds, seconds + 1 };
    setrlimit(RLIMIT_CPU, &cpu);
    alarm(10 * seconds);
}
#endif
