/* Writing a file so that readers never see half of it. */
#include "config.h"
#include "atomic_write.h"

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
