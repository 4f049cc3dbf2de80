/* Audit records: one JSON line per decision, rendered here and written by
 * the caller (the library does no I/O of its own). */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The pod a Kubernetes container belongs to, from the CRI annotations
 * containerd sets: raw container ids alone are what makes audit logs of
 * seccomp tools hard to use. */
static json_t *pod_json(const shim_spec *spec) {
  static const struct {
    const char *field, *annotation;
  } fields[] = {
      {"namespace", "io.kubernetes.cri.sandbox-namespace"},
      {"name", "io.kubernetes.cri.sandbox-name"},
      {"uid", "io.kubernetes.cri.sandbox-uid"},
      {"container", "io.kubernetes.cri.container-name"},
      {"type", "io.kubernetes.cri.container-type"},
      {"sandboxId", "io.kubernetes.cri.sandbox-id"},
  };
  json_t *pod = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
    const char *v = shim_spec_annotation(spec, fields[i].annotation);
    if (!v)
      continue;
    if (!pod && !(pod = json_object()))
      return NULL;
    json_object_set_new(pod, fields[i].field, json_string(v));
  }
  return pod;
}

int shim_audit_render(const shim_policy *policy, const shim_spec *spec,
                      const shim_report *report, const shim_audit_event *event,
                      char **line, shim_error *err) {
  if (!policy || !event || !line)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, event or output pointer");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[64];
  snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
  _cleanup_json_ json_t *doc = json_pack(
      "{s:s, s:s, s:s*, s:s*, s:s, s:s*, s:{s:s?, s:s}}", "time", when,
      "command", event->command ? event->command : "", "id", event->id,
      "bundle", event->bundle, "decision", event->decision ? event->decision : "",
      "error", event->error, "policy", "name", policy->name, "digest", policy->digest);
  if (!doc)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  json_t *pod = spec ? pod_json(spec) : NULL;
  if (pod && json_object_set_new(doc, "pod", pod) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (report) {
    /* The report's own JSON form carries findings and changes. */
    json_t *r = report_to_json(report);
    if (!r || json_object_update(doc, r) < 0) {
      json_decref(r);
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    }
    json_decref(r);
    json_object_del(doc, "verdict"); /* "decision" says it for the record */
  }
  return json_render(doc, false, line, err);
}
