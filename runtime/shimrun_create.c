/*
 * create and run: read the bundle's config.json, check it, harden it, write
 * the hardened spec in its place, then let the delegate run exactly that.
 *
 * The rewrite is atomic (temporary file and rename(2)) and done under an
 * exclusive lock on the bundle directory, so that a retried or concurrent
 * create sees either the original or the hardened spec, never half a file;
 * hardening is idempotent, so both give the same result.  The original is
 * kept beside it as config.json.orig for debugging.
 */
#include "config.h"
#include "shimrun.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* "shimrun: rejected: host network namespace: no \"network\" entry
 * (hostNetwork: true) [host-namespaces]; ..." - the first rejecting finding
 * of each control, and how many more it has, on one line: containerd puts
 * it in the pod's events, where a privileged spec's 80 findings would bury
 * the point. */
static void rejection_text(const shim_report *report, char *buf, size_t size) {
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

/* Reads config.json from the open bundle directory: a regular file only. */
static int load_spec(const struct shimrun *s, int dirfd, const char *bundle,
                     char **data, size_t *len, shim_spec **spec) {
  if (read_regular_at(dirfd, "config.json", data, len) < 0)
    return shimrun_fail(s, "shimrun: %s/config.json: %s", bundle,
                        errno == EINVAL ? "not a regular file"
                        : errno == EFBIG ? "larger than the 4 MiB limit"
                        : errno == EIO   ? "changed or unreadable while read"
                                         : strerror(errno));
  shim_error err;
  if (shim_spec_load_data(*data, *len, spec, &err) < 0)
    return shimrun_fail(s, "shimrun: %s/config.json: %s%s%s", bundle,
                        err.pointer, *err.pointer ? ": " : "", err.message);
  return 0;
}

int shimrun_create(struct shimrun *s, int argc, char **argv) {
  const char *bundle_arg, *id;
  shimrun_scan_create(argc, argv, &bundle_arg, &id);
  char bundle[PATH_MAX];
  if (!realpath(bundle_arg, bundle))
    return shimrun_fail(s, "shimrun: bundle %s: %s", bundle_arg, strerror(errno));
  shim_audit_event event = {.command = argv[0], .id = id, .bundle = bundle};

  shim_policy *policy = NULL;
  if (shimrun_load_policy(s, &policy) != 0)
    return 1;
  int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
    int rc = shimrun_fail(s, "shimrun: bundle %s: %s", bundle, strerror(errno));
    shim_policy_free(policy);
    return rc;
  }
  char *data = NULL, *hardened = NULL;
  size_t len = 0;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  shim_error err;
  int rc = load_spec(s, dirfd, bundle, &data, &len, &spec);
  int hret = rc == 0 ? shim_harden(policy, spec, &hardened, &report, &err) : 0;
  if (rc != 0) {
    event.decision = "error";
    event.error = "config.json unreadable or invalid";
  } else if (hret == -SHIM_ERR_REJECTED) {
    char msg[4096];
    rejection_text(report, msg, sizeof msg);
    event.decision = "rejected";
    rc = shimrun_fail(s, "%s", msg);
  } else if (hret < 0) {
    event.decision = "error";
    event.error = err.message;
    rc = shimrun_fail(s, "shimrun: %s/config.json: cannot harden: %s%s%s", bundle,
                      err.pointer, *err.pointer ? ": " : "", err.message);
  } else {
    event.decision = "hardened";
    /* Already hardened (a retried create): nothing to write. */
    bool same = strlen(hardened) == len && memcmp(hardened, data, len) == 0;
    if (!same && (atomic_write_at(dirfd, "config.json.orig", data, len) < 0 ||
                  atomic_write_at(dirfd, "config.json", hardened, strlen(hardened)) < 0)) {
      event.decision = "error";
      event.error = strerror(errno);
      rc = shimrun_fail(s, "shimrun: %s: cannot write the hardened config.json: %s",
                        bundle, strerror(errno));
    }
  }
  /* Recorded before the delegate runs: a record of every decision, even if
   * the delegate then fails for reasons of its own. */
  if (shimrun_audit(s, policy, spec, report, &event) != 0)
    rc = 1;
  free(data);
  free(hardened);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  /* The lock only orders shimruns rewriting this bundle: whatever a later
   * one writes is byte for byte what runc is about to read (hardening is
   * idempotent), so it need not be held while the delegate runs. */
  close(dirfd);
  if (rc != 0)
    return rc;
  for (int i = 0; i < argc; i++)
    shimrun_push(s, argv[i]);
  return shimrun_exec_delegate(s);
}
