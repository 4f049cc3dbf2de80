/* Reading and writing the files the programs handle. */
#include "config.h"
#include "files.h"

#include <shim/shim.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

int atomic_write_at(int dirfd, const char *name, const char *data, size_t len) {
  return atomic_write_mode_at(dirfd, name, data, len, 0644);
}

int atomic_write_mode_at(int dirfd, const char *name, const char *data, size_t len,
                         mode_t mode) {
  char tmp[NAME_MAX + 1];
  /* The pid keeps concurrent writers of the same name apart. */
  snprintf(tmp, sizeof tmp, ".%.200s.tmp-%d", name, (int)getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return -1;
  if (fchmod(fd, mode) < 0) { /* whatever the umask took away */
    int saved = errno;
    close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
  }
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

int open_own_dir(const char *path, struct stat *st) {
  if (mkdir(path, 0700) < 0 && errno != EEXIST)
    return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0 && fstat(fd, st) < 0) {
    close(fd);
    return -1;
  }
  if (fd >= 0 && (st->st_uid != geteuid() || (st->st_mode & 022))) {
    close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

int read_regular_at(int dirfd, const char *name, char **data, size_t *len) {
  return read_regular_limit_at(dirfd, name, SHIM_MAX_DOCUMENT_BYTES, data, len);
}

int read_regular_limit_at(int dirfd, const char *name, size_t max, char **data,
                          size_t *len) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;
  if (fd < 0)
    return -1;
  int err = fstat(fd, &st) < 0 ? errno
            : !S_ISREG(st.st_mode) ? EINVAL
            : (uint64_t)st.st_size > max ? EFBIG
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
  buf[n] = '\0'; /* text is read as a string */
  *data = buf;
  *len = (size_t)n;
  return 0;
}

/* ret, after closing fd without losing the errno that came with ret. */
static int closing(int fd, int ret) {
  int saved = errno;
  close(fd);
  errno = saved;
  return ret;
}

/* RESOLVE_IN_ROOT by hand, where the kernel has no openat2 (before 5.6;
 * valgrind): one component at a time, O_NOFOLLOW; a symlink's target goes
 * in front of what is left of the path, from the root when absolute; ".."
 * never climbs above the root. */
static int open_by_hand(int rootfd, const char *path, int flags) {
  char rest[2 * PATH_MAX], comp[NAME_MAX + 1], target[PATH_MAX];
  struct stat root_st, st;
  if (fstat(rootfd, &root_st) < 0)
    return -1;
  snprintf(rest, sizeof rest, "%s", path);
  int dir = fcntl(rootfd, F_DUPFD_CLOEXEC, 0), links = 0;
  const char *p = rest;
  while (dir >= 0) {
    while (*p == '/')
      p++;
    size_t n = strcspn(p, "/");
    if (n == 0) { /* the root itself, or a path ending in '/' */
      int fd = openat(dir, ".", flags | O_CLOEXEC);
      return closing(dir, fd);
    }
    if (n > NAME_MAX) {
      close(dir);
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(comp, p, n);
    comp[n] = '\0';
    p += n;
    bool last = !p[strspn(p, "/")];
    if (strcmp(comp, ".") == 0 ||
        (strcmp(comp, "..") == 0 && fstat(dir, &st) == 0 && st.st_dev == root_st.st_dev &&
         st.st_ino == root_st.st_ino)) {
      if (last)
        return closing(dir, openat(dir, ".", flags | O_CLOEXEC));
      continue;
    }
    if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return closing(dir, -1);
    if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
      ssize_t len = readlinkat(dir, comp, target, sizeof target - 1);
      if (len < 0 || ++links > 40) {
        if (len >= 0)
          errno = ELOOP;
        return closing(dir, -1);
      }
      target[len] = '\0';
      char joined[sizeof rest];
      snprintf(joined, sizeof joined, "%s/%s", target, p);
      snprintf(rest, sizeof rest, "%s", joined);
      p = rest;
      if (target[0] == '/') {
        close(dir);
        dir = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
      }
      continue;
    }
    int next = last ? openat(dir, comp, flags | O_CLOEXEC | O_NOFOLLOW)
                    : openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (last || next < 0)
      return closing(dir, next);
    close(dir);
    dir = next;
  }
  return -1;
}

int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*path == '/')
    path++;
  int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
  return fd < 0 && errno == ENOSYS ? open_by_hand(rootfd, path, flags) : fd;
}

int mkdirs_in_root(int rootfd, const char *dir, mode_t mode) {
  char prefix[PATH_MAX];
  size_t n = strlen(dir);
  if (n >= sizeof prefix) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* Each component in turn, so that a symlink on the way resolves in the
   * root, as it does on the node. */
  for (size_t i = 1; i <= n; i++) {
    if (i < n && dir[i] != '/')
      continue;
    memcpy(prefix, dir, i);
    prefix[i] = '\0';
    int fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    if (fd >= 0) {
      close(fd);
      continue;
    }
    char *slash = strrchr(prefix, '/');
    if (errno != ENOENT || !slash)
      return -1;
    *slash = '\0';
    int parent = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    if (parent < 0)
      return -1;
    int ret = mkdirat(parent, slash + 1, mode);
    int saved = errno;
    close(parent);
    if (ret < 0 && saved != EEXIST) {
      errno = saved;
      return -1;
    }
  }
  return 0;
}

int open_parent_in_root(int rootfd, const char *path, bool create, const char **base) {
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  if (!slash || !slash[1] || (size_t)(slash - path) >= sizeof dir) {
    errno = EINVAL;
    return -1;
  }
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (create && mkdirs_in_root(rootfd, dir, 0755) < 0)
    return -1;
  *base = slash + 1;
  return open_in_root(rootfd, dir, O_PATH | O_DIRECTORY);
}

int read_in_root(int rootfd, const char *path, size_t max, char **data, size_t *len) {
  const char *base;
  int dirfd = open_parent_in_root(rootfd, path, false, &base);
  return dirfd < 0 ? -1
                   : closing(dirfd, read_regular_limit_at(dirfd, base, max, data, len));
}

int write_in_root(int rootfd, const char *path, const char *data, size_t len, mode_t mode) {
  const char *base;
  int dirfd = open_parent_in_root(rootfd, path, true, &base);
  return dirfd < 0 ? -1 : closing(dirfd, atomic_write_mode_at(dirfd, base, data, len, mode));
}

int remove_in_root(int rootfd, const char *path, int flags) {
  const char *base;
  int dirfd = open_parent_in_root(rootfd, path, false, &base);
  int ret = dirfd < 0 ? -1 : closing(dirfd, unlinkat(dirfd, base, flags));
  return ret < 0 && errno == ENOENT ? 0 : ret;
}

bool executable_in_root(int rootfd, const char *path) {
  int fd = open_in_root(rootfd, path, O_PATH);
  struct stat st;
  bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
  if (fd >= 0)
    close(fd);
  return ok;
}

void path_in_root(const char *root, const char *path, char *out, size_t size) {
  snprintf(out, size, "%s%s", strcmp(root, "/") == 0 ? "" : root, path);
}

ssize_t read_proc(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
  buf[n < 0 ? 0 : n] = '\0';
  if (fd >= 0)
    close(fd);
  return n;
}
