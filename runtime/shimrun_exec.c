/*
 * exec: a process joining a running container gets the container's
 * restrictions, or exec would be the way around them.
 *
 * With --process FILE (what containerd passes), the process is hardened
 * like the container (libshim's shim_harden_process against the container's
 * spec, found through the delegate's `state`) and handed to the delegate as
 * an anonymous file (/proc/self/fd/N): nothing to clean up afterwards.
 * Without it, the delegate builds the process from the container's (already
 * hardened) config.json; the flags that would loosen that are refused, and
 * in the seccomp loader's form (libshim/loader.c) the command starts
 * through the loader, as the container's process does: runc exec applies
 * no filter of its own to a container in that form.
 */
#include "config.h"
#include "shimrun.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the first finding that rejects says ("" for none). */
static const char *first_rejection(const shim_report *report) {
  for (size_t i = 0; i < shim_report_count(report); i++)
    if (shim_report_get(report, i)->verdict == SHIM_VERDICT_REJECT)
      return shim_report_get(report, i)->message;
  return "";
}

/* --process FILE: harden the process against its container. */
static int harden_process_file(struct shimrun *s, const char *id,
                               const char *path, char *fd_path, size_t size) {
  char bundle[PATH_MAX];
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  if (shimrun_load_policy(s, &policy) != 0)
    return 1;
  if (shimrun_container_spec(s, "exec", id, policy, bundle, sizeof bundle, &spec) != 0) {
    shim_policy_free(policy);
    return 1;
  }
  char *data = NULL, *out = NULL;
  size_t len = 0;
  shim_report *report = NULL;
  shim_error err;
  shim_audit_event event = {.command = "exec", .id = id, .bundle = bundle};
  int rc = 0, ret;
  if (read_regular_at(AT_FDCWD, path, &data, &len) < 0) {
    rc = shimrun_fail(s, "shimrun: exec: %s: %s", path, strerror(errno));
  } else if ((ret = shim_harden_process(policy, spec, data, len, &out, &report, &err)) < 0) {
    if (ret == -SHIM_ERR_REJECTED) {
      rc = shimrun_fail(s, "shimrun: rejected: exec process: %s", first_rejection(report));
      event.decision = "rejected";
    } else {
      rc = shimrun_fail(s, "shimrun: exec: %s: %s%s%s", path, err.pointer,
                        *err.pointer ? ": " : "", err.message);
    }
  } else {
    event.decision = "hardened";
    rc = shimrun_memfd(s, "exec", out, strlen(out), fd_path, size);
  }
  if (!event.decision) {
    event.decision = "error";
    event.error = err.message;
  }
  if (shimrun_audit(s, policy, spec, report, &event) != 0)
    rc = 1;
  free(data);
  free(out);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}

/* Whether the container's config.json is in the seccomp loader's form. */
static int in_loader_form(struct shimrun *s, const char *id, bool *form) {
  char bundle[PATH_MAX];
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  const char *profile;
  char *filter = NULL;
  shim_error err;
  if (shimrun_load_policy(s, &policy) != 0)
    return 1;
  int rc = shimrun_container_spec(s, "exec", id, policy, bundle, sizeof bundle, &spec);
  int ret = rc == 0 ? shim_spec_seccomp_filter(policy, spec, &profile, &filter, &err) : 0;
  if (ret < 0)
    rc = shimrun_fail(s, "shimrun: exec: %s/config.json: %s", bundle, err.message);
  *form = ret == 1;
  free(filter);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}

int shimrun_exec(struct shimrun *s, int argc, char **argv) {
  static const char *const valued[] = {
      "console-socket", "cwd",  "env",     "e",           "user", "u",
      "additional-gids", "g",   "pid-file", "preserve-fds", "cgroup"};
  const char *id = NULL, *process = NULL;
  int process_at = -1;
  bool process_inline = false;
  int i = 1;
  for (; i < argc && !id; i++) {
    const char *v;
    int at = i;
    if ((v = shimrun_flag_value(argc, argv, &i, "process", "p"))) {
      process = v;
      process_at = i;
      process_inline = at == i; /* --process=FILE */
    } else if ((v = shimrun_flag_value(argc, argv, &i, "cap", "c"))) {
      return shimrun_fail(s, "shimrun: exec --cap %s is refused: an exec'd "
                             "process gets the container's capabilities", v);
    } else if (shimrun_flag_value(argc, argv, &i, "apparmor", NULL) ||
               shimrun_flag_value(argc, argv, &i, "process-label", NULL)) {
      return shimrun_fail(s, "shimrun: exec %s is refused: an exec'd process "
                             "gets the container's security labels", argv[at]);
    } else if (argv[i][0] == '-') {
      for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (shimrun_flag_value(argc, argv, &i, valued[k], NULL))
          break;
    } else {
      id = argv[i];
    }
  }
  if (!id)
    return shimrun_fail(s, "shimrun: exec: no container id");
  char fd_path[64] = "";
  if (process && harden_process_file(s, id, process, fd_path, sizeof fd_path) != 0)
    return 1;
  bool form = false;
  if (!process && i < argc && in_loader_form(s, id, &form) != 0)
    return 1;
  if (form) /* the loader, then the command (argv[i] on) */
    shimrun_push_args(s, argc, argv, i, SHIM_SECCOMP_LOADER, argv[i]);
  else
    shimrun_push_args(s, argc, argv, process_at, process_inline ? "--process" : NULL,
                      fd_path);
  return shimrun_exec_delegate(s);
}
