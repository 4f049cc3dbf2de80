/* Host facts for libshim's checks, read from this node. */
#include "config.h"
#include "node_facts.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* Counts the lines of a /proc id map and keeps the first. */
static int read_map(const char *path, unsigned *lines, shim_idmap *first) {
  char data[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, data, sizeof data - 1);
  if (fd >= 0)
    close(fd);
  if (n < 0)
    return -1;
  data[n] = '\0';
  *lines = 0;
  for (char *line = data, *next; *line; line = next) {
    next = strchr(line, '\n');
    next = next ? next + 1 : line + strlen(line);
    shim_idmap m;
    if (sscanf(line, "%u %u %u", &m.container_id, &m.host_id, &m.size) != 3)
      return -1;
    if ((*lines)++ == 0)
      *first = m;
  }
  return 0;
}

static void read_maps(const char *proc_dir, shim_fact *f) {
  char uid[64], gid[64];
  snprintf(uid, sizeof uid, "%s/uid_map", proc_dir);
  snprintf(gid, sizeof gid, "%s/gid_map", proc_dir);
  f->maps_read = read_map(uid, &f->uid_ranges, &f->uid) == 0 &&
                 read_map(gid, &f->gid_ranges, &f->gid) == 0;
}

/* The namespace at path opened for reading when it is one of type
 * clone_flag, else -1 with *error = errno, or 0 when it is something else.
 * Opening an arbitrary path as root can have side effects (a device), so
 * only an nsfs file is ever opened, and through the O_PATH descriptor, so
 * that it is the file looked at. */
static int ns_open(const char *path, int clone_flag, int *error) {
  int pfd = open(path, O_PATH | O_CLOEXEC), fd = -1;
  struct statfs sfs;
  char fd_path[64];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", pfd);
  *error = 0;
  if (pfd < 0)
    *error = errno;
  else if (fstatfs(pfd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC &&
           (fd = open(fd_path, O_RDONLY | O_CLOEXEC)) >= 0 &&
           ioctl(fd, NS_GET_NSTYPE) != clone_flag) {
    close(fd);
    fd = -1;
  }
  if (pfd >= 0)
    close(pfd);
  return fd;
}

int node_ns_open(const char *path, int clone_flag, const char *kind, char *why,
                 size_t why_size) {
  int error, fd = ns_open(path, clone_flag, &error);
  if (fd < 0 && error)
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(error));
  else if (fd < 0)
    snprintf(why, why_size, "%s is not a %s namespace", path, kind);
  return fd;
}

/* Whether the namespace st is the host's: init's, or where /proc/1 cannot
 * be read (a hardened /proc), ours: a runtime runs in the host's
 * namespaces.  -1 when neither can be read. */
static int ns_is_host(const struct stat *st, int clone_flag) {
  static const struct {
    int flag;
    const char *name;
  } names[] = {{CLONE_NEWNET, "net"},   {CLONE_NEWUTS, "uts"},       {CLONE_NEWPID, "pid"},
               {CLONE_NEWIPC, "ipc"},   {CLONE_NEWNS, "mnt"},        {CLONE_NEWCGROUP, "cgroup"},
               {CLONE_NEWUSER, "user"}, {CLONE_NEWTIME, "time"}};
  const char *name = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].flag == clone_flag)
      name = names[i].name;
  static const char *const refs[] = {"/proc/1/ns", "/proc/self/ns"};
  for (size_t i = 0; name && i < sizeof refs / sizeof refs[0]; i++) {
    char ref_path[64];
    struct stat ref;
    snprintf(ref_path, sizeof ref_path, "%s/%s", refs[i], name);
    if (stat(ref_path, &ref) == 0)
      return st->st_dev == ref.st_dev && st->st_ino == ref.st_ino;
  }
  return -1;
}

/* A user namespace's maps, read from a child that entered it: its
 * zombie's maps are the namespace's, read from here (the host's user
 * namespace) as host ids.  The host's own cannot be entered anew.  The
 * child says it got in through a pipe, not its exit status, which a
 * checker such as valgrind may replace. */
static void answer_maps(int fd, shim_fact *f) {
  int pipefd[2];
  if (f->host == 1) {
    read_maps("/proc/self", f);
    return;
  }
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    char in = setns(fd, CLONE_NEWUSER) == 0 ? 'y' : 'n';
    _exit(write(pipefd[1], &in, 1) == 1 ? 0 : 1);
  }
  close(pipefd[1]);
  char in = 'n';
  siginfo_t si = {0};
  char dir[32];
  snprintf(dir, sizeof dir, "/proc/%d", (int)pid);
  if (pid > 0 && read(pipefd[0], &in, 1) == 1 && in == 'y' &&
      waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0)
    read_maps(dir, f);
  close(pipefd[0]);
  if (pid > 0)
    waitpid(pid, NULL, 0);
}

static void answer_namespace(shim_fact *f) {
  struct stat st;
  int fd = ns_open(f->path, f->ns_type, &f->error);
  if (fd >= 0 && fstat(fd, &st) < 0)
    f->error = errno;
  else if (fd >= 0) {
    f->ns_found = 1;
    f->ns_id = st.st_ino;
    f->host = ns_is_host(&st, f->ns_type);
    if (f->ns_type == CLONE_NEWUSER)
      answer_maps(fd, f);
  }
  if (fd >= 0)
    close(fd);
}

/* Whether a directory on path, as given or as its links lead, may be
 * written by another user than root: an entry there could be swapped
 * after it was checked.  A sticky one (/tmp) lets no one else replace
 * root's entries. */
static int writable_dir_on(const char *path) {
  char resolved[PATH_MAX], prefix[PATH_MAX];
  const char *paths[] = {path, realpath(path, resolved) ? resolved : NULL};
  for (size_t k = 0; k < 2; k++) {
    const char *p = paths[k];
    for (size_t i = 0; p && p[0] == '/' && p[i]; i++) {
      if (p[i] != '/')
        continue;
      struct stat st;
      snprintf(prefix, sizeof prefix, "%.*s", i ? (int)i : 1, p);
      if (stat(prefix, &st) == 0 && S_ISDIR(st.st_mode) &&
          (st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))))
        return 1;
    }
  }
  return 0;
}

/* What path leads to; f->resolved is malloc'ed. */
static void answer_file(shim_fact *f) {
  struct stat st;
  struct statvfs vfs;
  char *resolved = NULL;
  if (lstat(f->path, &st) < 0 || !(resolved = realpath(f->path, NULL))) {
    f->error = errno;
    return;
  }
  f->link = S_ISLNK(st.st_mode);
  f->resolved = resolved;
  f->path_writable = writable_dir_on(f->path);
  if (stat(resolved, &st) < 0 || statvfs(resolved, &vfs) < 0) {
    f->error = errno;
    return;
  }
  f->mode = st.st_mode;
  f->owner = st.st_uid;
  f->major = major(st.st_rdev);
  f->minor = minor(st.st_rdev);
  f->mount_flags = vfs.f_flag;
}

/* A hook's program: looked at through O_PATH first, so that only a
 * regular file is ever opened (a FIFO would block, a device act), then
 * read for its digest. */
static void answer_program(shim_fact *f) {
  int pfd = open(f->path, O_PATH | O_CLOEXEC), fd = -1;
  struct stat st;
  char fd_path[64];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", pfd);
  if (pfd < 0 || fstat(pfd, &st) < 0)
    f->error = errno;
  else {
    f->mode = st.st_mode;
    f->owner = st.st_uid;
    f->path_writable = writable_dir_on(f->path);
  }
  void *map = NULL;
  size_t size = f->error ? 0 : (size_t)st.st_size;
  if (!f->error && S_ISREG(st.st_mode) &&
      ((fd = open(fd_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
       (size && (map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)))
    f->error = errno;
  else if (!f->error && S_ISREG(st.st_mode))
    sha256_hex(map, size, f->sha256);
  if (map && map != MAP_FAILED)
    munmap(map, size);
  if (fd >= 0)
    close(fd);
  if (pfd >= 0)
    close(pfd);
}

/* Answers every question of spec's checks from this node; gives the
 * answer about the user namespace at joined_path (if not NULL) to *joined. */
static int answer_all(const shim_policy *policy, shim_spec *spec, const char *joined_path,
                      shim_fact *joined, shim_error *err) {
  shim_fact *facts = NULL;
  size_t n = 0;
  int ret = shim_spec_questions(policy, spec, &facts, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++) {
    shim_fact *f = &facts[i];
    f->answered = 1;
    if (f->kind == SHIM_FACT_NAMESPACE)
      answer_namespace(f);
    else if (f->kind == SHIM_FACT_FILE)
      answer_file(f);
    else
      answer_program(f);
    if (joined && joined_path && f->kind == SHIM_FACT_NAMESPACE &&
        f->ns_type == CLONE_NEWUSER && strcmp(f->path, joined_path) == 0)
      *joined = *f;
  }
  if (ret == 0)
    ret = shim_spec_set_facts(spec, facts, n, err);
  for (size_t i = 0; i < n; i++)
    free((char *)facts[i].resolved);
  free(facts);
  return ret;
}

/* The kubelet's entry of /etc/subuid or /etc/subgid ("kubelet:START:COUNT",
 * the first): 1 and the range, 0 when there is none. */
static int kubelet_subids(const char *path, unsigned *start, unsigned *count) {
  FILE *f = fopen(path, "re");
  char line[256];
  int found = 0;
  while (f && !found && fgets(line, sizeof line, f))
    found = sscanf(line, "kubelet:%u:%u", start, count) == 2;
  if (f)
    fclose(f);
  return found;
}

int node_facts_fill(shim_policy *policy, shim_spec *spec, shim_fact *joined,
                    shim_error *err) {
  char path[PATH_MAX];
  if (joined)
    *joined = (shim_fact){0};
  int ret = answer_all(policy, spec,
                       shim_userns_joined_path(policy, spec, path, sizeof path) > 0 ? path
                                                                                   : NULL,
                       joined, err);
  if (joined)
    joined->path = joined->resolved = NULL; /* they went with the questions */
  unsigned us = 0, uc = 0, gs = 0, gc = 0;
  int u = kubelet_subids("/etc/subuid", &us, &uc);
  int g = kubelet_subids("/etc/subgid", &gs, &gc);
  if (ret < 0 || (!u && !g))
    return ret;
  if (u != g || us != gs || uc != gc) {
    *err = (shim_error){.code = SHIM_ERR_SCHEMA};
    snprintf(err->message, sizeof err->message,
             "/etc/subuid and /etc/subgid give the kubelet different ranges");
    return -SHIM_ERR_SCHEMA;
  }
  return shim_policy_set_kubelet_ids(policy, us, uc, err);
}

int node_kernel_tell(shim_policy *policy, shim_error *err) {
  struct utsname u;
  if (uname(&u) < 0) {
    *err = (shim_error){.code = SHIM_ERR_HOST, .sys_errno = errno};
    snprintf(err->message, sizeof err->message, "uname: %s", strerror(errno));
    return -SHIM_ERR_HOST;
  }
  return shim_policy_set_kernel(policy, u.release, err);
}
