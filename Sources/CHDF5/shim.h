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
