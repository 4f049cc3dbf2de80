/* Namespace identity on the host: is the namespace a spec joins by path
 * the host's own?  Two namespaces are the same when their nsfs inodes
 * (device and inode number) are. */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

enum ns_verdict ns_classify(const char *path, const char *proc_name,
                            int clone_flag, char *why, size_t why_size) {
  /* Look before opening for real: opening an arbitrary path as root can
   * have side effects (a watchdog device starts ticking), so only an nsfs
   * file is ever opened for reading. */
  _cleanup_close_ int pfd = open(path, O_PATH | O_CLOEXEC);
  if (pfd < 0) {
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
    return NS_BAD_PATH;
  }
  struct statfs sfs;
  if (fstatfs(pfd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
    snprintf(why, why_size, "%s is not a namespace", path);
    return NS_BAD_PATH;
  }
  /* NS_GET_NSTYPE needs a real open; go through the O_PATH descriptor so
   * that what we open is what we looked at. */
  char fd_path[64];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", pfd);
  _cleanup_close_ int fd = open(fd_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
    return NS_BAD_PATH;
  }
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) {
    snprintf(why, why_size, "%s is not a namespace", path);
    return NS_BAD_PATH;
  }
  if (type != clone_flag) {
    snprintf(why, why_size, "%s is a namespace of another type", path);
    return NS_BAD_PATH;
  }
  /* The host's namespaces are init's.  Where /proc/1 cannot be read
   * (a hardened /proc, or init with capabilities we lack), our own stand
   * in: a runtime runs in the host's namespaces, and a container joining
   * the runtime's own namespace shares the host's just the same. */
  struct stat st;
  if (fstat(fd, &st) < 0) {
    snprintf(why, why_size, "cannot stat %s: %s", path, strerror(errno));
    return NS_BAD_PATH;
  }
  static const char *const refs[] = {"/proc/1/ns", "/proc/self/ns"};
  bool compared = false;
  for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
    char ref_path[64];
    struct stat ref;
    snprintf(ref_path, sizeof ref_path, "%s/%s", refs[i], proc_name);
    if (stat(ref_path, &ref) < 0)
      continue;
    compared = true;
    if (st.st_dev == ref.st_dev && st.st_ino == ref.st_ino)
      return NS_HOST;
  }
  if (!compared) {
    /* Without the host's identity we cannot tell: fail closed. */
    snprintf(why, why_size, "cannot read the host's %s namespace to compare",
             proc_name);
    return NS_BAD_PATH;
  }
  return NS_OTHER;
}
