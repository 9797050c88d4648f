/* Time limits of a metadata probe child (see gc_nc_probe_isolated, gc_h5_probe_isolated). */
#ifndef GC_PROBE_LIMITS_H
#define GC_PROBE_LIMITS_H
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

/* `seconds` of CPU time (SIGXCPU), so a loaded machine does not turn a sound file into a "hang", and ten times that
   in wall time (SIGALRM) for a child blocked without using CPU. The forking thread may block signals (dispatch
   worker threads do), and the child inherits its mask, so all are unblocked first. */
static inline void gc_probe_limits(unsigned seconds) {
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
