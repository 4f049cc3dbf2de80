/*
 * Hardening: rewrites an accepted spec into a sandboxed one.
 *
 * Each step fixes what one control reports as "harden" and records the
 * change in the report.  Controls in warn or off mode are left alone, with
 * one exception: seccomp in warn mode still applies the profile, with its
 * deliberate denials turned into SCMP_ACT_LOG (try a workload first).
 *
 * The result is checked again from its own bytes before it is handed out:
 * what runc will read is exactly what was judged.
 */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h> /* ST_* names of a fact's mount_flags */

struct hctx {
  const shim_policy *policy;
  const shim_spec *spec; /* the spec being hardened: its host facts */
  const shim_userns *userns; /* the user namespace to give, NULL for none */
  uint64_t bounding;     /* the bounding set hardening leaves (seccomp's) */
  json_t *doc;
  shim_report *report;
  int ret; /* first allocation failure */
};

__attribute__((format(printf, 4, 5))) static void
change(struct hctx *h, enum control ctl, const char *pointer, const char *fmt,
       ...) {
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  int ret = report_add_change(h->report, control_ids[ctl], pointer, message);
  if (ret < 0 && !h->ret)
    h->ret = ret;
}

/* obj[key], created as an empty object when absent. */
static json_t *object_at(struct hctx *h, json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (v)
    return v;
  v = json_object();
  if (!v || json_object_set_new(obj, key, v) < 0) {
    h->ret = -SHIM_ERR_NOMEM;
    return NULL;
  }
  return v;
}

/* ---- capabilities --------------------------------------------------------- */

static const char *const cap_sets[] = {"bounding", "effective", "inheritable",
                                       "permitted", "ambient"};

static void harden_capabilities(struct hctx *h) {
  json_t *caps = json_object_get(json_object_get(h->doc, "process"), "capabilities");
  h->bounding = 0;
  for (size_t s = 0; s < ARRAY_SIZE(cap_sets); s++) {
    json_t *set = json_object_get(caps, cap_sets[s]);
    bool ambient = strcmp(cap_sets[s], "ambient") == 0;
    uint64_t keep = ambient && !h->policy->allow_ambient ? 0 : h->policy->caps_allowed;
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/process/capabilities/%s", cap_sets[s]);
    for (size_t i = 0; i < json_array_size(set);) {
      const char *name = json_string_value(json_array_get(set, i));
      int cap = cap_from_name(name);
      if (cap >= 0 && (keep & (UINT64_C(1) << cap))) {
        if (s == 0)
          h->bounding |= UINT64_C(1) << cap;
        i++;
        continue;
      }
      change(h, CONTROL_CAPABILITIES, ptr, "dropped %s%s", name,
             ambient && !h->policy->allow_ambient ? " (no ambient capabilities)"
                                                  : " (not in the allowed set)");
      json_array_remove(set, i);
    }
  }
}

/* ---- simple settings -------------------------------------------------------- */

static void harden_no_new_privileges(struct hctx *h) {
  json_t *process = object_at(h, h->doc, "process");
  if (!process || json_is_true(json_object_get(process, "noNewPrivileges")))
    return;
  if (json_object_set_new(process, "noNewPrivileges", json_true()) < 0)
    h->ret = -SHIM_ERR_NOMEM;
  change(h, CONTROL_NO_NEW_PRIVILEGES, "/process/noNewPrivileges",
         "set to true: setuid binaries cannot gain privileges");
}

static bool array_has(json_t *array, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(array, i, v) {
    if (strcmp(json_string_value(v), s) == 0)
      return true;
  }
  return false;
}

static void harden_proc_paths(struct hctx *h) {
  json_t *linux_ = object_at(h, h->doc, "linux");
  const struct {
    const char *field;
    const struct strlist *want;
  } lists[] = {{"maskedPaths", &h->policy->masked_paths},
               {"readonlyPaths", &h->policy->readonly_paths}};
  for (size_t l = 0; linux_ && l < ARRAY_SIZE(lists); l++) {
    json_t *have = json_object_get(linux_, lists[l].field);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/linux/%s", lists[l].field);
    for (size_t i = 0; i < lists[l].want->count; i++) {
      const char *path = lists[l].want->items[i];
      if (have && array_has(have, path))
        continue;
      if (!have) {
        have = json_array();
        if (!have || json_object_set_new(linux_, lists[l].field, have) < 0) {
          h->ret = -SHIM_ERR_NOMEM;
          return;
        }
      }
      if (json_array_append_new(have, json_string(path)) < 0)
        h->ret = -SHIM_ERR_NOMEM;
      change(h, CONTROL_PROC_UNMASKED, ptr, "added %s", path);
    }
  }
}

/* The linux.namespaces entry of this type, appended ({"type": type}) when
 * absent and add is set; NULL otherwise (or out of memory). */
static json_t *namespace_entry(struct hctx *h, const char *type, bool add) {
  json_t *linux_ = object_at(h, h->doc, "linux");
  json_t *nss = linux_ ? json_object_get(linux_, "namespaces") : NULL;
  size_t i;
  json_t *ns;
  json_array_foreach(nss, i, ns) {
    const char *t = json_string_value(json_object_get(ns, "type"));
    if (t && strcmp(t, type) == 0)
      return ns;
  }
  if (!linux_ || !add)
    return NULL;
  if (!nss && (!(nss = json_array()) || json_object_set_new(linux_, "namespaces", nss) < 0)) {
    h->ret = -SHIM_ERR_NOMEM;
    return NULL;
  }
  ns = json_pack("{s:s}", "type", type);
  if (!ns || json_array_append_new(nss, ns) < 0) {
    h->ret = -SHIM_ERR_NOMEM;
    return NULL;
  }
  return ns;
}

static void harden_cgroup_namespace(struct hctx *h) {
  if (namespace_entry(h, "cgroup", false))
    return;
  if (namespace_entry(h, "cgroup", true))
    change(h, CONTROL_HOST_NAMESPACES, "/linux/namespaces",
           "added a cgroup namespace: the host's cgroup tree stays hidden");
}

static bool has_option(const json_t *options, const char *option) {
  size_t i;
  json_t *o;
  json_array_foreach(options, i, o)
    if (json_string_value(o) && strcmp(json_string_value(o), option) == 0)
      return true;
  return false;
}

/* Appends option to mount m's options (created when absent). */
static void add_option(struct hctx *h, json_t *m, const char *option) {
  json_t *options = json_object_get(m, "options");
  if (!options && (!(options = json_array()) ||
                   json_object_set_new(m, "options", options) < 0))
    h->ret = -SHIM_ERR_NOMEM;
  else if (json_array_append_new(options, json_string(option)) < 0)
    h->ret = -SHIM_ERR_NOMEM;
}

/* The i-th mount being hardened when checked, the checked spec's i-th
 * mount, is a bind (its source in *source), else NULL.  Whether a mount is
 * a bind is read from what was checked (mount_is_bind, as check.c does):
 * until harden_user_namespace replaces sysfs, hardening only adds options,
 * so the two lists stay index for index. */
static json_t *bind_at(struct hctx *h, const struct jnode *checked, size_t i,
                       const char **source, bool *recursive) {
  *source = jv_str(jv_get(checked, "source"));
  if (!mount_is_bind(checked, recursive) || !*source)
    return NULL;
  return json_array_get(json_object_get(h->doc, "mounts"), i);
}

/* ---- host-mounts ---------------------------------------------------------- */

/* Binds from read-only sources get nosuid and nodev (recursively for
 * rbind, with rro): check_ro_bind has already insisted on "ro". */
static void harden_ro_binds(struct hctx *h) {
  size_t i = 0;
  jv_foreach_i(jv_get(h->spec->tree.nodes, "mounts"), i, checked) {
    bool recursive;
    const char *source;
    json_t *m = bind_at(h, checked, i, &source, &recursive);
    if (!m || source_list_of(h->policy, source) != SOURCES_READ_ONLY)
      continue;
    for (size_t k = 0; k < (recursive ? RO_BIND_OPTIONS : RO_BIND_PLAIN); k++) {
      if (has_option(json_object_get(m, "options"), ro_bind_options[k]))
        continue;
      add_option(h, m, ro_bind_options[k]);
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/mounts/%zu/options", i);
      change(h, CONTROL_HOST_MOUNTS, ptr,
             "added \"%s\" to the read-only bind of %s", ro_bind_options[k], source);
    }
  }
}

/* ---- user-namespace ------------------------------------------------------- */

/* In a user namespace the flags of a bind source's mount are locked: a
 * remount (runc remounts binds that add "ro" and the like) must repeat
 * them or fail with EPERM, which runc 1.1 does not do.  So say them. */
static void harden_userns_binds(struct hctx *h) {
  static const struct {
    unsigned long flag;
    const char *option;
  } locked[] = {{ST_RDONLY, "ro"}, {ST_NOSUID, "nosuid"}, {ST_NODEV, "nodev"},
                {ST_NOEXEC, "noexec"}};
  size_t i = 0;
  jv_foreach_i(jv_get(h->spec->tree.nodes, "mounts"), i, checked) {
    bool recursive;
    const char *source;
    json_t *m = bind_at(h, checked, i, &source, &recursive);
    const shim_fact *f = m ? spec_fact(h->spec, SHIM_FACT_FILE, source, 0) : NULL;
    if (!f || f->error)
      continue;
    for (size_t k = 0; k < ARRAY_SIZE(locked); k++) {
      if (!(f->mount_flags & locked[k].flag) ||
          has_option(json_object_get(m, "options"), locked[k].option))
        continue;
      add_option(h, m, locked[k].option);
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/mounts/%zu/options", i);
      change(h, CONTROL_USER_NAMESPACE, ptr,
             "added \"%s\", locked on the source's mount in a user namespace",
             locked[k].option);
    }
  }
}

static void harden_user_namespace(struct hctx *h) {
  const shim_userns *userns = h->userns;
  if (!userns)
    return;
  json_t *entry = namespace_entry(h, "user", true);
  json_t *linux_ = json_object_get(h->doc, "linux");
  if (!entry)
    return;
  json_t *path = json_object_get(entry, "path");
  const char *had = json_string_value(path) ? json_string_value(path) : "";
  if (strcmp(had, userns->join) != 0) {
    if ((*userns->join ? json_object_set_new(entry, "path", json_string(userns->join))
                       : json_object_del(entry, "path")) < 0)
      h->ret = -SHIM_ERR_NOMEM;
    if (*userns->join)
      change(h, CONTROL_USER_NAMESPACE, "/linux/namespaces",
             "joins the pod's user namespace %s", userns->join);
    else
      change(h, CONTROL_USER_NAMESPACE, "/linux/namespaces",
             "a user namespace of its own");
  }
  for (size_t m = 0; m < ARRAY_SIZE(idmap_lists); m++) {
    json_t *want = json_pack("[{s:i, s:I, s:I}]", "containerID", 0, "hostID",
                             (json_int_t)userns->host_id, "size",
                             (json_int_t)userns->size);
    if (!want) {
      h->ret = -SHIM_ERR_NOMEM;
      return;
    }
    if (json_equal(json_object_get(linux_, idmap_lists[m]), want)) {
      json_decref(want);
      continue;
    }
    if (json_object_set_new(linux_, idmap_lists[m], want) < 0)
      h->ret = -SHIM_ERR_NOMEM;
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/linux/%s", idmap_lists[m]);
    change(h, CONTROL_USER_NAMESPACE, ptr,
           "container ids 0..%u are host ids %u..%u", userns->size - 1,
           userns->host_id, userns->host_id + userns->size - 1);
  }
  harden_userns_binds(h);
  /* sysfs may only be mounted by the user namespace that owns the
   * network namespace; one joined by path (CRI's pod network) is owned by
   * another. */
  json_t *net = namespace_entry(h, "network", false);
  if (!net || !json_string_length(json_object_get(net, "path")))
    return;
  /* Nor may it write the network namespace's sysctls: the runtime does,
   * from the host (shim_userns_net_sysctl). */
  json_t *sysctls = json_object_get(linux_, "sysctl");
  const char *key;
  json_t *value;
  void *tmp;
  json_object_foreach_safe(sysctls, tmp, key, value) {
    if (!sysctl_is_net(key))
      continue;
    struct jptr ptr = {0};
    jptr_push_key(&ptr, "linux");
    jptr_push_key(&ptr, "sysctl");
    jptr_push_key(&ptr, key);
    change(h, CONTROL_USER_NAMESPACE, ptr.buf,
           "left to the runtime, which sets it in the pod's network namespace "
           "from the host: a user namespace cannot write the sysctls of a "
           "network namespace it joins");
    json_object_del(sysctls, key);
  }
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(h->doc, "mounts"), i, m) {
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type || strcmp(type, "sysfs") != 0)
      continue;
    if (json_object_set_new(m, "type", json_string("bind")) < 0 ||
        json_object_set_new(m, "source", json_string("/sys")) < 0 ||
        json_object_set_new(m, "options",
                            json_pack("[s,s,s,s,s]", "rbind", "ro", "nosuid",
                                      "nodev", "noexec")) < 0)
      h->ret = -SHIM_ERR_NOMEM;
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/mounts/%zu", i);
    change(h, CONTROL_USER_NAMESPACE, ptr,
           "the host's /sys bound read-only in place of sysfs, which a user "
           "namespace cannot mount for a network namespace it joins");
  }
}

static void harden_pids_limit(struct hctx *h) {
  json_t *resources = object_at(h, object_at(h, h->doc, "linux"), "resources");
  json_t *pids = resources ? object_at(h, resources, "pids") : NULL;
  if (!pids)
    return;
  json_t *limit = json_object_get(pids, "limit");
  if (limit && json_integer_value(limit) > 0)
    return;
  if (json_object_set_new(pids, "limit", json_integer(h->policy->pids_default)) < 0)
    h->ret = -SHIM_ERR_NOMEM;
  change(h, CONTROL_PIDS_LIMIT, "/linux/resources/pids/limit",
         "set to %lld: a fork bomb stays inside the container",
         (long long)h->policy->pids_default);
}

static void harden_apparmor(struct hctx *h) {
  json_t *process = json_object_get(h->doc, "process");
  const char *profile = json_string_value(json_object_get(process, "apparmorProfile"));
  const char *want = h->policy->apparmor_profile;
  if (!profile || strcmp(profile, "unconfined") != 0 || !want || !*want)
    return;
  if (json_object_set_new(process, "apparmorProfile", json_string(want)) < 0)
    h->ret = -SHIM_ERR_NOMEM;
  change(h, CONTROL_APPARMOR, "/process/apparmorProfile",
         "unconfined replaced by the policy's profile %s", want);
}

/* Each limit the policy names, set or lowered to its values. */
static void harden_rlimits(struct hctx *h) {
  if (!h->policy->rlimit_count)
    return;
  json_t *process = object_at(h, h->doc, "process");
  json_t *list = process ? json_object_get(process, "rlimits") : NULL;
  if (process && !list) {
    list = json_array();
    if (!list || json_object_set_new(process, "rlimits", list) < 0) {
      h->ret = -SHIM_ERR_NOMEM;
      return;
    }
  }
  for (size_t i = 0; list && i < h->policy->rlimit_count; i++) {
    const struct rlimit_setting *want = &h->policy->rlimits[i];
    json_t *entry = NULL;
    size_t k;
    json_t *r;
    json_array_foreach(list, k, r) {
      const char *type = json_string_value(json_object_get(r, "type"));
      if (type && strcmp(type, want->type) == 0)
        entry = r;
    }
    if (entry &&
        (uint64_t)json_integer_value(json_object_get(entry, "soft")) <= want->soft &&
        (uint64_t)json_integer_value(json_object_get(entry, "hard")) <= want->hard)
      continue;
    json_t *set = json_pack("{s:s, s:I, s:I}", "type", want->type, "hard",
                            (json_int_t)want->hard, "soft", (json_int_t)want->soft);
    if (!set || (entry ? json_object_update(entry, set) : json_array_append(list, set)) < 0)
      h->ret = -SHIM_ERR_NOMEM;
    json_decref(set);
    change(h, CONTROL_RLIMITS, "/process/rlimits", "%s set to soft %llu, hard %llu",
           want->type, (unsigned long long)want->soft, (unsigned long long)want->hard);
  }
}

/* The runtime's createRuntime hook makes the metadata addresses
 * unreachable in the container's network namespace (a new one, or the pod
 * sandbox's, joined by path: the routes are added once, kept after). */
static void harden_metadata(struct hctx *h) {
  const shim_policy *policy = h->policy;
  if (!policy->runtime || !policy->metadata.count)
    return;
  bool netns = false;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(json_object_get(h->doc, "linux"), "namespaces"), i, v) {
    const char *type = json_string_value(json_object_get(v, "type"));
    netns |= type && strcmp(type, "network") == 0;
  }
  json_t *hooks = netns ? object_at(h, h->doc, "hooks") : NULL;
  json_t *list = hooks ? json_object_get(hooks, "createRuntime") : NULL;
  json_t *hook = hooks ? metadata_hook(policy) : NULL;
  if (!hooks || !hook) {
    if (hooks)
      h->ret = -SHIM_ERR_NOMEM;
    return;
  }
  json_array_foreach(list, i, v) {
    if (json_equal(v, hook)) {
      json_decref(hook);
      return;
    }
  }
  if (!list && (!(list = json_array()) || json_object_set_new(hooks, "createRuntime", list) < 0)) {
    json_decref(hook);
    h->ret = -SHIM_ERR_NOMEM;
    return;
  }
  if (json_array_append_new(list, hook) < 0)
    h->ret = -SHIM_ERR_NOMEM;
  change(h, CONTROL_METADATA_SERVER, "/hooks/createRuntime",
         "added the runtime's hook that makes %s unreachable from the "
         "container's network namespace", policy->metadata.items[0]);
}

/* ---- seccomp ------------------------------------------------------------------ */


static int harden_seccomp(struct hctx *h, shim_error *err) {
  json_t *linux_ = object_at(h, h->doc, "linux");
  if (!linux_)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  _cleanup_(cleanup_filterp) struct sc_filter pol = {0}, theirs = {0}, both = {0};
  _cleanup_(cleanup_seccompp) shim_seccomp *spec_profile = NULL;
  _cleanup_(cleanup_strlistp) struct strlist narrowed = {0};
  int ret = seccomp_policy_filter(h->policy, h->bounding, &pol, err);
  if (ret < 0)
    return ret;
  json_t *section = json_object_get(linux_, "seccomp");
  const struct sc_filter *result = &pol;
  if (section) {
    /* The spec brings a profile (`ctr run --seccomp`, Kubernetes'
     * RuntimeDefault): keep only what both allow. */
    const struct jnode *tree = jv_get(jv_get(h->spec->tree.nodes, "linux"), "seccomp");
    if ((ret = seccomp_from_tree(tree, "/linux/seccomp", &spec_profile, err)) < 0 ||
        (ret = seccomp_resolve(spec_profile, h->bounding, h->policy->kernel, NULL, &theirs, err)) < 0 ||
        (ret = seccomp_intersect(&pol, &theirs, &both, &narrowed, err)) < 0)
      return ret;
    result = &both;
  }
  /* Not compiled here (12 ms for the sandbox profile): runc compiles the
   * section and refuses to start the container if libseccomp cannot. */
  json_t *oci = NULL;
  if ((ret = seccomp_to_oci(result, &oci, err)) < 0)
    return ret;
  if (section && json_equal(section, oci)) {
    json_decref(oci);
    return 0;
  }
  if (json_object_set_new(linux_, "seccomp", oci) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (!section)
    change(h, CONTROL_SECCOMP, "/linux/seccomp",
           "applied the policy's seccomp profile (%s, %zu rules, default %s)",
           h->policy->seccomp_profile, result->count,
           seccomp_action_name(result->default_action));
  else
    change(h, CONTROL_SECCOMP, "/linux/seccomp",
           "combined the spec's seccomp profile with the policy's (%s): a call "
           "is allowed only where both allow it%s%s",
           h->policy->seccomp_profile, narrowed.count ? "; denied outright "
                                                        "where their argument "
                                                        "rules differ: "
                                                      : "",
           narrowed.count ? narrowed.items[0] : "");
  return 0;
}

/* ---- driver --------------------------------------------------------------------- */

/* The changes, in this order, each made only where its control is
 * enforced.  Capabilities come first: the bounding set they leave decides
 * which argument rules of the seccomp profile apply, and seccomp, which
 * also applies in warn mode and can fail, runs after all of them. */
static const struct step {
  enum control control;
  void (*fix)(struct hctx *h);
} steps[] = {
    {CONTROL_CAPABILITIES, harden_capabilities},
    {CONTROL_NO_NEW_PRIVILEGES, harden_no_new_privileges},
    {CONTROL_PROC_UNMASKED, harden_proc_paths},
    {CONTROL_HOST_NAMESPACES, harden_cgroup_namespace},
    {CONTROL_HOST_MOUNTS, harden_ro_binds},
    {CONTROL_USER_NAMESPACE, harden_user_namespace},
    {CONTROL_PIDS_LIMIT, harden_pids_limit},
    {CONTROL_RLIMITS, harden_rlimits},
    {CONTROL_METADATA_SERVER, harden_metadata},
    {CONTROL_APPARMOR, harden_apparmor},
};

/* After hardening, only warnings may remain, and without a user namespace
 * to apply, the user-namespace control's findings (the runtime's part). */
static int verify(const shim_policy *policy, const shim_spec *spec, const char *text,
                  const shim_userns *userns, shim_error *err) {
  shim_spec *again = NULL;
  shim_report *recheck = NULL;
  int ret = shim_spec_load_data(text, strlen(text), &again, err);
  if (ret == 0) /* the same namespaces and sources: the same host facts */
    ret = spec_copy_facts(again, spec, err);
  if (ret == 0)
    ret = shim_check(policy, again, &recheck, err);
  for (size_t i = 0; ret == 0 && i < shim_report_count(recheck); i++) {
    const shim_finding *f = shim_report_get(recheck, i);
    if (f->verdict >= SHIM_VERDICT_HARDEN &&
        (userns || strcmp(f->control, control_ids[CONTROL_USER_NAMESPACE]) != 0))
      ret = error_set(err, SHIM_ERR_INVAL, f->pointer,
                      "hardening left a finding unfixed (%s): %s", f->control,
                      f->message);
  }
  shim_report_free(recheck);
  shim_spec_free(again);
  return ret;
}

int shim_harden(const shim_policy *policy, const shim_spec *spec, char **out,
                shim_report **report_out, shim_error *err) {
  return shim_harden_userns(policy, spec, NULL, out, report_out, err);
}

int shim_harden_userns(const shim_policy *policy, const shim_spec *spec,
                       const shim_userns *userns, char **out,
                       shim_report **report_out, shim_error *err) {
  if (!policy || !spec || !out || !report_out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  shim_report *report = NULL;
  int ret = shim_check(policy, spec, &report, err);
  if (ret < 0)
    return ret;
  if (shim_report_verdict(report) == SHIM_VERDICT_REJECT) {
    *report_out = report;
    return error_set(err, SHIM_ERR_REJECTED, NULL,
                     "the spec is rejected: hardening cannot make it safe");
  }
  if (policy->mode[CONTROL_USER_NAMESPACE] != MODE_ENFORCE)
    userns = NULL;
  _cleanup_json_ json_t *doc = jtree_to_json(spec->tree.nodes);
  struct hctx h = {.policy = policy, .spec = spec, .userns = userns,
                   .bounding = policy->caps_allowed, .doc = doc, .report = report};
  if (!doc)
    ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  for (const struct step *st = steps; ret == 0 && st < steps + ARRAY_SIZE(steps); st++)
    if (policy->mode[st->control] == MODE_ENFORCE)
      st->fix(&h);
  if (ret == 0 && policy->mode[CONTROL_SECCOMP] != MODE_OFF)
    ret = harden_seccomp(&h, err);
  if (ret == 0 && h.ret < 0)
    ret = error_set(err, -h.ret, NULL, "out of memory");
  char *text = NULL;
  if (ret == 0)
    ret = json_render(doc, true, &text, err);
  if (ret == 0 && (ret = verify(policy, spec, text, userns, err)) < 0)
    free(text);
  if (ret < 0) {
    shim_report_free(report);
    return ret;
  }
  *out = text;
  *report_out = report;
  return 0;
}

int shim_harden_process(const shim_policy *policy, const shim_spec *container,
                        const void *process, size_t len, char **out,
                        shim_report **report, shim_error *err) {
  if (!policy || !container || !out || !report)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  /* The process is judged in its container: put it in the container's
   * spec, harden that, take it out again. */
  struct jtree tree;
  int ret = jtree_parse(process, len, &tree, err);
  if (ret < 0)
    return ret;
  _cleanup_json_ json_t *proc = jtree_to_json(tree.nodes);
  _cleanup_json_ json_t *doc = jtree_to_json(container->tree.nodes);
  jtree_free(&tree);
  _cleanup_free_ char *text = NULL, *hardened = NULL;
  if (!proc || !doc || json_object_set(doc, "process", proc) < 0 ||
      !(text = json_dumps(doc, JSON_COMPACT)))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  shim_spec *spec = NULL;
  if ((ret = shim_spec_load_data(text, strlen(text), &spec, err)) < 0)
    return ret;
  if ((ret = spec_copy_facts(spec, container, err)) == 0)
    ret = shim_harden(policy, spec, &hardened, report, err);
  shim_spec_free(spec);
  if (ret < 0)
    return ret;
  _cleanup_json_ json_t *result = json_loads(hardened, 0, NULL);
  char *s = result ? json_dumps(json_object_get(result, "process"),
                                JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                   : NULL;
  if (!s) {
    shim_report_free(*report);
    *report = NULL;
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  *out = s;
  return 0;
}
