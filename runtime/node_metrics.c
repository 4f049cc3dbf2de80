/* `shimctl metrics`: see node_metrics.h. */
#include "config.h"
#include "node_metrics.h"

#include "files.h"
#include "internal.h"
#include "node_install.h"
#include "node_pool.h"
#include "node_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One labelled counter: a pair of label values and its count. */
struct count {
  char a[64], b[64];
  unsigned long long n;
};

struct counts {
  struct count *items;
  size_t len;
  bool failed;
};

static void bump(struct counts *c, const char *a, const char *b) {
  for (size_t i = 0; i < c->len; i++)
    if (strcmp(c->items[i].a, a) == 0 && strcmp(c->items[i].b, b) == 0) {
      c->items[i].n++;
      return;
    }
  struct count *bigger = realloc(c->items, (c->len + 1) * sizeof *bigger);
  if (!bigger) {
    c->failed = true;
    return;
  }
  c->items = bigger;
  struct count *n = &c->items[c->len++];
  snprintf(n->a, sizeof n->a, "%s", a);
  snprintf(n->b, sizeof n->b, "%s", b);
  n->n = 1;
}

/* A label value as the text format wants it: \, " and newline escaped. */
static void label(FILE *out, const char *v) {
  for (; *v; v++) {
    if (*v == '\\' || *v == '"')
      fputc('\\', out);
    if (*v == '\n')
      fputs("\\n", out);
    else
      fputc(*v, out);
  }
}

static void family(FILE *out, const char *name, const char *type, const char *help) {
  fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counters(FILE *out, const char *name, const char *la, const char *lb,
                     const struct counts *c) {
  for (size_t i = 0; i < c->len; i++) {
    fprintf(out, "%s{%s=\"", name, la);
    label(out, c->items[i].a);
    fprintf(out, "\",%s=\"", lb);
    label(out, c->items[i].b);
    fprintf(out, "\"} %llu\n", c->items[i].n);
  }
}

/* The audit log's decisions and, per control, its refusals and warnings. */
static int read_audit(const char *root, const char *path, struct counts *decisions,
                      struct counts *findings, shim_error *err) {
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = rootfd < 0 ? -1 : open_in_root(rootfd, path, O_RDONLY | O_NOFOLLOW);
  FILE *log = fd < 0 ? NULL : fdopen(fd, "r");
  if (!log) {
    if (fd >= 0)
      close(fd);
    return errno == ENOENT ? 0 : error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
  }
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, log) > 0) {
    _cleanup_json_ json_t *r = json_loads(line, 0, NULL);
    if (!r)
      continue; /* a line cut by a full disk: not a decision */
    bump(decisions, json_string_value(json_object_get(r, "command")) ?: "",
         json_string_value(json_object_get(r, "decision")) ?: "");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f) {
      const char *verdict = json_string_value(json_object_get(f, "verdict")) ?: "";
      if (strcmp(verdict, "reject") == 0 || strcmp(verdict, "warn") == 0)
        bump(findings, json_string_value(json_object_get(f, "control")) ?: "", verdict);
    }
  }
  free(line);
  fclose(log);
  return decisions->failed || findings->failed
             ? error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory")
             : 0;
}

int node_metrics(const char *root, const char *audit_log, const shim_policy *policy,
                 char **text, shim_error *err) {
  struct node_settings settings;
  node_settings_read(root, &settings);
  struct counts decisions = {0}, findings = {0};
  const char *log = audit_log ? audit_log : settings.audit_log;
  int ret = read_audit(root, log, &decisions, &findings, err);
  char state[PATH_MAX];
  path_in_root(root, settings.state_dir, state, sizeof state);
  struct node_pool pool = {.state_dir = state};
  size_t containers = 0, ranges = 0;
  if (ret == 0)
    ret = node_pool_usage(&pool, policy, &containers, &ranges, err);
  size_t len = 0;
  FILE *out = ret == 0 ? open_memstream(text, &len) : NULL;
  if (ret == 0 && !out)
    ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (out) {
    family(out, "shim_decisions_total", "counter",
           "Containers shimrun decided on, per command and decision (its audit log).");
    counters(out, "shim_decisions_total", "command", "decision", &decisions);
    family(out, "shim_findings_total", "counter",
           "Refusals and warnings in shimrun's decisions, per control (its audit log).");
    counters(out, "shim_findings_total", "control", "verdict", &findings);
    family(out, "shim_pool_ranges", "gauge", "User-namespace ranges of shimrun's pool.");
    fprintf(out, "shim_pool_ranges{state=\"used\"} %zu\n", ranges);
    fprintf(out, "shim_pool_ranges{state=\"free\"} %lld\n",
            (long long)policy->userns_ranges - (long long)ranges);
    family(out, "shim_pool_containers", "gauge",
           "Containers that hold a record in the pool (a pod's share its sandbox's range).");
    fprintf(out, "shim_pool_containers %zu\n", containers);
    _cleanup_free_ char *check_text = NULL;
    shim_error e;
    _cleanup_json_ json_t *check = node_state_read(root, "check.json", &check_text, &e) == 0
                                       ? json_loads(check_text, 0, NULL)
                                       : NULL;
    if (check) {
      const char *rc = json_string_value(json_object_get(check, "runtimeName")) ?: "";
      family(out, "shim_node_check_ok", "gauge",
             "Whether the last shimctl node check passed (1) or not (0).");
      fputs("shim_node_check_ok{runtime_class=\"", out);
      label(out, rc);
      fprintf(out, "\"} %d\n", json_is_true(json_object_get(check, "ok")));
      family(out, "shim_node_check_timestamp_seconds", "gauge",
             "When the last shimctl node check ran.");
      fputs("shim_node_check_timestamp_seconds{runtime_class=\"", out);
      label(out, rc);
      fprintf(out, "\"} %lld\n", (long long)json_integer_value(json_object_get(check, "timestamp")));
    }
    if (fclose(out) != 0)
      ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  free(decisions.items);
  free(findings.items);
  if (ret < 0 && out) {
    free(*text);
    *text = NULL;
  }
  return ret;
}
