/* The network namespace's sysctls, written from the host. */
#include "config.h"
#include "node_netns.h"
#include "node_facts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child, in the namespace: the first failure's text on fd out. */
static int write_all(const shim_spec *spec, int out) {
  const char *netns, *key, *value;
  for (size_t i = 0; shim_userns_net_sysctl(spec, i, &netns, &key, &value) == 1; i++) {
    char path[512];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
    for (char *c = path + strlen("/proc/sys/"); n > 0 && *c; c++)
      if (*c == '.')
        *c = '/';
    int fd = (size_t)n < sizeof path ? open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW) : -1;
    size_t len = strlen(value);
    if (fd < 0 || write(fd, value, len) != (ssize_t)len) {
      dprintf(out, "cannot set sysctl %s in the pod's network namespace: %s", key,
              strerror(errno));
      return 1;
    }
    close(fd);
  }
  return 0;
}

int node_netns_sysctls(const shim_spec *spec, char *why, size_t why_size) {
  const char *netns, *key, *value;
  if (shim_userns_net_sysctl(spec, 0, &netns, &key, &value) != 1)
    return 0;
  *why = '\0';
  int fd = node_ns_open(netns, CLONE_NEWNET, "network", why, why_size), pipefd[2] = {-1, -1};
  if (fd < 0)
    return -1; /* why says what netns is instead */
  int ret = -1;
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    snprintf(why, why_size, "pipe: %s", strerror(errno));
  else {
    /* A child: this process stays in the host's network namespace. */
    pid_t pid = fork();
    if (pid == 0)
      _exit(setns(fd, CLONE_NEWNET) < 0
                ? (dprintf(pipefd[1], "cannot enter %s: %s", netns, strerror(errno)), 1)
                : write_all(spec, pipefd[1]));
    close(pipefd[1]);
    ssize_t n = pid < 0 ? -1 : read(pipefd[0], why, why_size - 1);
    why[n < 0 ? 0 : n] = '\0';
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
    if (pid < 0)
      snprintf(why, why_size, "fork: %s", strerror(errno));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      ret = 0;
    else if (!*why)
      snprintf(why, why_size, "the process setting the pod's sysctls failed");
    close(pipefd[0]);
  }
  close(fd);
  return ret;
}
