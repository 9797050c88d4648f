// HDF5's H5P_DEFAULT and H5T_NATIVE_* are macros over globals that H5open() initialises; Swift cannot
// import them, so these inline functions hand them over.
#include <hdf5.h>
static inline hid_t gc_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t gc_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t gc_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t gc_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t gc_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t gc_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t gc_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t gc_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t gc_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t gc_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t gc_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t gc_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t gc_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t gc_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t gc_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline unsigned gc_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned gc_H5F_ACC_RDWR_flag(void) { return H5F_ACC_RDWR; }
static inline unsigned gc_H5F_ACC_RDONLY_flag(void) { return H5F_ACC_RDONLY; }
static inline unsigned gc_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t gc_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t gc_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline size_t gc_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t gc_H5T_NATIVE_CHAR(void) { return H5T_NATIVE_CHAR; }

/* libnetcdf 4.9 leaves the HDF5 file (and some objects in it) open when nc_open fails on a corrupt netCDF-4 file:
   a leaked descriptor, and a stale cached file for the next open of the same path. GridIO lists the open files
   before nc_open and closes the new ones after a failure (all under its global lock). */
static inline ssize_t gc_H5F_open_file_ids(hid_t *ids, size_t max) {
    return H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_FILE, max, ids);
}
static inline void gc_H5F_close_with_objects(hid_t file) {
    hid_t objects[256];
    for (int round = 0; round < 64; round++) {
        ssize_t n = H5Fget_obj_ids(file, H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL,
                                   256, objects);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++) {
            switch (H5Iget_type(objects[i])) {
            case H5I_DATASET: H5Dclose(objects[i]); break;
            case H5I_GROUP: H5Gclose(objects[i]); break;
            case H5I_DATATYPE: H5Tclose(objects[i]); break;
            case H5I_ATTR: H5Aclose(objects[i]); break;
            default: H5Idec_ref(objects[i]); break;
            }
        }
    }
    H5Fclose(file);
}

/* Crash isolation for HDF5 files read by GridIO.HDF5File (checkpoints, jet images): libhdf5 1.10 can segfault on
   corrupt metadata (e.g. variable-length string attributes pointing outside the global heap). gc_h5_probe_isolated()
   forks a child that opens the file and reads every group, dataset header and attribute the reader could touch;
   the file is opened in the caller's process only if the child exits normally. Called under GridIO's lock. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../CNetCDF/probe_limits.h"

static inline int gc_h5_probe_object(hid_t object, int depth);

static inline herr_t gc_h5_probe_attribute(hid_t object, const char *name, const H5A_info_t *info, void *data) {
    (void)info; (void)data;
    hid_t a = H5Aopen(object, name, H5P_DEFAULT);
    if (a < 0) return 0;
    hid_t type = H5Aget_type(a), space = H5Aget_space(a);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (type >= 0 && n >= 0 && n < (1 << 26)) {
        H5T_class_t cls = H5Tget_class(type);
        if (cls == H5T_STRING && H5Tis_variable_str(type) > 0) {
            hid_t mem = H5Tcopy(H5T_C_S1);
            H5Tset_size(mem, H5T_VARIABLE);
            char **strings = (char **)calloc((size_t)n + 1, sizeof(char *));
            if (strings && H5Aread(a, mem, strings) >= 0) H5Dvlen_reclaim(mem, space, H5P_DEFAULT, strings);
            free(strings);
            H5Tclose(mem);
        } else if (cls == H5T_STRING) {
            size_t size = H5Tget_size(type);
            if (size > 0 && size < (1 << 24)) {
                hid_t mem = H5Tcopy(H5T_C_S1);
                H5Tset_size(mem, size);
                char *bytes = (char *)malloc(size * (size_t)(n + 1));
                if (bytes) H5Aread(a, mem, bytes);
                free(bytes);
                H5Tclose(mem);
            }
        } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
            double *values = (double *)malloc(sizeof(double) * (size_t)(n + 1));
            if (values) H5Aread(a, cls == H5T_INTEGER ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, values);
            free(values);
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(a);
    return 0;
}

static inline herr_t gc_h5_probe_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    int depth = *(int *)data;
    hid_t child = H5Oopen(group, name, H5P_DEFAULT);
    if (child < 0) return 0;
    gc_h5_probe_object(child, depth + 1);
    H5Oclose(child);
    return 0;
}

static inline int gc_h5_probe_object(hid_t object, int depth) {
    if (depth > 32) return 0;
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, gc_h5_probe_attribute, NULL);
    H5I_type_t kind = H5Iget_type(object);
    if (kind == H5I_DATASET) {
        hid_t space = H5Dget_space(object), type = H5Dget_type(object);
        if (space >= 0) { hsize_t dims[64]; if (H5Sget_simple_extent_ndims(space) <= 64) H5Sget_simple_extent_dims(space, dims, NULL); H5Sclose(space); }
        if (type >= 0) { (void)H5Tget_class(type); H5Tclose(type); }
    } else if (kind == H5I_GROUP) {
        hsize_t link = 0;
        H5Literate(object, H5_INDEX_NAME, H5_ITER_INC, &link, gc_h5_probe_link, &depth);
    }
    return 0;
}

/* Returns 0 when the child opened and walked the file, 3 when HDF5 could not open it (*status = -1), 1 when the child
   crashed, 2 when it ran past `timeout_s`, -1 when no child could be run. */
static inline int gc_h5_probe_isolated(const char *path, unsigned timeout_s, int *status) {
    *status = 0;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) { dup2(devnull, 1); dup2(devnull, 2); }
        gc_probe_limits(timeout_s);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (file < 0) _exit(3);
        hid_t root = H5Oopen(file, "/", H5P_DEFAULT);
        if (root >= 0) { gc_h5_probe_object(root, 0); H5Oclose(root); }
        _exit(H5Fclose(file) < 0 ? 3 : 0);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFSIGNALED(wstatus)) return WTERMSIG(wstatus) == SIGALRM || WTERMSIG(wstatus) == SIGXCPU ? 2 : 1;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return 0;
    *status = -1;
    return 3;
}
#include "isolated_read.h"
