/*
 * What the checks ask about the host (shim_spec_questions): one question
 * for each place where a spec names something of the host's that only the
 * host can answer for.  check.c, hooks.c and userns.c look the answers up
 * (spec_fact) by the same (kind, path, ns_type).
 */
#include "config.h"
#include "internal.h"

#include <limits.h>
#include <sched.h>
#include <string.h>

/* A pass over the questions: the first counts, the second fills. */
struct asking {
  shim_fact *facts; /* NULL while counting */
  char *strings;    /* where the next path goes */
  size_t count, bytes;
};

static void ask(struct asking *a, shim_fact_kind kind, const char *path, int ns_type) {
  if (!path || !*path)
    return;
  size_t len = strlen(path) + 1;
  if (a->facts) {
    memcpy(a->strings, path, len);
    a->facts[a->count] = (shim_fact){.kind = kind, .path = a->strings, .ns_type = ns_type};
    a->strings += len;
  }
  a->count++;
  a->bytes += len;
}

static void ask_all(const shim_policy *policy, const shim_spec *spec, struct asking *a) {
  const struct jnode *root = spec->tree.nodes, *linux_ = jv_get(root, "linux");
  /* Namespaces joined by path (host-namespaces, user-namespace). */
  jv_foreach(jv_get(linux_, "namespaces"), ns) {
    const struct ns_kind *kind = ns_kind_find(jv_str(jv_get(ns, "type")));
    if (kind)
      ask(a, SHIM_FACT_NAMESPACE, jv_str(jv_get(ns, "path")), kind->clone_flag);
  }
  char user[PATH_MAX];
  if (shim_userns_joined_path(policy, spec, user, sizeof user) == 2)
    ask(a, SHIM_FACT_NAMESPACE, user, CLONE_NEWUSER);
  /* Bind sources (host-mounts, runtime-sockets, user-namespace). */
  jv_foreach(jv_get(root, "mounts"), m) {
    bool recursive;
    if (mount_is_bind(m, &recursive))
      ask(a, SHIM_FACT_FILE, jv_str(jv_get(m, "source")), 0);
  }
  /* Device nodes (host-devices). */
  jv_foreach(jv_get(linux_, "devices"), d)
    ask(a, SHIM_FACT_FILE, jv_str(jv_get(d, "path")), 0);
  /* The programs of hooks the policy lists (hooks). */
  jv_foreach(jv_get(root, "hooks"), stage) {
    jv_foreach(stage, hook) {
      const char *path = jv_str(jv_get(hook, "path"));
      if (hook_rule_names(&policy->hooks, path))
        ask(a, SHIM_FACT_PROGRAM, path, 0);
    }
  }
}

int shim_spec_questions(const shim_policy *policy, const shim_spec *spec, shim_fact **out,
                        size_t *count, shim_error *err) {
  if (!policy || !spec || !out || !count)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  struct asking a = {0};
  ask_all(policy, spec, &a);
  /* One block: the facts, then their paths. */
  shim_fact *facts = malloc(a.count * sizeof *facts + a.bytes + 1);
  if (!facts)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  a = (struct asking){.facts = facts, .strings = (char *)(facts + a.count)};
  ask_all(policy, spec, &a);
  facts_sort(facts, a.count);
  size_t n = 0;
  for (size_t i = 0; i < a.count; i++)
    if (n == 0 || fact_cmp(&facts[n - 1], &facts[i]) != 0)
      facts[n++] = facts[i];
  *out = facts;
  *count = n;
  return 0;
}
