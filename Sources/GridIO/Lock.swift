// libnetcdf is not thread-safe and libhdf5 is only safe per call, while netCDF-4 itself calls into libhdf5; so every
// call into either library from this module goes through one process-wide recursive lock.
import CHDF5
import Foundation

private let libraryLock = NSRecursiveLock()

/// libhdf5's exit handler closes every file still open; one whose write failed (a full disk) is half-closed and
/// crashes it, turning a clean error into a signal at exit. Outputs are committed only by an explicit finish(), so
/// nothing needs the handler: it is switched off before the library's first use.
/// HDF5's file locks are off unless the user set HDF5_USE_FILE_LOCKING: reader children forked while another file
/// is open inherit its descriptor, and with it a lock that outlives the parent's close (the next open of that file
/// then fails); outputs never need the lock, as they are written under a temporary name and renamed when complete;
/// and many parallel file systems refuse flock anyway.
let gridIOProcessSetup: Void = {
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0)
    _ = H5dont_atexit()
}()

/// Runs `body` while holding the process-wide netCDF/HDF5 lock. Re-entrant, so helpers may nest.
@inline(__always)
func withLibraryLock<T>(_ body: () throws -> T) rethrows -> T {
    libraryLock.lock()
    defer { libraryLock.unlock() }
    gridIOProcessSetup
    // The HDF5 build is thread-safe, which makes the automatic error printer a per-thread setting; silencing it on
    // every entry is cheap and keeps stderr clean whichever thread we are on.
    _ = H5Eset_auto2(gc_H5E_DEFAULT(), nil, nil)
    return try body()
}
