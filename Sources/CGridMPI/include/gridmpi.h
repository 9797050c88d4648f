// gridcnn's bridge to MPI. libmpi is loaded at run time (dlopen), so gridcnn builds and runs on machines without
// MPI and uses the cluster's own Open MPI when started by mpirun. The handles are Open MPI's (libmpi.so.40, the ABI
// of Open MPI 3.x to 5.x): MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM ... are addresses of library globals, looked up here.
#ifndef GRIDMPI_H
#define GRIDMPI_H
#include <stdint.h>

/// Loads libmpi (path, or "libmpi.so.40" when NULL) and initialises MPI (MPI_THREAD_FUNNELED). 0 on success; else
/// a one-line reason in err.
int gm_start(const char *path, int *rank, int *size, char *err, int errlen);
/// 1 when gm_start succeeded and gm_finish has not run.
int gm_active(void);
/// MPI_Finalize.
void gm_finish(void);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank.
void gm_abort(int code);
/// Sum over ranks, in place, in a fixed order (a ring: reduce-scatter then all-gather, each chunk added in rank
/// order around the ring), so the result does not depend on timing.
int gm_allreduce_sum_f32(float *buf, int64_t n);
int gm_allreduce_sum_f64(double *buf, int64_t n);
int gm_broadcast_bytes(void *buf, int64_t n, int root);
int gm_send_bytes(const void *buf, int64_t n, int dest, int tag);
int gm_recv_bytes(void *buf, int64_t n, int source, int tag);
/// The MPI error string of the last failing call.
const char *gm_last_error(void);
#endif
