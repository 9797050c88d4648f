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
