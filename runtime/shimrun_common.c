/* What every shimrun command uses: reporting a refusal where containerd
 * sees it, the audit log, loading the policy, the delegate's state root and
 * user-namespace pool, and handing over to the delegate.  Commands
 * (shimrun_*.c) call down into this file; it calls none of them. */
#include "config.h"
#include "shimrun.h"
#include "node_facts.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
  else if (node_kernel_tell(*out, &err) < 0)
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
