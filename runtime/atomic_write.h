/* Writing a file so that readers never see half of it: shared by shimctl
 * and shimrun. */
#ifndef SHIM_ATOMIC_WRITE_H
#define SHIM_ATOMIC_WRITE_H

#include <stddef.h>

/* Writes data to name in the directory dirfd through a temporary file
 * there, fsync(2) and rename(2).  Returns 0, or -1 with errno set. */
int atomic_write_at(int dirfd, const char *name, const char *data, size_t len);

#endif
