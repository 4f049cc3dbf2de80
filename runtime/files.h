/* Reading and writing the files the programs handle: shared by shimctl and
 * shimrun. */
#ifndef SHIM_FILES_H
#define SHIM_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Writes data to name in the directory dirfd through a temporary file
 * there, fsync(2) and rename(2).  Returns 0, or -1 with errno set. */
int atomic_write_at(int dirfd, const char *name, const char *data, size_t len);
/* Same, the file with mode (0644 above). */
int atomic_write_mode_at(int dirfd, const char *name, const char *data, size_t len,
                         mode_t mode);

/* Opens the directory path (made 0700 when missing), which must be this
 * user's alone: owned by the effective uid, writable by no one else.
 * Returns the fd, or -1 with errno set (EPERM: someone else's; *st then
 * says whose and its mode). */
int open_own_dir(const char *path, struct stat *st);

/* Reads name (relative to dirfd, AT_FDCWD for none) whole into a malloc'ed
 * buffer: a regular file only (a FIFO in its place cannot block us: EINVAL),
 * not through a final symlink, at most SHIM_MAX_DOCUMENT_BYTES (EFBIG),
 * with a NUL after its last byte.
 * Returns 0, or -1 with errno set. */
int read_regular_at(int dirfd, const char *name, char **data, size_t *len);
/* Same, at most max bytes (a program rather than a document). */
int read_regular_limit_at(int dirfd, const char *name, size_t max, char **data,
                          size_t *len);

/* A short /proc file, NUL-terminated, in buf; its length or -1. */
ssize_t read_proc(const char *path, char *buf, size_t size);

/* Opens path inside the directory rootfd as if it were "/": absolute
 * symlinks on the way resolve inside it (openat2 RESOLVE_IN_ROOT), as they
 * do on the node whose root an installer pod mounted.  -1 with errno. */
int open_in_root(int rootfd, const char *path, int flags);
/* The directory of the absolute path inside rootfd, the same way (made
 * first when create), opened O_PATH; *base is path's last component. */
int open_parent_in_root(int rootfd, const char *path, bool create, const char **base);
/* read_regular_limit_at, atomic_write_mode_at (the directory made when
 * missing) and unlinkat (flags: 0 or AT_REMOVEDIR; gone already is no
 * error) of the absolute path inside rootfd, the same way; the last
 * component is never followed if it is a symlink. */
int read_in_root(int rootfd, const char *path, size_t max, char **data, size_t *len);
int write_in_root(int rootfd, const char *path, const char *data, size_t len, mode_t mode);
int remove_in_root(int rootfd, const char *path, int flags);
/* The node's absolute path as this process names it, its root being root
 * ("/" or where the node's root is mounted); for what is handed to others
 * by name (a socket to connect to, a directory to scan). */
void path_in_root(const char *root, const char *path, char *out, size_t size);

/* Whether path inside rootfd is a regular file someone may execute. */
bool executable_in_root(int rootfd, const char *path);
/* mkdir -p of dir inside rootfd, the same way. */
int mkdirs_in_root(int rootfd, const char *dir, mode_t mode);

#endif
