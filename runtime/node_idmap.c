/*
 * Idmapped rootfs and binds: files owned by host root on disk show up
 * owned by the container's root (host id H) without a copy or a chown.
 *
 * A directory is cloned (open_tree) with MOUNT_ATTR_IDMAP set from a user
 * namespace that maps 0 to H, and the clone is stacked on it.  An overlay
 * (containerd's snapshotter mounts one at BUNDLE/rootfs) cannot be
 * idmapped itself (EINVAL), but since Linux 5.19 its layers can: each
 * lowerdir and the directory holding upperdir and workdir (one mount:
 * overlayfs renames between them) are cloned and idmapped, and a new
 * overlay of those clones, reached as /proc/self/fd/N, is stacked on the
 * old one.  The runtime then sees an ordinary rootfs path.
 *
 * Bind sources get the same in a mount namespace of the caller's own, from
 * which the runtime is exec'd: host paths must not change for anyone else,
 * and the runtime must bind the paths that were checked.
 */
#include "config.h"
#include "node_idmap.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes all of text to path (a /proc map file wants one write). */
static int write_text(const char *path, const char *text) {
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen(text);
  return fd >= 0 && write(fd, text, len) == (ssize_t)len ? 0 : -1;
}

/* The child of idmap_userns_fd: its exit status says whether it entered
 * a new user namespace. */
static int userns_child(void *arg) {
  (void)arg;
  _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
}

/* A user namespace descriptor with ns's mapping, to idmap with.  A child
 * enters a new user namespace and exits; until it is reaped its /proc
 * entry still leads there, so we map the namespace and take a descriptor,
 * which keeps it.  The child shares our memory until it exits (vfork)
 * instead of copying our page tables (fork, a tenth of a create), and
 * nothing runs beside it: waitid(WNOWAIT) waits for its exit without
 * reaping it (under valgrind, which runs a vfork as a fork, too).  An fd
 * or -errno. */
static int idmap_userns_fd(const shim_userns *ns) {
  alignas(16) char stack[4096];
  pid_t pid = clone(userns_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD,
                    NULL);
  if (pid < 0)
    return -errno;
  siginfo_t info = {0};
  int fd = -EAGAIN;
  while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
    ;
  if (info.si_pid == pid && info.si_code == CLD_EXITED && info.si_status == 0) {
    char path[64], map[64];
    snprintf(map, sizeof map, "0 %u %u\n", ns->host_id, ns->size);
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
    int ok = write_text(path, map);
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
    ok = ok == 0 ? write_text(path, map) : ok;
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    fd = ok == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
      fd = -errno;
  }
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

/* A detached clone of the mount at path (not its submounts), idmapped. */
static int idmapped_clone(const char *path, int userns_fd) {
  int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

struct overlay {
  char *lower[128]; /* into opts */
  size_t nlower;
  const char *upper, *work;
  bool index_off;
  char opts[4096];
};

/* The top mount at rootfs, when it is an overlay: its layers from
 * /proc/self/mountinfo.  0: an overlay; 1: not one; <0: an error. */
static int find_overlay(const char *rootfs, struct overlay *ov, shim_error *err) {
  /* mountinfo lists every mount of the node (hundreds, with many pods):
   * read only when the top mount at rootfs can be an overlay. */
  struct statfs sf;
  if (statfs(rootfs, &sf) == 0 && sf.f_type != OVERLAYFS_SUPER_MAGIC)
    return 1;
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return error_sys(err, SHIM_ERR_HOST, errno, NULL, "cannot read /proc/self/mountinfo");
  char line[8192];
  bool top_is_overlay = false;
  while (fgets(line, sizeof line, f)) {
    char mountpoint[PATH_MAX], fstype[64], super[4096];
    /* id parent dev root mountpoint options [optional...] - type source super */
    const char *dash = strstr(line, " - ");
    if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint) != 1 ||
        sscanf(dash, " - %63s %*s %4095s", fstype, super) != 2)
      continue;
    /* mountinfo escapes space, tab, newline and backslash as \ooo; such
     * a rootfs path is not one we compare. */
    if (strcmp(mountpoint, rootfs) != 0)
      continue;
    top_is_overlay = strcmp(fstype, "overlay") == 0;
    if (top_is_overlay)
      snprintf(ov->opts, sizeof ov->opts, "%s", super);
  }
  fclose(f);
  if (!top_is_overlay)
    return 1;
  if (strchr(ov->opts, '\\'))
    return error_set(err, SHIM_ERR_HOST, NULL,
                     "rootfs %s: overlay layer paths with escaped characters "
                     "are not supported", rootfs);
  ov->nlower = 0;
  ov->upper = ov->work = NULL;
  for (char *save = NULL, *opt = strtok_r(ov->opts, ",", &save); opt;
       opt = strtok_r(NULL, ",", &save)) {
    if (strncmp(opt, "lowerdir=", 9) == 0) {
      for (char *s2 = NULL, *dir = strtok_r(opt + 9, ":", &s2); dir;
           dir = strtok_r(NULL, ":", &s2)) {
        if (ov->nlower == ARRAY_SIZE(ov->lower))
          return error_set(err, SHIM_ERR_LIMIT, NULL, "rootfs %s: more than %zu layers",
                           rootfs, ARRAY_SIZE(ov->lower));
        ov->lower[ov->nlower++] = dir;
      }
    } else if (strncmp(opt, "upperdir=", 9) == 0) {
      ov->upper = opt + 9;
    } else if (strncmp(opt, "workdir=", 8) == 0) {
      ov->work = opt + 8;
    } else if (strcmp(opt, "index=off") == 0) {
      ov->index_off = true;
    }
  }
  if (!ov->nlower || !ov->upper != !ov->work)
    return error_set(err, SHIM_ERR_HOST, NULL, "rootfs %s: an overlay without "
                     "lowerdir, or with only one of upperdir and workdir", rootfs);
  return 0;
}

/* Length of path's parent ("/a/b/fs" -> 4); 0 when it has none. */
static size_t parent_len(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash && slash != path ? (size_t)(slash - path) : 0;
}

/* Mounts, on rootfs, an overlay of idmapped clones of ov's layers. */
static int mount_idmapped_overlay(const char *rootfs, const struct overlay *ov,
                                  int userns_fd, const shim_userns *ns,
                                  shim_error *err) {
  int fds[ARRAY_SIZE(ov->lower) + 1];
  size_t nfds = 0;
  char opts[8192];
  size_t used = (size_t)snprintf(opts, sizeof opts, "lowerdir=");
  int ret = 0;
  for (size_t i = 0; ret == 0 && i < ov->nlower; i++) {
    int fd = idmapped_clone(ov->lower[i], userns_fd);
    if (fd < 0)
      ret = error_sys(err, SHIM_ERR_HOST, -fd, NULL,
                      "rootfs %s: cannot idmap layer %s", rootfs, ov->lower[i]);
    else
      used += (size_t)snprintf(opts + used, sizeof opts - used, "%s/proc/self/fd/%d",
                               i ? ":" : "", fds[nfds++] = fd);
  }
  if (ret == 0 && ov->upper) {
    size_t n = parent_len(ov->upper);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%.*s", (int)n, ov->upper);
    int fd = -EINVAL;
    if (!n || parent_len(ov->work) != n || strncmp(ov->upper, ov->work, n) != 0)
      ret = error_set(err, SHIM_ERR_HOST, NULL, "rootfs %s: upperdir and workdir "
                      "are not in one directory", rootfs);
    else if ((fd = idmapped_clone(parent, userns_fd)) < 0)
      ret = error_sys(err, SHIM_ERR_HOST, -fd, NULL,
                      "rootfs %s: cannot idmap %s", rootfs, parent);
    else
      used += (size_t)snprintf(opts + used, sizeof opts - used,
                               ",upperdir=/proc/self/fd/%d%s,workdir=/proc/self/fd/%d%s",
                               fds[nfds++] = fd, ov->upper + n, fd, ov->work + n);
  }
  if (ret == 0 && ov->index_off)
    used += (size_t)snprintf(opts + used, sizeof opts - used, ",index=off");
  if (ret == 0 && used >= sizeof opts)
    ret = error_set(err, SHIM_ERR_LIMIT, NULL, "rootfs %s: too many layers", rootfs);
  if (ret == 0) {
    /* overlayfs works on the upper layer with the mounter's credentials,
     * and host root has no id in the idmapped mount (EOVERFLOW): mount as
     * the container's root, capabilities kept, then switch back. */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct saved[2], raised[2];
    int r = (int)syscall(SYS_capget, &hdr, saved);
    memcpy(raised, saved, sizeof raised);
    raised[0].effective = saved[0].permitted;
    raised[1].effective = saved[1].permitted;
    setfsgid(ns->host_id);
    setfsuid(ns->host_id);
    if (r == 0)
      r = (int)syscall(SYS_capset, &hdr, raised);
    if (r == 0)
      r = mount("overlay", rootfs, "overlay", 0, opts);
    int e = errno;
    setfsuid(0);
    setfsgid(0);
    syscall(SYS_capset, &hdr, saved);
    if (r < 0)
      ret = error_sys(err, SHIM_ERR_HOST, e, NULL,
                      "rootfs %s: cannot mount the idmapped overlay (Linux 5.19+)", rootfs);
  }
  for (size_t i = 0; i < nfds; i++)
    close(fds[i]);
  return ret;
}

int node_idmap_rootfs(const char *rootfs, const shim_userns *ns, uint64_t *mount_id,
                      shim_error *err) {
  _cleanup_close_ int userns_fd = idmap_userns_fd(ns);
  if (userns_fd < 0)
    return error_sys(err, SHIM_ERR_HOST, -userns_fd, NULL,
                     "cannot make a user namespace to idmap rootfs with");
  struct overlay ov = {0};
  int ret = find_overlay(rootfs, &ov, err);
  if (ret < 0)
    return ret;
  if (ret == 0) {
    ret = mount_idmapped_overlay(rootfs, &ov, userns_fd, ns, err);
  } else {
    _cleanup_close_ int fd = idmapped_clone(rootfs, userns_fd);
    if (fd < 0)
      return error_sys(err, SHIM_ERR_HOST, -fd, NULL,
                       "rootfs %s: its file system cannot be idmapped", rootfs);
    ret = move_mount(fd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0
              ? error_sys(err, SHIM_ERR_HOST, errno, NULL,
                          "rootfs %s: cannot stack the idmapped mount", rootfs)
              : 0;
  }
  if (ret < 0)
    return ret;
  struct statx stx;
  if (statx(AT_FDCWD, rootfs, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
      !(stx.stx_mask & STATX_MNT_ID)) {
    int e = errno;
    umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
    return error_sys(err, SHIM_ERR_HOST, e, NULL, "rootfs %s: no mount id", rootfs);
  }
  *mount_id = stx.stx_mnt_id;
  return 0;
}

/* ---- Bind mounts ----------------------------------------------------------- */

/* Whether a bind source is one to idmap: host data (not /proc, /sys or
 * /dev, whose file systems refuse and whose ids are the kernel's), a
 * directory or regular file.  real gets its resolved path. */
static bool idmappable_source(const char *source, char real[PATH_MAX]) {
  static const char *const kernel[] = {"/proc", "/sys", "/dev"};
  struct stat st;
  if (!source || source[0] != '/' || !realpath(source, real) || stat(real, &st) < 0 ||
      !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
    return false;
  for (size_t i = 0; i < ARRAY_SIZE(kernel); i++)
    if (path_has_prefix(real, kernel[i]))
      return false;
  return true;
}

/* Stacks on path an idmapped clone of the mount tree there.  The clone is
 * recursive so that every path below stays reachable (a rootfs mounted
 * under a source, say); the idmap covers the whole tree for rbind, and
 * else (or when a submount refuses) the top mount, which is all a plain
 * bind takes.  0, or -errno when it cannot be idmapped. */
static int stack_idmapped(const char *path, bool recursive, int userns_fd) {
  _cleanup_close_ int fd =
      open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (fd < 0)
    return -errno;
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
  if ((!recursive ||
       mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) &&
      mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return -errno;
  return move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
}

/* A source bound twice, or below one done already, is idmapped by then
 * (a second setattr would fail): once is enough. */
static bool below_done(const struct strlist *done, const char *path) {
  for (size_t i = 0; i < done->count; i++)
    if (path_has_prefix(path, done->items[i]))
      return true;
  return false;
}

int node_idmap_binds(const shim_spec *spec, const shim_userns *userns, size_t *left,
                     int *prev_ns, shim_error *err) {
  if (!spec || !userns || !userns->size || !left || !prev_ns)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no spec, user namespace or output pointer");
  *left = 0;
  *prev_ns = -1;
  _cleanup_close_ int userns_fd = -1;
  _cleanup_close_ int own_ns = -1; /* the caller's, handed out on success */
  int ret = 0;
  _cleanup_(cleanup_strlistp) struct strlist done = {0};
  jv_foreach(jv_get(spec->tree.nodes, "mounts"), m) {
    bool recursive;
    char real[PATH_MAX];
    if (!mount_is_bind(m, &recursive) ||
        !idmappable_source(jv_str(jv_get(m, "source")), real) ||
        below_done(&done, real))
      continue;
    /* On the first bind: a mount namespace of our own, receiving the
     * host's mounts but sending none back (what is stacked must never
     * reach the host), and the user namespace that carries the ids. */
    if (userns_fd < 0 &&
        ((own_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0 ||
         unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)) {
      ret = error_sys(err, SHIM_ERR_HOST, errno, NULL,
                      "cannot make a mount namespace of our own for the binds");
      break;
    }
    if (userns_fd < 0 && (userns_fd = idmap_userns_fd(userns)) < 0) {
      ret = error_sys(err, SHIM_ERR_HOST, -userns_fd, NULL,
                      "cannot make a user namespace to idmap binds with");
      break;
    }
    if (stack_idmapped(real, recursive, userns_fd) < 0)
      (*left)++;
    else if (strlist_push(&done, real) < 0) {
      ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
      break;
    }
  }
  /* On error the caller is back where it was: it may have host mounts to
   * undo (a claimed rootfs), which from here would stay on the host. */
  if (ret < 0 && own_ns >= 0 && setns(own_ns, CLONE_NEWNS) < 0)
    ret = error_sys(err, SHIM_ERR_HOST, errno, NULL,
                    "cannot return to the original mount namespace");
  if (ret == 0) {
    *prev_ns = own_ns;
    own_ns = -1;
  }
  return ret;
}
