/* Reading and writing the files the programs handle. */
#include "config.h"
#include "files.h"

#include <shim/shim.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

int atomic_write_at(int dirfd, const char *name, const char *data, size_t len) {
  char tmp[NAME_MAX + 1];
  /* The pid keeps concurrent writers of the same name apart. */
  snprintf(tmp, sizeof tmp, ".%.200s.tmp-%d", name, (int)getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -1;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    off += (size_t)n;
  }
  bool ok = off == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || renameat(dirfd, tmp, dirfd, name) < 0) {
    int saved = ok ? errno : (errno ? errno : EIO);
    unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
  }
  return 0;
}

int read_regular_at(int dirfd, const char *name, char **data, size_t *len) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;
  if (fd < 0)
    return -1;
  int err = fstat(fd, &st) < 0 ? errno
            : !S_ISREG(st.st_mode) ? EINVAL
            : st.st_size > (off_t)SHIM_MAX_DOCUMENT_BYTES ? EFBIG
                                                         : 0;
  char *buf = err ? NULL : malloc((size_t)st.st_size + 1);
  /* One byte more than the size: a file that grew while read is refused. */
  ssize_t n = buf ? pread(fd, buf, (size_t)st.st_size + 1, 0) : -1;
  if (!err && (!buf || n != st.st_size))
    err = buf ? EIO : ENOMEM;
  close(fd);
  if (err) {
    free(buf);
    errno = err;
    return -1;
  }
  *data = buf;
  *len = (size_t)n;
  return 0;
}
