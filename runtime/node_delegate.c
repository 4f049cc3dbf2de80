/*
 * The delegate's version, asked once per binary.  STATE/delegate holds
 *   "DEV INO SIZE MTIME.NSEC CTIME.NSEC\nVERSION\n"
 * written atomically: a runc upgraded in place (new inode, or new size and
 * times) is asked again.  A cache that cannot be written costs a run of
 * `--version` per pod create, nothing else.
 */
#include "config.h"
#include "node_delegate.h"
#include "files.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void identity(const struct stat *st, char *buf, size_t size) {
  snprintf(buf, size, "%llu %llu %lld %lld.%09ld %lld.%09ld", (unsigned long long)st->st_dev,
           (unsigned long long)st->st_ino, (long long)st->st_size,
           (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
           (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The first line `DELEGATE --version` prints, or "" when it fails. */
static void ask_version(const char *delegate, char *line, size_t size) {
  int pipefd[2];
  *line = '\0';
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (dup2(pipefd[1], STDOUT_FILENO) < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
        dup2(null, STDERR_FILENO) < 0)
      _exit(127);
    execl(delegate, delegate, "--version", (char *)NULL);
    _exit(127);
  }
  close(pipefd[1]);
  size_t used = 0;
  ssize_t n = 0;
  while (pid > 0 && used + 1 < size &&
         ((n = read(pipefd[0], line + used, size - used - 1)) > 0 || (n < 0 && errno == EINTR)))
    used += n > 0 ? (size_t)n : 0;
  close(pipefd[0]);
  line[used] = '\0';
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    *line = '\0';
  line[strcspn(line, "\n")] = '\0';
}

/* "runc version 1.3.6" -> "runc 1.3.6"; what it can do. */
static unsigned features_of(const char *line, char *version, size_t size) {
  unsigned major = 0, minor = 0, patch = 0;
  char name[32];
  if (sscanf(line, "%31s version %u.%u.%u", name, &major, &minor, &patch) != 4 ||
      strcmp(name, "runc") != 0) {
    snprintf(version, size, "unknown");
    return 0;
  }
  snprintf(version, size, "runc %u.%u.%u", major, minor, patch);
  return major > 1 || minor >= 2 ? SHIM_DELEGATE_POD_USERNS : 0;
}

int node_delegate_tell(shim_policy *policy, const shim_spec *spec, const char *state_dir,
                       const char *delegate, shim_error *err) {
  if (!shim_spec_annotation(spec, "io.kubernetes.cri.container-type"))
    return 0;
  struct stat st;
  char id[160] = "", cached[512] = "", line[256] = "", version[64];
  if (stat(delegate, &st) == 0)
    identity(&st, id, sizeof id);
  (void)mkdir(state_dir, 0700);
  int dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char *data = NULL;
  size_t len = 0;
  if (dirfd >= 0 && read_regular_at(dirfd, "delegate", &data, &len) == 0 && len < sizeof cached)
    memcpy(cached, data, len);
  free(data);
  size_t id_len = strlen(id);
  if (*id && strncmp(cached, id, id_len) == 0 && cached[id_len] == '\n') {
    snprintf(line, sizeof line, "%s", cached + id_len + 1);
    line[strcspn(line, "\n")] = '\0';
  } else {
    ask_version(delegate, line, sizeof line);
    char text[512];
    int n = snprintf(text, sizeof text, "%s\n%s\n", id, line);
    if (*id && *line && dirfd >= 0 && (size_t)n < sizeof text)
      (void)atomic_write_at(dirfd, "delegate", text, (size_t)n);
  }
  if (dirfd >= 0)
    close(dirfd);
  unsigned features = features_of(line, version, sizeof version);
  return shim_policy_set_delegate(policy, version, features, err) < 0 ? -1 : 0;
}

int node_delegate_bundle(const char *root, const char *id, char *out, size_t size) {
  char path[PATH_MAX];
  /* runc's ids: no '/', never "." or ".." (it refuses them itself). */
  if (!*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
      snprintf(path, sizeof path, "%s/%s/state.json", root, id) >= (int)sizeof path)
    return -1;
  _cleanup_json_ json_t *state = json_load_file(path, 0, NULL);
  json_t *label;
  size_t i;
  const char *bundle = NULL;
  /* The last one, as runc reads them: the spec's annotations come first
   * (an annotation named "bundle" must not redirect us), runc's own last. */
  json_array_foreach(json_object_get(json_object_get(state, "config"), "labels"), i, label) {
    const char *l = json_string_value(label);
    if (l && strncmp(l, "bundle=", 7) == 0)
      bundle = l + 7;
  }
  if (!bundle || bundle[0] != '/' || snprintf(out, size, "%s", bundle) >= (int)size)
    return -1;
  return 0;
}
