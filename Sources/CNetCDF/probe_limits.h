/* Time limits of a metadata probe child (see gc_nc_probe_isolated, gc_h5_probe_isolated). */
#ifndef GC_PROBE_LIMITS_H
#define GC_PROBE_LIMITS_H
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

/* `seconds` of CPU time (SIGXCPU), so a loaded machine does not turn a sound file into a "hang", and ten times that
   in wall time (SIGALRM) for a child blocked without using CPU. The forking thread may block both signals (dispatch
   worker threads do), and the child inherits its mask, so they are unblocked first. */
static inline void gc_probe_limits(unsigned seconds) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGXCPU);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGALRM, SIG_DFL);
    signal(SIGXCPU, SIG_DFL);
    struct rlimit cpu = { seconds, seconds + 1 };
    setrlimit(RLIMIT_CPU, &cpu);
    alarm(10 * seconds);
}
#endif
