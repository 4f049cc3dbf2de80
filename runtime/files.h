/* Reading and writing the files the programs handle: shared by shimctl and
 * shimrun. */
#ifndef SHIM_FILES_H
#define SHIM_FILES_H

#include <stddef.h>

/* Writes data to name in the directory dirfd through a temporary file
 * there, fsync(2) and rename(2).  Returns 0, or -1 with errno set. */
int atomic_write_at(int dirfd, const char *name, const char *data, size_t len);

/* Reads name (relative to dirfd, AT_FDCWD for none) whole into a malloc'ed
 * buffer: a regular file only (a FIFO in its place cannot block us: EINVAL),
 * not through a final symlink, at most SHIM_MAX_DOCUMENT_BYTES (EFBIG).
 * Returns 0, or -1 with errno set. */
int read_regular_at(int dirfd, const char *name, char **data, size_t *len);

#endif
