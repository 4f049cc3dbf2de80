/*
 * The node's cache of compiled seccomp filters (node_seccomp.h).
 *
 * runc compiles a container's profile at every start; here each profile is
 * compiled once and its program kept in DIR/<sha256 of the profile>.bpf,
 * which containers in the loader's form bind read-only.  A file is used
 * only after it is read back whole and found to be exactly the program
 * that was compiled for this profile on this node: its header names the
 * digest of everything the program came from (the profile, by the digest
 * in the file's name; libseccomp's version, the kernel, the architecture)
 * and the digest of the instructions.  Anything else (truncated, corrupt, from an older
 * libseccomp) is compiled again and replaced; a directory others may
 * write, or one that cannot be written, refuses the container.
 *
 * Many creates may race on one profile: each writes a temporary file and
 * renames it into place, and all write the same bytes.  A container keeps
 * the file it bound even when a later one replaces or evicts it.
 */
#include "config.h"
#include "node_seccomp.h"

#include "files.h"
#include "internal.h"
#include "seccomp_filter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define FILTER_FILE_MAX \
  (sizeof(struct seccomp_filter_header) + SECCOMP_FILTER_MAX * sizeof(struct sock_filter))

/* The digest of what a program depends on: the profile (name is the
 * digest of its text, which the checks verified), libseccomp, the kernel,
 * the architecture. */
static int filter_key(const char *name, char key[65]) {
  struct utsname u;
  const struct scmp_version *v = seccomp_version();
  char what[1024];
  if (uname(&u) < 0 || !v)
    return -1;
  snprintf(what, sizeof what, "shim seccomp filter 1\n%s\nlibseccomp %u.%u.%u\n%s\n%s\n",
           name, v->major, v->minor, v->micro, u.machine, u.release);
  sha256_hex(what, strlen(what), key);
  return 0;
}

/* Whether name in dirfd is a whole filter file for key. */
static bool filter_valid(int dirfd, const char *name, const char *key) {
  char *data = NULL;
  size_t len = 0;
  if (read_regular_limit_at(dirfd, name, FILTER_FILE_MAX, &data, &len) < 0)
    return false;
  const struct seccomp_filter_header *h = (const struct seccomp_filter_header *)data;
  char sum[65];
  bool ok = len > sizeof *h && memcmp(h->magic, SECCOMP_FILTER_MAGIC, sizeof h->magic) == 0 &&
            memcmp(h->key, key, sizeof h->key) == 0 && h->count > 0 &&
            len == sizeof *h + h->count * sizeof(struct sock_filter);
  if (ok) {
    sha256_hex(data + sizeof *h, len - sizeof *h, sum);
    ok = memcmp(h->sum, sum, sizeof h->sum) == 0;
  }
  free(data);
  return ok;
}

static int compile(const shim_policy *policy, const char *profile, const char *key,
                   char **file, size_t *file_len, shim_error *err) {
  _cleanup_(cleanup_seccompp) shim_seccomp *p = NULL;
  _cleanup_free_ char *prog = NULL;
  size_t len = 0;
  unsigned int flags = 0;
  int ret = shim_seccomp_load_data(profile, strlen(profile), &p, err);
  if (ret == 0)
    ret = shim_seccomp_program(policy, p, &prog, &len, &flags, err);
  if (ret < 0)
    return ret;
  size_t count = len / sizeof(struct sock_filter);
  if (count == 0 || count > SECCOMP_FILTER_MAX)
    return error_set(err, SHIM_ERR_LIMIT, NULL,
                     "the seccomp program has %zu instructions (the kernel takes "
                     "%d at most)", count, SECCOMP_FILTER_MAX);
  struct seccomp_filter_header h = {.flags = flags, .count = (uint32_t)count};
  char sum[65];
  memcpy(h.magic, SECCOMP_FILTER_MAGIC, sizeof h.magic);
  memcpy(h.key, key, sizeof h.key);
  sha256_hex(prog, len, sum);
  memcpy(h.sum, sum, sizeof h.sum);
  if (!(*file = malloc(sizeof h + len)))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  memcpy(*file, &h, sizeof h);
  memcpy(*file + sizeof h, prog, len);
  *file_len = sizeof h + len;
  return 0;
}

/* Beyond NODE_SECCOMP_CACHE_MAX filters, the least recently used go (a
 * hit touches its file).  keep is never one of them. */
static void evict(int dirfd, const char *keep) {
  DIR *d = fdopendir(dup(dirfd));
  if (!d)
    return;
  size_t count = 0;
  char oldest[NAME_MAX + 1] = "";
  struct timespec when = {0};
  for (struct dirent *e; (e = readdir(d));) {
    struct stat st;
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".bpf") != 0 ||
        fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    count++;
    if (strcmp(e->d_name, keep) != 0 &&
        (!*oldest || st.st_mtim.tv_sec < when.tv_sec ||
         (st.st_mtim.tv_sec == when.tv_sec && st.st_mtim.tv_nsec < when.tv_nsec))) {
      snprintf(oldest, sizeof oldest, "%s", e->d_name);
      when = st.st_mtim;
    }
  }
  closedir(d);
  if (count > NODE_SECCOMP_CACHE_MAX && *oldest)
    unlinkat(dirfd, oldest, 0);
}

int node_seccomp_filter(const shim_policy *policy, const char *profile, const char *path,
                        shim_error *err) {
  char dir[PATH_MAX], key[65];
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir)
    return error_set(err, SHIM_ERR_INVAL, NULL, "%s: not a cache path", path);
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  const char *name = slash + 1;
  struct stat st;
  /* DIR's parent is shimrun's state directory, made on first use. */
  char *up = strrchr(dir, '/');
  if (up && up != dir) {
    *up = '\0';
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
      return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot create %s", dir);
    *up = '/';
  }
  _cleanup_close_ int dirfd = open_own_dir(dir, &st);
  if (dirfd < 0 && errno == EPERM)
    return error_set(err, SHIM_ERR_IO, NULL,
                     "seccomp cache %s is owned by uid %u with mode %04o: filters are "
                     "only taken from a directory that is this user's alone (0700)",
                     dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
  if (dirfd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "seccomp cache %s", dir);
  if (filter_key(name, key) < 0)
    return error_sys(err, SHIM_ERR_HOST, errno, NULL, "cannot name this node's kernel");
  if (filter_valid(dirfd, name, key)) {
    utimensat(dirfd, name, NULL, AT_SYMLINK_NOFOLLOW);
    return 0;
  }
  _cleanup_free_ char *file = NULL;
  size_t len = 0;
  int ret = compile(policy, profile, key, &file, &len, err);
  if (ret < 0)
    return ret;
  /* Readable by all: the container reads it as whatever user it runs as. */
  if (atomic_write_mode_at(dirfd, name, file, len, 0644) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot write the seccomp filter %s",
                     path);
  evict(dirfd, name);
  return 0;
}
