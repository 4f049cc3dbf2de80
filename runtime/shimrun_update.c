/*
 * update: new resources for a running container, judged as its spec was
 * at create (libshim's shim_check_update against the container's
 * config.json, found through the delegate's `state`): an update that
 * lifts a limit the policy sets (a pids limit of -1, unified pids.max
 * "max") is refused with runc's error format, and every update is
 * recorded in the audit log.
 *
 * The resources are read as runc reads them: the JSON of -r FILE (- for
 * standard input), with which runc ignores every other flag, and which the
 * delegate then gets as an anonymous file holding the bytes judged;
 * without it, the flags, of which --pids-limit is the one a control
 * judges.
 */
#include "config.h"
#include "shimrun.h"
#include "files.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The update's LinuxResources: -r's bytes, or made from --pids-limit. */
static int resources_of(struct shimrun *s, const char *file, const char *pids, char **data,
                        size_t *len) {
  shim_error err;
  if (file && strcmp(file, "-") == 0)
    return read_fd_limited(STDIN_FILENO, data, len, &err) < 0
               ? shimrun_fail(s, "shimrun: update: standard input: %s", err.message)
               : 0;
  if (file)
    return read_regular_at(AT_FDCWD, file, data, len) < 0
               ? shimrun_fail(s, "shimrun: update: %s: %s", file, strerror(errno))
               : 0;
  char *end = NULL;
  errno = 0;
  long long limit = pids ? strtoll(pids, &end, 10) : 0;
  if (pids && (errno || end == pids || *end))
    return shimrun_fail(s, "shimrun: update: --pids-limit %s: not a number", pids);
  int n = pids ? asprintf(data, "{\"pids\": {\"limit\": %lld}}", limit)
               : asprintf(data, "{}");
  if (n < 0)
    return shimrun_fail(s, "shimrun: update: out of memory");
  *len = (size_t)n;
  return 0;
}

/* The judgement and its audit record; with -r, fd_path names the bytes
 * judged for the delegate. */
static int judge(struct shimrun *s, const char *id, const char *file, const char *pids,
                 char *fd_path, size_t size) {
  char bundle[PATH_MAX] = "";
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  if (shimrun_load_policy(s, &policy) != 0)
    return 1;
  if (shimrun_container_spec(s, "update", id, policy, bundle, sizeof bundle, &spec) != 0) {
    shim_policy_free(policy);
    return 1;
  }
  char *data = NULL;
  size_t len = 0;
  shim_report *report = NULL;
  shim_error err;
  shim_audit_event event = {.command = "update", .id = id, .bundle = bundle};
  int rc = resources_of(s, file, pids, &data, &len), ret;
  if (rc != 0) {
    event.decision = "error";
    event.error = "the update's resources cannot be read";
  } else if ((ret = shim_check_update(policy, spec, data, len, &report, &err)) < 0) {
    char msg[4096];
    event.decision = ret == -SHIM_ERR_REJECTED ? "rejected" : "error";
    event.error = ret == -SHIM_ERR_REJECTED ? NULL : err.message;
    if (ret == -SHIM_ERR_REJECTED)
      shimrun_rejection_text(report, msg, sizeof msg);
    else
      snprintf(msg, sizeof msg, "shimrun: update: %s%s%s", err.pointer,
               *err.pointer ? ": " : "", err.message);
    rc = shimrun_fail(s, "%s", msg);
  } else {
    event.decision = "allowed";
    rc = file ? shimrun_memfd(s, "update", data, len, fd_path, size) : 0;
  }
  if (shimrun_audit(s, policy, spec, report, &event) != 0)
    rc = 1;
  free(data);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}

int shimrun_update(struct shimrun *s, int argc, char **argv) {
  const char *id = NULL, *file = NULL, *pids = NULL;
  int file_at = -1;
  bool file_inline = false;
  for (int i = 1; i < argc && !id; i++) {
    const char *v;
    int at = i;
    if ((v = shimrun_flag_value(argc, argv, &i, "resources", "r"))) {
      file = v;
      file_at = i;
      file_inline = at == i; /* --resources=FILE */
    } else if ((v = shimrun_flag_value(argc, argv, &i, "pids-limit", NULL))) {
      pids = v;
    } else if (argv[i][0] == '-') {
      /* Every other flag of update takes a value. */
      if (!strchr(argv[i], '=') && i + 1 < argc)
        i++;
    } else {
      id = argv[i];
    }
  }
  if (!id)
    return shimrun_fail(s, "shimrun: update: no container id");
  char fd_path[64] = "";
  if (judge(s, id, file, pids, fd_path, sizeof fd_path) != 0)
    return 1;
  shimrun_push_args(s, argc, argv, file_at, file_inline ? "--resources" : NULL, fd_path);
  return shimrun_exec_delegate(s);
}
