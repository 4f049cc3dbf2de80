/* What every shimrun command uses: reporting a refusal where containerd
 * sees it, the audit log, loading the policy, the delegate's state root and
 * user-namespace pool, and handing over to the delegate.  Commands
 * (shimrun_*.c) call down into this file; it calls none of them. */
#include "config.h"
#include "shimrun.h"
#include "node_delegate.h"
#include "node_facts.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int shimrun_exec_delegate(struct shimrun *s) {
  execv(s->delegate, s->argv);
  return shimrun_fail(s, "shimrun: cannot run the delegate %s: %s", s->delegate,
                      strerror(errno));
}

/* One line in the --log file, as runc (logrus) writes it, so that
 * containerd's go-runc picks it as the runtime's error. */
static void log_line(const struct shimrun *s, const char *msg) {
  if (!s->log)
    return;
  int fd = open(s->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  char when[64];
  time_t now = time(NULL);
  struct tm tm;
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  char *line = NULL;
  if (s->log_json) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", when);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text && asprintf(&line, "%s\n", text) < 0)
      line = NULL;
    free(text);
  } else if (asprintf(&line, "time=\"%s\" level=error msg=\"%s\"\n", when, msg) < 0) {
    line = NULL;
  }
  if (line && write(fd, line, strlen(line)) < 0) {
    /* Nothing more to do: stderr has the message too. */
  }
  free(line);
  close(fd);
}

static void vreport(const struct shimrun *s, const char *fmt, va_list ap) {
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);
  fprintf(stderr, "%s\n", msg);
  log_line(s, msg);
}

int shimrun_fail(const struct shimrun *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(s, fmt, ap);
  va_end(ap);
  return 1;
}

void shimrun_warn(const struct shimrun *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(s, fmt, ap);
  va_end(ap);
}

/* The seccomp loader installed beside this executable loads containers'
 * filters from the cache in the state directory (node_seccomp.c); without
 * one (a build for another architecture), runc compiles them. */
static int set_loader(const struct shimrun *s, shim_policy *policy, const char *self,
                      shim_error *err) {
  char loader[PATH_MAX + 32], cache[PATH_MAX];
  struct stat st;
  const char *slash = strrchr(self, '/');
  snprintf(loader, sizeof loader, "%.*s/shim-seccomp-loader", (int)(slash - self), self);
  snprintf(cache, sizeof cache, "%s/seccomp", s->state_dir);
  if (stat(loader, &st) < 0 || !S_ISREG(st.st_mode))
    return 0;
  return shim_policy_set_seccomp_loader(policy, loader, cache, err);
}

int shimrun_load_policy(const struct shimrun *s, shim_policy **out) {
  shim_error err;
  char self[PATH_MAX];
  int ret = s->policy ? shim_policy_load_file(s->policy, out, &err)
                      : shim_policy_load_default(out, &err);
  if (ret < 0)
    return shimrun_fail(s, "shimrun: policy %s: %s%s%s",
                        s->policy ? s->policy : "(embedded)", err.pointer,
                        *err.pointer ? ": " : "", err.message);
  /* This executable serves the metadata block hook that hardening adds;
   * the node's kernel decides seccomp profiles' minKernel entries. */
  if (!realpath("/proc/self/exe", self) || shim_policy_set_runtime(*out, self, &err) < 0)
    ret = shimrun_fail(s, "shimrun: cannot name its own executable");
  else if (node_kernel_tell(*out, &err) < 0 || set_loader(s, *out, self, &err) < 0)
    ret = shimrun_fail(s, "shimrun: %s", err.message);
  if (ret != 0) {
    shim_policy_free(*out);
    *out = NULL;
  }
  return ret;
}

int shimrun_audit(const struct shimrun *s, const shim_policy *policy,
                  const shim_spec *spec, const shim_report *report,
                  const shim_audit_event *event) {
  if (!*s->audit_log)
    return 0;
  char *line = NULL;
  shim_error err;
  if (shim_audit_render(policy, spec, report, event, &line, &err) < 0)
    return shimrun_fail(s, "shimrun: audit record: %s", err.message);
  /* Opened per record, appended in one write: logrotate can move the file
   * away at any time (no copytruncate needed) and parallel shimruns do not
   * interleave their lines. */
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", s->audit_log);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    mkdir(dir, 0700);
  }
  int fd = open(s->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  ssize_t n = fd >= 0 ? write(fd, line, strlen(line)) : -1;
  int saved = errno;
  if (fd >= 0)
    close(fd);
  bool ok = n == (ssize_t)strlen(line);
  free(line);
  if (!ok)
    return shimrun_fail(s, "shimrun: cannot write the audit log %s: %s",
                        s->audit_log, strerror(saved));
  return 0;
}

const char *shimrun_root(const struct shimrun *s) {
  /* runc's default state root when running as root. */
  return s->root ? s->root : "/run/runc";
}

struct node_pool shimrun_pool(const struct shimrun *s) {
  return (struct node_pool){.state_dir = s->state_dir, .root = shimrun_root(s)};
}

/* The container's bundle, from `delegate [global flags] state ID`. */
static int bundle_of(struct shimrun *s, const char *command, const char *id, char *out,
                     size_t size) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return shimrun_fail(s, "shimrun: pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid == 0) {
    /* In the child only: the delegate's own exec comes later. */
    dup2(fds[1], STDOUT_FILENO);
    shimrun_push(s, "state");
    shimrun_push(s, id);
    execv(s->delegate, s->argv);
    _exit(127);
  }
  close(fds[1]);
  char buf[65536];
  size_t used = 0;
  ssize_t n;
  while (used < sizeof buf - 1 &&
         ((n = read(fds[0], buf + used, sizeof buf - 1 - used)) > 0 ||
          (n < 0 && errno == EINTR)))
    if (n > 0)
      used += (size_t)n;
  buf[used] = '\0';
  close(fds[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return shimrun_fail(s, "shimrun: %s: no container \"%s\" (state failed)", command, id);
  json_t *state = json_loads(buf, 0, NULL);
  const char *bundle = json_string_value(json_object_get(state, "bundle"));
  if (bundle)
    snprintf(out, size, "%s", bundle);
  json_decref(state);
  if (!bundle)
    return shimrun_fail(s, "shimrun: %s: the state of \"%s\" names no bundle", command, id);
  return 0;
}

int shimrun_container_spec(struct shimrun *s, const char *command, const char *id,
                           shim_policy *policy, char *bundle, size_t size, shim_spec **spec) {
  char config[PATH_MAX + 16];
  shim_error err;
  *spec = NULL;
  if (node_delegate_bundle(shimrun_root(s), id, bundle, size) != 0 &&
      bundle_of(s, command, id, bundle, size) != 0)
    return 1;
  snprintf(config, sizeof config, "%s/config.json", bundle);
  if (shim_spec_load_file(config, spec, &err) < 0 ||
      node_delegate_tell(policy, *spec, s->state_dir, s->delegate, &err) < 0 ||
      node_facts_fill(policy, *spec, NULL, &err) < 0) {
    shim_spec_free(*spec);
    *spec = NULL;
    return shimrun_fail(s, "shimrun: %s: %s: %s", command, config, err.message);
  }
  return 0;
}

/* "shimrun: rejected: host network namespace: no \"network\" entry
 * (hostNetwork: true) [host-namespaces]; ..." - the first rejecting finding
 * of each control, and how many more it has, on one line: containerd puts
 * it in the pod's events, where a privileged spec's 80 findings would bury
 * the point. */
void shimrun_rejection_text(const shim_report *report, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "shimrun: rejected:");
  const char *sep = "";
  for (size_t i = 0; i < shim_report_count(report) && used < size; i++) {
    const shim_finding *f = shim_report_get(report, i);
    bool first = f->verdict == SHIM_VERDICT_REJECT;
    for (size_t k = 0; first && k < i; k++) {
      const shim_finding *e = shim_report_get(report, k);
      first = !(e->verdict == SHIM_VERDICT_REJECT && strcmp(e->control, f->control) == 0);
    }
    if (!first)
      continue;
    size_t more = 0;
    for (size_t k = i + 1; k < shim_report_count(report); k++) {
      const shim_finding *e = shim_report_get(report, k);
      more += e->verdict == SHIM_VERDICT_REJECT && strcmp(e->control, f->control) == 0;
    }
    char also[48] = "";
    if (more)
      snprintf(also, sizeof also, " and %zu more", more);
    used += (size_t)snprintf(buf + used, size - used, "%s %s%s%s%s [%s]%s", sep,
                             f->message, f->k8s ? " (" : "", f->k8s ? f->k8s : "",
                             f->k8s ? ")" : "", f->control, also);
    sep = ";";
  }
}

void shimrun_push_args(struct shimrun *s, int argc, char **argv, int at, const char *flag,
                       const char *value) {
  for (int k = 0; k < argc; k++) {
    if (k == at && flag)
      shimrun_push(s, flag);
    shimrun_push(s, k == at ? value : argv[k]);
  }
}

int shimrun_memfd(const struct shimrun *s, const char *command, const char *data, size_t len,
                  char *path, size_t size) {
  int fd = memfd_create("shimrun", 0);
  if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
    if (fd >= 0)
      close(fd);
    return shimrun_fail(s, "shimrun: %s: memfd: %s", command, strerror(errno));
  }
  snprintf(path, size, "/proc/self/fd/%d", fd);
  return 0;
}

#ifdef SHIMRUN_FAULTS
void shimrun_fault(const char *step) {
  const char *at = getenv("SHIMRUN_FAULT");
  if (at && strcmp(at, step) == 0)
    raise(SIGKILL);
}
#endif
