/*
 * STATE/pods/SANDBOX-ID: "HOST SIZE NAMESPACE-INODE POD-UID\n" for each pod
 * sandbox in a user namespace: the kubelet's (hostUsers: false), or one
 * shimrun gave it from the pool (inode 0: not known before the delegate
 * creates it; the pool gives its range to no other pod, so the range
 * alone names it).  Written (atomically) under an exclusive lock on
 * STATE/pods/lock when its create is admitted, and dropped when it is
 * deleted.  A record outlives a sandbox that was never deleted (a crash):
 * its ids stay refused to other pods, which fails closed.  The kubelet
 * gives a restarted sandbox the same ids: a record of the same pod (its
 * uid) is no overlap.
 */
#include "config.h"
#include "node_pods.h"
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct pod {
  unsigned long long host, size, ns;
  char uid[256];
};

/* runc's ids are [A-Za-z0-9_+.-]+: never a path of their own. */
static bool valid_id(const char *id) {
  return id && *id && strlen(id) < 256 && strcmp(id, ".") != 0 && strcmp(id, "..") != 0 &&
         strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") ==
             strlen(id);
}

static int pods_dir(const char *state_dir, char *path, size_t size) {
  snprintf(path, size, "%s/pods", state_dir);
  if ((mkdir(state_dir, 0700) < 0 && errno != EEXIST) ||
      (mkdir(path, 0700) < 0 && errno != EEXIST))
    return -1;
  return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

static int pod_read(int dirfd, const char *name, struct pod *p) {
  char data[512];
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n = fd < 0 ? -1 : read(fd, data, sizeof data - 1);
  if (fd >= 0)
    close(fd);
  if (n <= 0)
    return -1;
  data[n] = '\0';
  return sscanf(data, "%llu %llu %llu %255s", &p->host, &p->size, &p->ns, p->uid) == 4
             ? 0
             : -1;
}

static int pod_write(int dirfd, const char *id, const struct pod *p) {
  char text[400];
  int len = snprintf(text, sizeof text, "%llu %llu %llu %s\n", p->host, p->size, p->ns, p->uid);
  return atomic_write_at(dirfd, id, text, (size_t)len);
}

/* Another pod's record whose ids meet p's: 1 and its name in other[]. */
static int overlapping(int dirfd, const char *id, const struct pod *p, char *other,
                       size_t size, char *why, size_t why_size) {
  DIR *dir = fdopendir(dup(dirfd));
  if (!dir) {
    snprintf(why, why_size, "cannot read the pods' records: %s", strerror(errno));
    return -1;
  }
  int found = 0;
  struct dirent *de;
  while (!found && (de = readdir(dir))) {
    struct pod q;
    if (!valid_id(de->d_name) || strcmp(de->d_name, id) == 0 || strcmp(de->d_name, "lock") == 0 ||
        strstr(de->d_name, ".tmp-")) /* atomic_write_at's */
      continue;
    if (pod_read(dirfd, de->d_name, &q) < 0) {
      snprintf(why, why_size, "the record of pod sandbox %s is unreadable: the ids "
               "it holds are unknown", de->d_name);
      found = -1;
    } else if (q.host < p->host + p->size && p->host < q.host + q.size &&
               strcmp(q.uid, p->uid) != 0) {
      snprintf(other, size, "%s (pod %s)", de->d_name, q.uid);
      found = 1;
    }
  }
  closedir(dir);
  return found;
}

int node_pods_admit(const char *state_dir, const shim_spec *spec,
                    const shim_fact *joined, const shim_userns *given, char *why,
                    size_t why_size) {
  bool read = joined->answered && joined->ns_found && joined->maps_read;
  const char *type = shim_spec_annotation(spec, "io.kubernetes.cri.container-type");
  const char *sandbox = shim_spec_annotation(spec, "io.kubernetes.cri.sandbox-id");
  const char *uid = shim_spec_annotation(spec, "io.kubernetes.cri.sandbox-uid");
  /* A pod without a user namespace (hostUsers: true where the delegate
   * cannot give one): nothing to admit. */
  if (!type || !(read || given->size))
    return 0;
  if (!valid_id(sandbox)) {
    snprintf(why, why_size, "no valid io.kubernetes.cri.sandbox-id annotation");
    return 1;
  }
  char path[4096];
  int dirfd = pods_dir(state_dir, path, sizeof path);
  int lockfd = dirfd < 0 ? -1
                         : openat(dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
    snprintf(why, why_size, "cannot lock %s/lock: %s", path, strerror(errno));
    if (dirfd >= 0)
      close(dirfd);
    if (lockfd >= 0)
      close(lockfd);
    return -1;
  }
  /* The namespace joined, else the range shimrun gives a new one. */
  struct pod mine = {.host = read ? joined->uid.host_id : given->host_id,
                     .size = read ? joined->uid.size : given->size,
                     .ns = read ? joined->ns_id : 0};
  snprintf(mine.uid, sizeof mine.uid, "%s", uid && *uid && !strpbrk(uid, " \n") ? uid : "-");
  int ret = 0;
  if (strcmp(type, "sandbox") == 0) {
    char other[600];
    ret = overlapping(dirfd, sandbox, &mine, other, sizeof other, why, why_size);
    if (ret == 1)
      snprintf(why, why_size, "its host ids %llu..%llu overlap those of pod sandbox %s",
               mine.host, mine.host + mine.size - 1, other);
    if (ret == 0 && pod_write(dirfd, sandbox, &mine) < 0) {
      snprintf(why, why_size, "cannot record pod sandbox %s in %s: %s", sandbox, path,
               strerror(errno));
      ret = -1;
    }
  } else {
    struct pod theirs;
    if (pod_read(dirfd, sandbox, &theirs) < 0) {
      snprintf(why, why_size, "its pod sandbox %s holds no user namespace shimrun let in",
               sandbox);
      ret = 1;
    } else if ((theirs.ns && theirs.ns != mine.ns) || theirs.host != mine.host ||
               theirs.size != mine.size) {
      snprintf(why, why_size, "it does not join its pod sandbox %s's user namespace "
               "(host ids %llu..%llu)", sandbox, theirs.host, theirs.host + theirs.size - 1);
      ret = 1;
    }
  }
  close(lockfd);
  close(dirfd);
  return ret;
}

bool node_pods_held(const char *state_dir, const char *id) {
  char path[4096];
  snprintf(path, sizeof path, "%s/pods/%s", state_dir, id);
  return valid_id(id) && access(path, F_OK) == 0;
}

int node_pods_release(const char *state_dir, const char *id) {
  char path[4096];
  snprintf(path, sizeof path, "%s/pods/%s", state_dir, id);
  return !valid_id(id) || unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}
