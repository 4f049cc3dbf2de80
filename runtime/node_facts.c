/* Host facts for libshim's checks, read from this node. */
#include "config.h"
#include "node_facts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

static void read_maps(const char *proc_dir, shim_userns_facts *out) {
  char uid[64], gid[64];
  snprintf(uid, sizeof uid, "%s/uid_map", proc_dir);
  snprintf(gid, sizeof gid, "%s/gid_map", proc_dir);
  if (read_map(uid, &out->uid_ranges, &out->uid) < 0 ||
      read_map(gid, &out->gid_ranges, &out->gid) < 0)
    snprintf(out->why, sizeof out->why, "its uid_map and gid_map cannot be read");
  else
    out->verified = 1;
}

int node_ns_open(const char *path, int clone_flag, const char *kind, char *why,
                 size_t why_size) {
  /* Look before opening for real: opening an arbitrary path as root can
   * have side effects (a device), so only an nsfs file is ever opened,
   * and through the O_PATH descriptor, so that it is the file looked at. */
  int pfd = open(path, O_PATH | O_CLOEXEC), fd = -1;
  struct statfs sfs;
  char fd_path[64];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", pfd);
  if (pfd < 0)
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
  else if (fstatfs(pfd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
    snprintf(why, why_size, "%s is not a namespace", path);
  else if ((fd = open(fd_path, O_RDONLY | O_CLOEXEC)) < 0 ||
           ioctl(fd, NS_GET_NSTYPE) != clone_flag)
    snprintf(why, why_size, "%s is not a %s namespace", path, kind);
  if (pfd >= 0)
    close(pfd);
  if (*why && fd >= 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

void node_userns_facts(const char *path, shim_userns_facts *out) {
  *out = (shim_userns_facts){0};
  int fd = node_ns_open(path, CLONE_NEWUSER, "user", out->why, sizeof out->why);
  struct stat st, self;
  if (fd < 0)
    return; /* out->why says what path is instead */
  if (fstat(fd, &st) < 0) {
    snprintf(out->why, sizeof out->why, "cannot stat %s: %s", path, strerror(errno));
  } else if (stat("/proc/self/ns/user", &self) == 0 && self.st_ino == st.st_ino &&
             self.st_dev == st.st_dev) {
    out->id = st.st_ino; /* the host's own: no child can enter it anew */
    read_maps("/proc/self", out);
  } else {
    out->id = st.st_ino;
    /* A child enters it and exits; its zombie's maps are the namespace's,
     * read from here (the host's user namespace) as host ids. */
    pid_t pid = fork();
    if (pid == 0)
      _exit(setns(fd, CLONE_NEWUSER) == 0 ? 0 : 1);
    siginfo_t si = {0};
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)pid);
    if (pid < 0 || waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 ||
        si.si_code != CLD_EXITED || si.si_status != 0)
      snprintf(out->why, sizeof out->why, "cannot enter the user namespace %s", path);
    else
      read_maps(dir, out);
    if (pid > 0)
      waitpid(pid, NULL, 0);
  }
  close(fd);
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

int node_facts_fill(shim_policy *policy, shim_spec *spec, shim_userns_facts *joined,
                    shim_error *err) {
  char path[PATH_MAX];
  shim_userns_facts facts = {0};
  if (joined)
    *joined = facts;
  if (shim_userns_joined_path(policy, spec, path, sizeof path) <= 0)
    return 0; /* nothing joined: nothing to learn */
  node_userns_facts(path, &facts);
  shim_spec_set_userns_facts(spec, &facts);
  if (joined)
    *joined = facts;
  unsigned us = 0, uc = 0, gs = 0, gc = 0;
  int u = kubelet_subids("/etc/subuid", &us, &uc);
  int g = kubelet_subids("/etc/subgid", &gs, &gc);
  if (!u && !g)
    return 0;
  if (u != g || us != gs || uc != gc) {
    *err = (shim_error){.code = SHIM_ERR_SCHEMA};
    snprintf(err->message, sizeof err->message,
             "/etc/subuid and /etc/subgid give the kubelet different ranges");
    return -SHIM_ERR_SCHEMA;
  }
  return shim_policy_set_kubelet_ids(policy, us, uc, err);
}
