#include <netcdf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probe_limits.h"

/* Crash isolation for netCDF-4 files. libhdf5 1.10 and libnetcdf 4.9 can segfault (or free invalid pointers, or
   loop) on corrupt HDF5 metadata while nc_open/nc_inq_* read attributes. Before GridIO opens a netCDF-4 file in
   process, gc_nc_probe_isolated() forks a child that performs the same calls (open, every group, dimension,
   variable and attribute, close); only if the child exits normally is the file opened in the caller's process.
   The caller holds GridIO's library lock, so no other thread is inside libnetcdf/libhdf5 at the fork. The child
   uses only C and _exit()s. */

/* Reads every attribute of (grp, varid); returns nonzero on a library error. */
static inline int gc_nc_probe_atts(int grp, int varid, int natts) {
    char name[NC_MAX_NAME + 1];
    for (int i = 0; i < natts; i++) {
        nc_type type;
        size_t len;
        if (nc_inq_attname(grp, varid, i, name) || nc_inq_att(grp, varid, name, &type, &len)) return 1;
        if (len > ((size_t)1 << 28)) return 1;
        if (type == NC_STRING) {
            char **strings = (char **)calloc(len ? len : 1, sizeof(char *));
            if (!strings) return 1;
            int status = nc_get_att_string(grp, varid, name, strings);
            if (status == NC_NOERR) nc_free_string(len, strings);
            free(strings);
            if (status) return 1;
        } else if (type >= NC_BYTE && type <= NC_UINT64) {
            size_t size = 0;
            if (nc_inq_type(grp, type, NULL, &size) || size == 0) return 1;
            void *buffer = malloc(len * size + 8);
            if (!buffer) return 1;
            int status = nc_get_att(grp, varid, name, buffer);
            free(buffer);
            if (status) return 1;
        }
    }
    return 0;
}

/* Walks a group as GridIO's loader does; depth bounds corrupt group cycles. */
static inline int gc_nc_probe_group(int grp, int depth) {
    if (depth > 64) return 1;
    int ndims = 0, nvars = 0, natts = 0, ngrps = 0, nunlim = 0;
    if (nc_inq_dimids(grp, &ndims, NULL, 0) || nc_inq_varids(grp, &nvars, NULL) || nc_inq_natts(grp, &natts) ||
        nc_inq_grps(grp, &ngrps, NULL) || nc_inq_unlimdims(grp, &nunlim, NULL)) return 1;
    if (ndims < 0 || nvars < 0 || ngrps < 0 || nunlim < 0) return 1;
    int *ids = (int *)malloc(sizeof(int) * (size_t)(ndims + nvars + ngrps + nunlim + 1));
    if (!ids) return 1;
    int failed = nc_inq_dimids(grp, &ndims, ids, 0) != NC_NOERR;
    char name[NC_MAX_NAME + 1];
    for (int i = 0; !failed && i < ndims; i++) {
        size_t len;
        failed = nc_inq_dim(grp, ids[i], name, &len) != NC_NOERR;
    }
    if (!failed) failed = nc_inq_varids(grp, &nvars, ids) != NC_NOERR;
    for (int i = 0; !failed && i < nvars; i++) {
        nc_type type;
        int vdims = 0, vatts = 0, dimids[NC_MAX_VAR_DIMS], storage, shuffle, deflate, level;
        size_t chunks[NC_MAX_VAR_DIMS];
        failed = nc_inq_var(grp, ids[i], name, &type, &vdims, NULL, &vatts) != NC_NOERR || vdims < 0 ||
                 vdims > NC_MAX_VAR_DIMS || nc_inq_vardimid(grp, ids[i], dimids) != NC_NOERR;
        for (int d = 0; !failed && d < vdims; d++) {
            size_t len;
            failed = nc_inq_dim(grp, dimids[d], name, &len) != NC_NOERR;
        }
        if (!failed) {
            (void)nc_inq_var_chunking(grp, ids[i], &storage, chunks);
            (void)nc_inq_var_deflate(grp, ids[i], &shuffle, &deflate, &level);
            failed = gc_nc_probe_atts(grp, ids[i], vatts);
        }
    }
    if (!failed) failed = gc_nc_probe_atts(grp, NC_GLOBAL, natts);
    if (!failed) failed = nc_inq_grps(grp, &ngrps, ids) != NC_NOERR;
    for (int i = 0; !failed && i < ngrps; i++) {
        int parent;
        failed = nc_inq_grpname(ids[i], name) != NC_NOERR || gc_nc_probe_group(ids[i], depth + 1);
        (void)nc_inq_grp_parent(ids[i], &parent);
    }
    free(ids);
    return failed;
}

/* Forks a child that opens `path` and walks it. Returns 0 when the child opened, walked and closed the file
   cleanly; 3 when the library reported an error (its status in *status: the nc_open status, or NC_EHDFERR for a
   failure while walking); 1 when the child died from a signal (crash); 2 when it ran past `timeout_s`; -1 when no
   child could be run (the caller then opens the file unprobed). A file that fails in the child is never opened in
   the caller's process: libhdf5's error paths are where corrupt metadata corrupts the heap without crashing. */
static inline int gc_nc_probe_isolated(const char *path, unsigned timeout_s, int *status) {
    *status = NC_NOERR;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) { dup2(devnull, 1); dup2(devnull, 2); }
        gc_probe_limits(timeout_s);
        int ncid;
        int opened = nc_open(path, NC_NOWRITE, &ncid);
        /* Exit codes 10...200 carry -status of a failed nc_open; 5 a failed walk. */
        if (opened != NC_NOERR) _exit(opened < 0 && opened > -190 ? 10 - opened : 5);
        int failed = gc_nc_probe_group(ncid, 0);
        if (nc_close(ncid) != NC_NOERR) failed = 1;
        _exit(failed ? 5 : 0);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFSIGNALED(wstatus)) return WTERMSIG(wstatus) == SIGALRM || WTERMSIG(wstatus) == SIGXCPU ? 2 : 1;
    int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 5;
    if (code == 0) return 0;
    *status = code >= 10 ? 10 - code : NC_EHDFERR;
    return 3;
}
