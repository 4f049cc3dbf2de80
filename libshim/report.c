/* The report: findings collected by the checks, and their text and JSON
 * renderings. */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

struct list {
  shim_finding *items;
  size_t count, cap;
};

struct shim_report {
  struct list findings; /* from the checks */
  struct list changes;  /* from hardening */
};

const char *shim_verdict_name(shim_verdict verdict) {
  static const char *const names[] = {
      [SHIM_VERDICT_ALLOW] = "allow", [SHIM_VERDICT_WARN] = "warn",
      [SHIM_VERDICT_HARDEN] = "harden", [SHIM_VERDICT_REJECT] = "reject"};
  return (unsigned)verdict < ARRAY_SIZE(names) ? names[verdict] : "unknown";
}

shim_report *report_new(void) { return calloc(1, sizeof(shim_report)); }

static int list_add(struct list *report, const char *control,
                    shim_verdict verdict, const char *pointer, const char *k8s,
                    const char *message) {
  if (report->count == report->cap) {
    size_t cap = report->cap ? report->cap * 2 : 8;
    shim_finding *items = realloc(report->items, cap * sizeof *items);
    if (!items)
      return -SHIM_ERR_NOMEM;
    report->items = items;
    report->cap = cap;
  }
  char *msg = strdup(message);
  char *ptr = strdup(pointer);
  char *hint = k8s ? strdup(k8s) : NULL;
  if (!msg || !ptr || (k8s && !hint)) {
    free(msg);
    free(ptr);
    free(hint);
    return -SHIM_ERR_NOMEM;
  }
  /* control ids are static strings (control_ids[]), never copied. */
  report->items[report->count++] = (shim_finding){
      .control = control, .verdict = verdict, .pointer = ptr,
      .message = msg, .k8s = hint};
  return 0;
}

int report_add(shim_report *report, const char *control, shim_verdict verdict,
               const char *pointer, const char *k8s, const char *message) {
  return list_add(&report->findings, control, verdict, pointer, k8s, message);
}

int report_add_change(shim_report *report, const char *control,
                      const char *pointer, const char *message) {
  return list_add(&report->changes, control, SHIM_VERDICT_HARDEN, pointer,
                  NULL, message);
}

static void list_clear(struct list *l) {
  for (size_t i = 0; i < l->count; i++) {
    free((char *)l->items[i].pointer);
    free((char *)l->items[i].message);
    free((char *)l->items[i].k8s);
  }
  free(l->items);
}

void shim_report_free(shim_report *report) {
  if (!report)
    return;
  list_clear(&report->findings);
  list_clear(&report->changes);
  free(report);
}

shim_verdict shim_report_verdict(const shim_report *report) {
  shim_verdict v = SHIM_VERDICT_ALLOW;
  for (size_t i = 0; report && i < report->findings.count; i++)
    if (report->findings.items[i].verdict > v)
      v = report->findings.items[i].verdict;
  return v;
}

size_t shim_report_count(const shim_report *report) {
  return report ? report->findings.count : 0;
}

const shim_finding *shim_report_get(const shim_report *report, size_t i) {
  return report && i < report->findings.count ? &report->findings.items[i] : NULL;
}

size_t shim_report_change_count(const shim_report *report) {
  return report ? report->changes.count : 0;
}

const shim_finding *shim_report_change_get(const shim_report *report, size_t i) {
  return report && i < report->changes.count ? &report->changes.items[i] : NULL;
}

static const char *overall_name(shim_verdict v) {
  return v == SHIM_VERDICT_REJECT ? "rejected" : "allowed";
}

static int render_text(const shim_report *report, char **out,
                       shim_error *err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t per_verdict[SHIM_VERDICT_REJECT + 1] = {0};
  for (size_t i = 0; i < report->findings.count; i++) {
    const shim_finding *f_ = &report->findings.items[i];
    per_verdict[f_->verdict]++;
    fprintf(f, "%-7s %-18s %s: %s", shim_verdict_name(f_->verdict),
            f_->control, *f_->pointer ? f_->pointer : "/", f_->message);
    if (f_->k8s)
      fprintf(f, " (%s)", f_->k8s);
    fputc('\n', f);
  }
  for (size_t i = 0; i < report->changes.count; i++) {
    const shim_finding *c = &report->changes.items[i];
    fprintf(f, "changed %-18s %s: %s\n", c->control, c->pointer, c->message);
  }
  fprintf(f, "verdict: %s (%zu reject, %zu harden, %zu warn)\n",
          overall_name(shim_report_verdict(report)),
          per_verdict[SHIM_VERDICT_REJECT], per_verdict[SHIM_VERDICT_HARDEN],
          per_verdict[SHIM_VERDICT_WARN]);
  if (fclose(f) != 0) {
    free(buf);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  *out = buf;
  return 0;
}

json_t *report_to_json(const shim_report *report) {
  json_t *doc = json_object();
  json_t *findings = json_array(), *changes = json_array();
  /* json_object_set_new takes its value even when it fails. */
  int bad = !doc || !findings || !changes;
  bad |= json_object_set_new(doc, "verdict",
                             json_string(overall_name(shim_report_verdict(report))));
  bad |= json_object_set_new(doc, "findings", findings);
  bad |= json_object_set_new(doc, "changes", changes);
  for (size_t i = 0; !bad && i < report->findings.count; i++) {
    const shim_finding *f = &report->findings.items[i];
    bad |= json_array_append_new(
        findings, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "control", f->control,
                            "verdict", shim_verdict_name(f->verdict), "pointer",
                            f->pointer, "message", f->message, "kubernetes",
                            f->k8s));
  }
  for (size_t i = 0; !bad && i < report->changes.count; i++) {
    const shim_finding *c = &report->changes.items[i];
    bad |= json_array_append_new(
        changes, json_pack("{s:s, s:s, s:s}", "control", c->control, "pointer",
                           c->pointer, "message", c->message));
  }
  if (bad) {
    json_decref(doc);
    return NULL;
  }
  return doc;
}

static int render_json(const shim_report *report, char **out,
                       shim_error *err) {
  _cleanup_json_ json_t *doc = report_to_json(report);
  if (!doc)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  return json_render(doc, true, out, err);
}

int shim_report_render(const shim_report *report, shim_format format,
                       char **out, shim_error *err) {
  if (!report || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no report or output pointer");
  switch (format) {
  case SHIM_FORMAT_TEXT:
    return render_text(report, out, err);
  case SHIM_FORMAT_JSON:
    return render_json(report, out, err);
  }
  return error_set(err, SHIM_ERR_INVAL, NULL, "unknown format %d", (int)format);
}
