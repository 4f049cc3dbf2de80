/*
 * The pool of host id ranges for user namespaces, in STATE/userns/: a lock
 * file, and one record per container named after sha256(root "\0" id),
 * holding
 *   {"root", "id", "hostID", "size", "pid", "start", "claimed", "rootfs",
 *    "mountID", "bundle", "bundleMode", "bundleGid", "bundleDev", "bundleIno"}
 * pid and start (its start time in /proc/PID/stat) name the process that
 * claimed, so that a record whose create is still under way is not taken
 * for stale; claimed when (seconds since the epoch); rootfs and mountID name the idmapped mount to undo; bundle
 * the directory opened to the container's root, with its mode and group
 * before, put back if it is still that directory as we left it.  A range
 * is busy while a record names it: a pod's containers share their
 * sandbox's, and it is free again once the last of them is gone.
 */
#include "config.h"
#include "node_pool.h"

#include "files.h"
#include "node_idmap.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


struct record {
  char *root, *id, *rootfs, *bundle;
  unsigned host_id, size;
  long long pid, start, claimed;
  long long mount_id;
  long long bundle_mode, bundle_gid, bundle_dev, bundle_ino;
};

static void record_clear(struct record *r) {
  free(r->root);
  free(r->id);
  free(r->rootfs);
  free(r->bundle);
  memset(r, 0, sizeof *r);
}
static void cleanup_recordp(struct record *r) { record_clear(r); }

/* Field 22 of /proc/PID/stat: tells a process from a later one of the same
 * pid.  0 when there is no such process. */
static long long start_time(long long pid) {
  char path[64], data[1024];
  snprintf(path, sizeof path, "/proc/%lld/stat", pid);
  if (pid <= 0 || read_proc(path, data, sizeof data) < 0)
    return 0;
  /* The command name may hold anything: count fields after its ')'. */
  const char *p = strrchr(data, ')');
  for (int field = 2; p && field < 22; field++)
    p = strchr(p + 1, ' ');
  return p ? strtoll(p + 1, NULL, 10) : 0;
}

/* sha256(root "\0" id), cut to 32 hex digits; -1 if they are too long to
 * be a runtime's (runc takes ids of at most 1024 bytes). */
static int record_name(const char *root, const char *id, char out[33]) {
  char key[PATH_MAX + 2048], hex[65];
  size_t n = strlen(root), m = strlen(id);
  if (n >= PATH_MAX || m > 2048)
    return -1;
  memcpy(key, root, n + 1); /* with its NUL: "a","bc" is not "ab","c" */
  memcpy(key + n + 1, id, m);
  sha256_hex(key, n + 1 + m, hex);
  memcpy(out, hex, 32);
  out[32] = '\0';
  return 0;
}

static int record_read(int dirfd, const char *name, struct record *r) {
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  _cleanup_json_ json_t *doc = NULL;
  if (fd < 0 || read_fd_limited(fd, &data, &len, NULL) < 0 ||
      !(doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)))
    return -1;
  json_int_t host = 0, size = 0, pid = 0, start = 0, claimed = 0, mount_id = 0;
  json_int_t mode = 0, gid = 0, dev = 0, ino = 0;
  const char *root = NULL, *id = NULL, *rootfs = "", *bundle = "";
  if (json_unpack(doc, "{s:s, s:s, s:I, s:I, s:I, s:I, s?I, s?s, s?I, s?s, s?I, s?I, s?I, s?I}",
                  "root", &root, "id", &id, "hostID", &host, "size", &size, "pid", &pid,
                  "start", &start, "claimed", &claimed, "rootfs", &rootfs, "mountID",
                  &mount_id, "bundle", &bundle, "bundleMode", &mode, "bundleGid", &gid,
                  "bundleDev", &dev, "bundleIno", &ino) < 0 ||
      host <= 0 || host > UINT32_MAX || size <= 0 || size > UINT32_MAX)
    return -1;
  *r = (struct record){.root = strdup(root), .id = strdup(id), .rootfs = strdup(rootfs),
                       .bundle = strdup(bundle), .host_id = (unsigned)host,
                       .size = (unsigned)size, .pid = pid, .start = start,
                       .claimed = claimed, .mount_id = mount_id, .bundle_mode = mode, .bundle_gid = gid,
                       .bundle_dev = dev, .bundle_ino = ino};
  if (!r->root || !r->id || !r->rootfs || !r->bundle) {
    record_clear(r);
    return -1;
  }
  return 0;
}

/* STATE/userns (its path in dir, for messages), open and locked (the lock
 * is held until pool_close), and the name of the calling container's
 * record in it. */
struct pool {
  int dirfd, lockfd;
  char name[33];
  char dir[PATH_MAX];
};

static int record_write(const struct pool *p, const struct record *r, shim_error *err) {
  char name[33], tmp[40];
  if (record_name(r->root, r->id, name) < 0)
    return error_set(err, SHIM_ERR_INVAL, NULL, "root or id too long");
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  _cleanup_json_ json_t *doc = json_pack(
      "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I}", "root",
      r->root, "id", r->id, "hostID", (json_int_t)r->host_id, "size", (json_int_t)r->size,
      "pid", (json_int_t)r->pid, "start", (json_int_t)r->start, "claimed",
      (json_int_t)r->claimed, "rootfs",
      r->rootfs ? r->rootfs : "", "mountID", (json_int_t)r->mount_id, "bundle",
      r->bundle ? r->bundle : "", "bundleMode", (json_int_t)r->bundle_mode, "bundleGid",
      (json_int_t)r->bundle_gid, "bundleDev", (json_int_t)r->bundle_dev, "bundleIno",
      (json_int_t)r->bundle_ino);
  _cleanup_free_ char *text = NULL;
  int ret = doc ? json_render(doc, false, &text, err)
                : error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (ret < 0)
    return ret;
  _cleanup_close_ int fd =
      openat(p->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  size_t len = strlen(text);
  errno = 0;
  if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 ||
      renameat(p->dirfd, tmp, p->dirfd, name) < 0) {
    int e = errno ? errno : ENOSPC; /* a short write says nothing */
    if (fd >= 0)
      unlinkat(p->dirfd, tmp, 0);
    return error_sys(err, SHIM_ERR_IO, e, NULL, "user namespace record %s/%s", p->dir, name);
  }
  return 0;
}

/* Whether the mount on top of the record's rootfs is still the idmapped
 * one it recorded (and not, say, a later container's). */
static bool record_mounted(const struct record *r) {
  struct statx stx;
  return r->mount_id && *r->rootfs &&
         statx(AT_FDCWD, r->rootfs, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0 &&
         (stx.stx_mask & STATX_MNT_ID) && (long long)stx.stx_mnt_id == r->mount_id;
}

/* The bundle directory, opened without following a link, or -1. */
static int open_bundle(const char *bundle, struct stat *st) {
  int fd = *bundle ? open(bundle, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (fd >= 0 && fstat(fd, st) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Undoes what a record names: the idmapped rootfs, and the bundle's group
 * and mode, while it is the directory we opened and as we left it. */
static void record_undo(const struct record *r) {
  if (record_mounted(r))
    umount2(r->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
  struct stat st;
  _cleanup_close_ int fd = open_bundle(r->bundle, &st);
  if (fd >= 0 && (long long)st.st_dev == r->bundle_dev &&
      (long long)st.st_ino == r->bundle_ino && st.st_gid == r->host_id &&
      (st.st_mode & 07777) == 0710 && fchown(fd, (uid_t)-1, (gid_t)r->bundle_gid) == 0)
    fchmod(fd, (mode_t)r->bundle_mode);
}

/* A record is stale when its container is gone from the delegate's state
 * and the process that claimed for it is too. */
static bool record_stale(const struct record *r) {
  char path[PATH_MAX * 2];
  snprintf(path, sizeof path, "%s/%s", r->root, r->id);
  if (access(path, F_OK) == 0)
    return false;
  return start_time(r->pid) != r->start || r->start == 0;
}

/* Whether a name in STATE/userns is a record (not the lock, nor a record
 * being written). */
static bool is_record(const char *name) {
  return name[0] != '.' && strcmp(name, "lock") != 0 && !strstr(name, ".tmp");
}

static void pool_close(struct pool *p) {
  if (p->lockfd >= 0)
    close(p->lockfd);
  if (p->dirfd >= 0)
    close(p->dirfd);
  p->dirfd = p->lockfd = -1;
}

static int pool_open(const struct node_pool *pool, const char *id, struct pool *p,
                     shim_error *err) {
  char path[PATH_MAX];
  const char *state_dir = pool->state_dir;
  *p = (struct pool){-1, -1, "", ""};
  if (!state_dir || state_dir[0] != '/')
    return error_set(err, SHIM_ERR_INVAL, NULL,
                     "the state directory must be an absolute path");
  if (id && record_name(pool->root, id, p->name) < 0)
    return error_set(err, SHIM_ERR_INVAL, NULL, "root or id too long");
  snprintf(path, sizeof path, "%s/userns", state_dir);
  snprintf(p->dir, sizeof p->dir, "%s", path);
  /* Records say which ranges are taken and which mounts to undo: a
   * directory someone else may write could hand one range to two
   * containers, or have a delete unmount what it names. */
  struct stat st;
  if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot create %s", state_dir);
  p->dirfd = open_own_dir(path, &st);
  if (p->dirfd < 0 && errno == EPERM)
    return error_set(err, SHIM_ERR_IO, NULL,
                     "%s is owned by uid %u with mode %04o: the pool must be this "
                     "user's alone (0700)", path, (unsigned)st.st_uid,
                     (unsigned)(st.st_mode & 07777));
  if (p->dirfd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot open %s", path);
  p->lockfd = openat(p->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (p->lockfd < 0 || flock(p->lockfd, LOCK_EX) < 0) {
    int e = errno;
    pool_close(p);
    return error_sys(err, SHIM_ERR_IO, e, NULL, "cannot lock %s/lock", path);
  }
  return 0;
}

static int cmp_uint(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return x < y ? -1 : x > y;
}

/* Calls visit for every record of the pool, which may keep it (and then
 * clears *r); stops at the first error.  An unreadable record fails
 * closed: the range it holds is unknown. */
typedef int record_visit(struct pool *p, const char *name, struct record *r, void *arg,
                         shim_error *err);
static int each_record(struct pool *p, record_visit *visit, void *arg, shim_error *err) {
  DIR *dir = fdopendir(dup(p->dirfd));
  if (!dir)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "cannot read the user namespace pool");
  int ret = 0;
  struct dirent *de;
  while (ret == 0 && (de = readdir(dir))) {
    if (!is_record(de->d_name))
      continue;
    _cleanup_(cleanup_recordp) struct record r = {0};
    ret = record_read(p->dirfd, de->d_name, &r) < 0
              ? error_set(err, SHIM_ERR_IO, NULL,
                          "user namespace record %s is unreadable: the range it holds "
                          "is unknown", de->d_name)
              : visit(p, de->d_name, &r, arg, err);
  }
  closedir(dir);
  return ret;
}

/* What a claim learns from the pool: the host ids of the busy ranges, and
 * the claiming container's own record (a retried create). */
struct scan {
  unsigned *busy;
  size_t nbusy, cap;
  struct record *mine;
};

/* Reclaims a stale record, or notes its range as busy, or takes ours. */
static int scan_one(struct pool *p, const char *name, struct record *r, void *arg,
                    shim_error *err) {
  struct scan *sc = arg;
  if (strcmp(name, p->name) == 0) {
    *sc->mine = *r;
    memset(r, 0, sizeof *r);
  } else if (record_stale(r)) {
    record_undo(r);
    unlinkat(p->dirfd, name, 0);
  } else {
    if (sc->nbusy == sc->cap) {
      unsigned *grown = realloc(sc->busy, (sc->cap = sc->cap * 2 + 16) * sizeof *sc->busy);
      if (!grown)
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
      sc->busy = grown;
    }
    sc->busy[sc->nbusy++] = r->host_id;
  }
  return 0;
}

int node_pool_claim(const struct node_pool *pool, const shim_policy *policy, const char *id,
                    shim_userns *inout, shim_error *err) {
  if (!pool || !policy || !pool->root || !id || !inout)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, root, id or range");
  if (*inout->join && !userns_in_pool(policy, inout->host_id, inout->size))
    return error_set(err, SHIM_ERR_INVAL, NULL, "the range to share is not in the pool");
  struct pool p;
  int ret = pool_open(pool, id, &p, err);
  if (ret < 0)
    return ret;
  _cleanup_(cleanup_recordp) struct record mine = {0};
  struct scan sc = {.mine = &mine};
  ret = each_record(&p, scan_one, &sc, err);
  _cleanup_free_ unsigned *busy = sc.busy;
  size_t nbusy = sc.nbusy;
  if (ret == 0 && nbusy)
    qsort(busy, nbusy, sizeof *busy, cmp_uint);
  unsigned host = 0, size = (unsigned)policy->userns_range_size;
  if (ret == 0 && *inout->join) {
    host = inout->host_id;
    size = inout->size;
  } else if (ret == 0 && mine.id && userns_in_pool(policy, mine.host_id, mine.size)) {
    host = mine.host_id; /* a retried create keeps its range */
    size = mine.size;
  } else if (ret == 0) {
    /* The lowest range no live record starts in. */
    size_t k = 0;
    for (int64_t slot = 0; slot < policy->userns_ranges && !host; slot++) {
      unsigned candidate = (unsigned)(policy->userns_start + slot * policy->userns_range_size);
      while (k < nbusy && busy[k] < candidate)
        k++;
      if (k == nbusy || busy[k] != candidate)
        host = candidate;
    }
    if (!host)
      ret = error_set(err, SHIM_ERR_LIMIT, NULL,
                      "the user namespace pool is exhausted (%lld ranges in use)",
                      (long long)policy->userns_ranges);
  }
  if (ret == 0) {
    struct record r = mine;
    r.root = (char *)pool->root;
    r.id = (char *)id;
    r.host_id = host;
    r.size = size;
    r.pid = getpid();
    r.start = start_time(getpid());
    r.claimed = mine.id ? mine.claimed : (long long)time(NULL);
    ret = record_write(&p, &r, err);
  }
  pool_close(&p);
  if (ret < 0)
    return ret;
  inout->host_id = host;
  inout->size = size;
  return 0;
}

/* The container's root must pass through the bundle directory to its
 * rootfs (containerd 1.6 makes it 0700): group = the range's first id,
 * mode 0710, as containerd 1.7 does for its own user namespaces; the group
 * and mode before are recorded first, to be put back.  A rootfs that is
 * the bundle itself needs no passage, and may not have one: under the
 * idmapped mount the group would have no mapping, and the directory would
 * be closed even to host root. */
static int open_to_root(const struct pool *p, struct record *r, const char *bundle,
                        const char *rootfs, shim_error *err) {
  if (strcmp(bundle, rootfs) == 0)
    return 0;
  struct stat st;
  _cleanup_close_ int fd = open_bundle(bundle, &st);
  if (fd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "bundle %s", bundle);
  if (strcmp(r->bundle, bundle) != 0 || r->bundle_dev != (long long)st.st_dev ||
      r->bundle_ino != (long long)st.st_ino) {
    char *copy = strdup(bundle);
    if (!copy)
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    free(r->bundle);
    r->bundle = copy;
    r->bundle_mode = st.st_mode & 07777;
    r->bundle_gid = st.st_gid;
    r->bundle_dev = (long long)st.st_dev;
    r->bundle_ino = (long long)st.st_ino;
    int ret = record_write(p, r, err);
    if (ret < 0)
      return ret;
  }
  if (fchown(fd, (uid_t)-1, (gid_t)r->host_id) < 0 || fchmod(fd, 0710) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL,
                     "bundle %s: cannot open it to the container's root", bundle);
  return 0;
}

int node_pool_mount_rootfs(const struct node_pool *pool, const char *id, const char *bundle,
                           const char *rootfs, shim_error *err) {
  if (!pool || !pool->root || !id || !bundle || !rootfs || rootfs[0] != '/')
    return error_set(err, SHIM_ERR_INVAL, NULL, "no root, id, bundle or absolute rootfs path");
  struct pool p;
  int ret = pool_open(pool, id, &p, err);
  if (ret < 0)
    return ret;
  _cleanup_(cleanup_recordp) struct record r = {0};
  if (record_read(p.dirfd, p.name, &r) < 0) {
    ret = error_set(err, SHIM_ERR_INVAL, NULL, "container %s holds no user namespace range", id);
  } else if ((ret = open_to_root(&p, &r, bundle, rootfs, err)) == 0 &&
             !(strcmp(r.rootfs, rootfs) == 0 && record_mounted(&r))) { /* else: a retry */
    shim_userns ns = {.host_id = r.host_id, .size = r.size};
    uint64_t mount_id = 0;
    ret = node_idmap_rootfs(rootfs, &ns, &mount_id, err);
    char *copy = ret == 0 ? strdup(rootfs) : NULL;
    if (ret == 0 && !copy)
      ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    if (ret == 0) {
      free(r.rootfs);
      r.rootfs = copy;
      r.mount_id = (long long)mount_id;
      if ((ret = record_write(&p, &r, err)) < 0)
        umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
    }
  }
  pool_close(&p);
  return ret;
}

int node_pool_held(const struct node_pool *pool, const char *id, shim_error *err) {
  char name[33], path[PATH_MAX];
  if (!pool || !pool->state_dir || pool->state_dir[0] != '/' || !pool->root || !id)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no absolute state directory, root or id");
  if (record_name(pool->root, id, name) < 0)
    return error_set(err, SHIM_ERR_INVAL, NULL, "root or id too long");
  snprintf(path, sizeof path, "%s/userns/%s", pool->state_dir, name);
  if (access(path, F_OK) == 0)
    return 1;
  return errno == ENOENT ? 0 : error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
}

int node_pool_release(const struct node_pool *pool, const char *id, shim_error *err) {
  if (!pool || !pool->root || !id)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no root or id");
  struct pool p;
  int ret = pool_open(pool, id, &p, err);
  if (ret < 0)
    return ret;
  _cleanup_(cleanup_recordp) struct record r = {0};
  if (record_read(p.dirfd, p.name, &r) == 0) {
    record_undo(&r);
    if (unlinkat(p.dirfd, p.name, 0) < 0)
      ret = error_sys(err, SHIM_ERR_IO, errno, NULL, "user namespace record %s", p.name);
  }
  pool_close(&p);
  return ret;
}

/* What `shimctl pool` gathers: every record as an entry. */
struct listing {
  struct node_pool_entry *entries;
  size_t count, cap;
  bool reclaim;
};

static int list_one(struct pool *p, const char *name, struct record *r, void *arg,
                    shim_error *err) {
  struct listing *l = arg;
  struct node_pool_entry e = {.root = r->root, .id = r->id, .host_id = r->host_id,
                              .size = r->size, .claimed = r->claimed,
                              .alive = !record_stale(r)};
  if (l->reclaim && !e.alive) {
    record_undo(r);
    e.released = unlinkat(p->dirfd, name, 0) == 0;
  }
  if (l->count == l->cap) {
    struct node_pool_entry *bigger =
        realloc(l->entries, (l->cap = l->cap * 2 + 8) * sizeof *bigger);
    if (!bigger)
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    l->entries = bigger;
  }
  l->entries[l->count++] = e;
  r->root = r->id = NULL; /* the entry's now */
  return 0;
}

int node_pool_list(const struct node_pool *pool, bool reclaim, struct node_pool_entry **out,
                   size_t *count, shim_error *err) {
  *out = NULL;
  *count = 0;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/userns", pool->state_dir ? pool->state_dir : "");
  if (pool->state_dir && access(path, F_OK) < 0 && errno == ENOENT)
    return 0; /* no pool yet: nothing held, and nothing made for a look */
  struct pool p;
  int ret = pool_open(pool, NULL, &p, err);
  if (ret < 0)
    return ret;
  struct listing l = {.reclaim = reclaim};
  ret = each_record(&p, list_one, &l, err);
  pool_close(&p);
  if (ret < 0) {
    node_pool_entries_free(l.entries, l.count);
    return ret;
  }
  *out = l.entries;
  *count = l.count;
  return 0;
}

void node_pool_entries_free(struct node_pool_entry *entries, size_t count) {
  for (size_t i = 0; entries && i < count; i++) {
    free(entries[i].root);
    free(entries[i].id);
  }
  free(entries);
}

int node_pool_usage(const struct node_pool *pool, const shim_policy *policy,
                    size_t *containers, size_t *ranges, shim_error *err) {
  struct node_pool_entry *entries = NULL;
  size_t n = 0;
  *containers = *ranges = 0;
  int ret = node_pool_list(pool, false, &entries, &n, err);
  if (ret < 0)
    return ret;
  unsigned *held = n ? calloc(n, sizeof *held) : NULL;
  if (n && !held)
    ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  for (size_t i = 0; held && i < n; i++)
    if (policy && userns_in_pool(policy, entries[i].host_id, entries[i].size))
      held[(*ranges)++] = entries[i].host_id; /* else the kubelet's own */
  /* A pod's containers share their sandbox's range: count it once. */
  if (*ranges) {
    qsort(held, *ranges, sizeof *held, cmp_uint);
    size_t distinct = 1;
    for (size_t i = 1; i < *ranges; i++)
      distinct += held[i] != held[i - 1];
    *ranges = distinct;
  }
  *containers = ret == 0 ? n : 0;
  free(held);
  node_pool_entries_free(entries, n);
  return ret;
}
