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
  bool loader;           /* the seccomp loader's form may be given */
  struct jtree *t;       /* a copy of the spec's tree, edited */
  struct jnode *doc;     /* its document */
  shim_report *report;
  int ret; /* first failure to record a change */
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

/* ---- capabilities --------------------------------------------------------- */

static const char *const cap_sets[] = {"bounding", "effective", "inheritable",
                                       "permitted", "ambient"};

static void harden_capabilities(struct hctx *h) {
  struct jnode *caps = jt_get(jt_get(h->doc, "process"), "capabilities");
  h->bounding = 0;
  for (size_t s = 0; s < ARRAY_SIZE(cap_sets); s++) {
    struct jnode *set = jt_get(caps, cap_sets[s]);
    bool ambient = strcmp(cap_sets[s], "ambient") == 0;
    uint64_t keep = ambient && !h->policy->allow_ambient ? 0 : h->policy->caps_allowed;
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/process/capabilities/%s", cap_sets[s]);
    jt_foreach(set, c) {
      const char *name = jv_str(c);
      int cap = cap_from_name(name);
      if (cap >= 0 && (keep & (UINT64_C(1) << cap))) {
        if (s == 0)
          h->bounding |= UINT64_C(1) << cap;
        continue;
      }
      change(h, CONTROL_CAPABILITIES, ptr, "dropped %s%s", name,
             ambient && !h->policy->allow_ambient ? " (no ambient capabilities)"
                                                  : " (not in the allowed set)");
      jt_remove(set, c);
    }
  }
}

/* A process whose uid is not 0 holds, once runc has exec'd it, its ambient
 * capabilities and no others (no_new_privs: no file capabilities either):
 * its effective and permitted sets are cut to them, so that the spec says
 * what the container gets. */
static void harden_held_capabilities(struct hctx *h) {
  struct jnode *process = jt_get(h->doc, "process");
  struct jnode *caps = jt_get(process, "capabilities");
  long long uid = jv_int(jv_get(jv_get(process, "user"), "uid"));
  if (!caps || uid == 0 || !jv_is_true(jv_get(process, "noNewPrivileges")))
    return;
  const struct jnode *ambient = jv_get(caps, "ambient");
  static const char *const held[] = {"effective", "permitted"};
  for (size_t s = 0; s < ARRAY_SIZE(held); s++) {
    struct jnode *set = jt_get(caps, held[s]);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/process/capabilities/%s", held[s]);
    jt_foreach(set, c) {
      if (jv_has_string(ambient, jv_str(c)))
        continue;
      change(h, CONTROL_CAPABILITIES, ptr,
             "dropped %s (uid %lld holds no capability its ambient set lacks)", jv_str(c),
             uid);
      jt_remove(set, c);
    }
  }
}

/* ---- simple settings -------------------------------------------------------- */

static void harden_no_new_privileges(struct hctx *h) {
  struct jnode *process = jt_member(h->t, h->doc, "process", J_OBJECT);
  if (!process || jv_is_true(jv_get(process, "noNewPrivileges")))
    return;
  jt_set(h->t, process, "noNewPrivileges", jt_true(h->t));
  change(h, CONTROL_NO_NEW_PRIVILEGES, "/process/noNewPrivileges",
         "set to true: setuid binaries cannot gain privileges");
}

static void harden_proc_paths(struct hctx *h) {
  struct jnode *linux_ = jt_member(h->t, h->doc, "linux", J_OBJECT);
  const struct {
    const char *field;
    const struct strlist *want;
  } lists[] = {{"maskedPaths", &h->policy->masked_paths},
               {"readonlyPaths", &h->policy->readonly_paths}};
  for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/linux/%s", lists[l].field);
    for (size_t i = 0; i < lists[l].want->count; i++) {
      const char *path = lists[l].want->items[i];
      if (jv_has_string(jv_get(linux_, lists[l].field), path))
        continue;
      jt_append(jt_member(h->t, linux_, lists[l].field, J_ARRAY), jt_string(h->t, path));
      change(h, CONTROL_PROC_UNMASKED, ptr, "added %s", path);
    }
  }
}

/* The linux.namespaces entry of this type, appended ({"type": type}) when
 * absent and add is set; NULL otherwise (or out of memory). */
static struct jnode *namespace_entry(struct hctx *h, const char *type, bool add) {
  struct jnode *linux_ = add ? jt_member(h->t, h->doc, "linux", J_OBJECT)
                             : jt_get(h->doc, "linux");
  struct jnode *nss = jt_get(linux_, "namespaces");
  jt_foreach(nss, ns) {
    const char *t = jv_str(jv_get(ns, "type"));
    if (t && strcmp(t, type) == 0)
      return ns;
  }
  if (!add)
    return NULL;
  struct jnode *ns = jt_append(jt_member(h->t, linux_, "namespaces", J_ARRAY),
                               jt_object(h->t));
  return jt_set(h->t, ns, "type", jt_string(h->t, type)) ? ns : NULL;
}

static void harden_cgroup_namespace(struct hctx *h) {
  if (namespace_entry(h, "cgroup", false))
    return;
  if (namespace_entry(h, "cgroup", true))
    change(h, CONTROL_HOST_NAMESPACES, "/linux/namespaces",
           "added a cgroup namespace: the host's cgroup tree stays hidden");
}

/* Appends option to mount m's options (created when absent), unless it is
 * there; true when added. */
static bool add_option(struct hctx *h, struct jnode *m, const char *option) {
  if (jv_has_string(jv_get(m, "options"), option))
    return false;
  jt_append(jt_member(h->t, m, "options", J_ARRAY), jt_string(h->t, option));
  return true;
}

/* Mount m is a bind (as check.c reads it: mount_is_bind) from *source. */
static bool bind_from(const struct jnode *m, const char **source, bool *recursive) {
  *source = jv_str(jv_get(m, "source"));
  return *source && mount_is_bind(m, recursive);
}

/* ---- host-mounts ---------------------------------------------------------- */

/* Binds from read-only sources get nosuid and nodev (recursively for
 * rbind, with rro): check_ro_bind has already insisted on "ro". */
static void harden_ro_binds(struct hctx *h) {
  struct jnode *mounts = jt_get(h->doc, "mounts");
  size_t i = 0;
  jt_foreach(mounts, m) {
    bool recursive;
    const char *source;
    if (bind_from(m, &source, &recursive) &&
        source_list_of(h->policy, source) == SOURCES_READ_ONLY)
      for (size_t k = 0; k < (recursive ? RO_BIND_OPTIONS : RO_BIND_PLAIN); k++) {
        if (!add_option(h, m, ro_bind_options[k]))
          continue;
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/mounts/%zu/options", i);
        change(h, CONTROL_HOST_MOUNTS, ptr,
               "added \"%s\" to the read-only bind of %s", ro_bind_options[k], source);
      }
    i++;
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
  struct jnode *mounts = jt_get(h->doc, "mounts");
  size_t i = 0;
  jt_foreach(mounts, m) {
    bool recursive;
    const char *source;
    const shim_fact *f = bind_from(m, &source, &recursive)
                             ? spec_fact(h->spec, SHIM_FACT_FILE, source, 0)
                             : NULL;
    for (size_t k = 0; f && !f->error && k < ARRAY_SIZE(locked); k++) {
      if (!(f->mount_flags & locked[k].flag) || !add_option(h, m, locked[k].option))
        continue;
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/mounts/%zu/options", i);
      change(h, CONTROL_USER_NAMESPACE, ptr,
             "added \"%s\", locked on the source's mount in a user namespace",
             locked[k].option);
    }
    i++;
  }
}

static void harden_user_namespace(struct hctx *h) {
  const shim_userns *userns = h->userns;
  struct jtree *t = h->t;
  struct jnode *entry = userns ? namespace_entry(h, "user", true) : NULL;
  struct jnode *linux_ = jt_get(h->doc, "linux");
  if (!entry)
    return;
  const char *had = jv_str(jv_get(entry, "path"));
  if (strcmp(had ? had : "", userns->join) != 0) {
    if (*userns->join) {
      jt_set(t, entry, "path", jt_string(t, userns->join));
      change(h, CONTROL_USER_NAMESPACE, "/linux/namespaces",
             "joins the pod's user namespace %s", userns->join);
    } else {
      jt_del(entry, "path");
      change(h, CONTROL_USER_NAMESPACE, "/linux/namespaces",
             "a user namespace of its own");
    }
  }
  for (size_t m = 0; m < ARRAY_SIZE(idmap_lists); m++) {
    struct jnode *want = jt_array(t), *range = jt_append(want, jt_object(t));
    jt_set(t, range, "containerID", jt_int(t, 0));
    jt_set(t, range, "hostID", jt_int(t, userns->host_id));
    jt_set(t, range, "size", jt_int(t, userns->size));
    if (t->failed || jt_equal(jv_get(linux_, idmap_lists[m]), want))
      continue;
    jt_set(t, linux_, idmap_lists[m], want);
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
  const char *netns = jv_str(jv_get(namespace_entry(h, "network", false), "path"));
  if (!netns || !*netns)
    return;
  /* Nor may it write the network namespace's sysctls: the runtime does,
   * from the host (shim_userns_net_sysctl). */
  struct jnode *sysctls = jt_get(linux_, "sysctl");
  jt_foreach(sysctls, v) {
    if (!sysctl_is_net(v->key))
      continue;
    struct jptr ptr = {0};
    jptr_push_key(&ptr, "linux");
    jptr_push_key(&ptr, "sysctl");
    jptr_push_key(&ptr, v->key);
    change(h, CONTROL_USER_NAMESPACE, ptr.buf,
           "left to the runtime, which sets it in the pod's network namespace "
           "from the host: a user namespace cannot write the sysctls of a "
           "network namespace it joins");
    jt_remove(sysctls, v);
  }
  static const char *const sys_options[] = {"rbind", "ro", "nosuid", "nodev", "noexec"};
  struct jnode *mounts = jt_get(h->doc, "mounts");
  size_t i = 0;
  jt_foreach(mounts, m) {
    const char *type = jv_str(jv_get(m, "type"));
    if (type && strcmp(type, "sysfs") == 0) {
      jt_set(t, m, "type", jt_string(t, "bind"));
      jt_set(t, m, "source", jt_string(t, "/sys"));
      jt_set(t, m, "options", jt_strings(t, sys_options, ARRAY_SIZE(sys_options)));
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/mounts/%zu", i);
      change(h, CONTROL_USER_NAMESPACE, ptr,
             "the host's /sys bound read-only in place of sysfs, which a user "
             "namespace cannot mount for a network namespace it joins");
    }
    i++;
  }
}

static void harden_pids_limit(struct hctx *h) {
  struct jnode *linux_ = jt_member(h->t, h->doc, "linux", J_OBJECT);
  struct jnode *resources = jt_member(h->t, linux_, "resources", J_OBJECT);
  struct jnode *unified = jt_get(resources, "unified");
  const char *max = jv_str(jv_get(unified, "pids.max"));
  if (max && !unified_pids_max_ok(max)) {
    jt_del(unified, "pids.max");
    change(h, CONTROL_PIDS_LIMIT, "/linux/resources/unified/pids.max",
           "removed: pids.limit is the container's limit");
  }
  struct jnode *pids = jt_member(h->t, resources, "pids", J_OBJECT);
  if (!pids || jv_int(jv_get(pids, "limit")) > 0)
    return;
  jt_set(h->t, pids, "limit", jt_int(h->t, h->policy->pids_default));
  change(h, CONTROL_PIDS_LIMIT, "/linux/resources/pids/limit",
         "set to %lld: a fork bomb stays inside the container",
         (long long)h->policy->pids_default);
}

static void harden_apparmor(struct hctx *h) {
  struct jnode *process = jt_get(h->doc, "process");
  const char *profile = jv_str(jv_get(process, "apparmorProfile"));
  const char *want = h->policy->apparmor_profile;
  if (!profile || strcmp(profile, "unconfined") != 0 || !want || !*want)
    return;
  jt_set(h->t, process, "apparmorProfile", jt_string(h->t, want));
  change(h, CONTROL_APPARMOR, "/process/apparmorProfile",
         "unconfined replaced by the policy's profile %s", want);
}

/* Each limit the policy names, set or lowered to its values. */
static void harden_rlimits(struct hctx *h) {
  struct jtree *t = h->t;
  if (!h->policy->rlimit_count)
    return;
  struct jnode *process = jt_member(t, h->doc, "process", J_OBJECT);
  struct jnode *list = jt_member(t, process, "rlimits", J_ARRAY);
  for (size_t i = 0; i < h->policy->rlimit_count; i++) {
    const struct rlimit_setting *want = &h->policy->rlimits[i];
    struct jnode *entry = NULL;
    jt_foreach(list, r) {
      const char *type = jv_str(jv_get(r, "type"));
      if (type && strcmp(type, want->type) == 0)
        entry = r;
    }
    if (entry && (uint64_t)jv_int(jv_get(entry, "soft")) <= want->soft &&
        (uint64_t)jv_int(jv_get(entry, "hard")) <= want->hard)
      continue;
    if (!entry)
      entry = jt_append(list, jt_object(t));
    jt_set(t, entry, "type", jt_string(t, want->type));
    jt_set(t, entry, "hard", jt_int(t, (int64_t)want->hard));
    jt_set(t, entry, "soft", jt_int(t, (int64_t)want->soft));
    change(h, CONTROL_RLIMITS, "/process/rlimits", "%s set to soft %llu, hard %llu",
           want->type, (unsigned long long)want->soft, (unsigned long long)want->hard);
  }
}

/* The runtime's createRuntime hook makes the metadata addresses
 * unreachable in the container's network namespace (a new one, or the pod
 * sandbox's, joined by path: the routes are added once, kept after). */
static void harden_metadata(struct hctx *h) {
  const shim_policy *policy = h->policy;
  if (!policy->runtime || !policy->metadata.count ||
      !namespace_entry(h, "network", false))
    return;
  struct jnode *hooks = jt_member(h->t, h->doc, "hooks", J_OBJECT);
  jv_foreach(jv_get(hooks, "createRuntime"), hook) {
    if (is_metadata_hook(policy, hook))
      return;
  }
  jt_append(jt_member(h->t, hooks, "createRuntime", J_ARRAY), metadata_hook(policy, h->t));
  change(h, CONTROL_METADATA_SERVER, "/hooks/createRuntime",
         "added the runtime's hook that makes %s unreachable from the "
         "container's network namespace", policy->metadata.items[0]);
}

/* ---- seccomp ------------------------------------------------------------------ */

/* The profile is the policy's, narrowed by the spec's own (linux.seccomp,
 * or in the loader's form its annotation); it goes where the policy's
 * runtime loads it from: the loader's form (loader.c), or linux.seccomp
 * for runc to compile. */
static int harden_seccomp(struct hctx *h, shim_error *err) {
  struct jnode *linux_ = jt_member(h->t, h->doc, "linux", J_OBJECT);
  if (!linux_)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  _cleanup_(cleanup_filterp) struct sc_filter pol = {0}, theirs = {0}, both = {0};
  _cleanup_(cleanup_seccompp) shim_seccomp *spec_profile = NULL;
  _cleanup_(cleanup_strlistp) struct strlist narrowed = {0};
  _cleanup_(jtree_free) struct jtree annotated = {0};
  int ret = seccomp_policy_filter(h->policy, h->bounding, &pol, err);
  if (ret < 0)
    return ret;
  const struct jnode *section = jv_get(linux_, "seccomp");
  const char *pointer = "/linux/seccomp";
  const char *text = jv_str(jv_get(jv_get(h->doc, "annotations"), SHIM_SECCOMP_ANNOTATION));
  if (!section && text) { /* checked: the loader's exact form */
    pointer = "/annotations/" SHIM_SECCOMP_ANNOTATION;
    if ((ret = jtree_parse(text, strlen(text), &annotated, err)) < 0)
      return ret;
    section = annotated.nodes;
  }
  const struct sc_filter *result = &pol;
  bool had = section != NULL;
  if (section) {
    /* The spec brings a profile (`ctr run --seccomp`, Kubernetes'
     * RuntimeDefault): keep only what both allow. */
    if ((ret = seccomp_from_tree(section, pointer, &spec_profile, err)) < 0 ||
        (ret = seccomp_resolve(spec_profile, h->bounding, h->policy->kernel, NULL, &theirs, err)) < 0 ||
        (ret = seccomp_intersect(&pol, &theirs, &both, &narrowed, err)) < 0)
      return ret;
    result = &both;
  }
  struct jnode *oci = NULL;
  if ((ret = seccomp_to_oci(result, h->t, &oci, err)) < 0)
    return ret;
  bool same = section && jt_equal(section, oci), moved = false;
  /* A notify agent (listenerPath) gets its listener from runc, which
   * must then load the filter itself. */
  if (h->loader && !result->listener_path && loader_can_take(h->policy, h->doc)) {
    if ((ret = loader_apply(h->policy, h->t, h->doc, oci, &moved, err)) < 0)
      return ret;
    pointer = "/annotations/" SHIM_SECCOMP_ANNOTATION;
  } else if (!same) {
    /* Not compiled here (12 ms for the sandbox profile): runc compiles
     * the section and refuses to start the container if libseccomp
     * cannot. */
    jt_set(h->t, linux_, "seccomp", oci);
  }
  if (moved)
    change(h, CONTROL_SECCOMP, "/process/args",
           "the process starts through the runtime's seccomp loader (%s), which "
           "installs the filter compiled once for this profile: runc compiles none",
           SHIM_SECCOMP_LOADER);
  if (same)
    return 0;
  if (!had)
    change(h, CONTROL_SECCOMP, pointer,
           "applied the policy's seccomp profile (%s, %zu rules, default %s)",
           h->policy->seccomp_profile, result->count,
           seccomp_action_name(result->default_action));
  else
    change(h, CONTROL_SECCOMP, pointer,
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
    {CONTROL_CAPABILITIES, harden_held_capabilities},
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

/* loader: whether the seccomp loader's form may be given (a process
 * joining a container takes the form its container has). */
static int harden(const shim_policy *policy, const shim_spec *spec,
                  const shim_userns *userns, bool loader, char **out,
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
  _cleanup_(jtree_free) struct jtree t = {0};
  ret = jtree_copy(&spec->tree, &t, err);
  struct hctx h = {.policy = policy, .spec = spec, .userns = userns, .loader = loader,
                   .bounding = policy->caps_allowed, .t = &t, .doc = t.nodes,
                   .report = report};
  for (const struct step *st = steps; ret == 0 && st < steps + ARRAY_SIZE(steps); st++)
    if (policy->mode[st->control] == MODE_ENFORCE)
      st->fix(&h);
  if (ret == 0 && policy->mode[CONTROL_SECCOMP] != MODE_OFF)
    ret = harden_seccomp(&h, err);
  if (ret == 0 && (t.failed || h.ret < 0))
    ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  char *text = NULL;
  if (ret == 0)
    ret = json_render_tree(t.nodes, true, &text, err);
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

int shim_harden(const shim_policy *policy, const shim_spec *spec, char **out,
                shim_report **report_out, shim_error *err) {
  return harden(policy, spec, NULL, true, out, report_out, err);
}

int shim_harden_userns(const shim_policy *policy, const shim_spec *spec,
                       const shim_userns *userns, char **out,
                       shim_report **report_out, shim_error *err) {
  return harden(policy, spec, userns, true, out, report_out, err);
}

int shim_harden_process(const shim_policy *policy, const shim_spec *container,
                        const void *process, size_t len, char **out,
                        shim_report **report, shim_error *err) {
  if (!policy || !container || !out || !report)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  /* The process is judged in its container: put it in the container's
   * spec, harden that, take it out again. */
  _cleanup_(jtree_free) struct jtree proc = {0}, doc = {0}, result = {0};
  int ret = jtree_parse(process, len, &proc, err);
  if (ret < 0 || (ret = jtree_copy(&container->tree, &doc, err)) < 0)
    return ret;
  _cleanup_free_ char *text = NULL, *hardened = NULL;
  if (!jt_set(&doc, doc.nodes, "process", proc.nodes))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if ((ret = json_render_tree(doc.nodes, false, &text, err)) < 0)
    return ret;
  shim_spec *spec = NULL;
  if ((ret = shim_spec_load_data(text, strlen(text), &spec, err)) < 0)
    return ret;
  /* A container runc loads the filter of (one created before the loader
   * was installed, or without no_new_privs) has no loader to run. */
  if ((ret = spec_copy_facts(spec, container, err)) == 0)
    ret = harden(policy, spec, NULL, loader_named(container->tree.nodes), &hardened,
                 report, err);
  shim_spec_free(spec);
  if (ret < 0)
    return ret;
  if ((ret = jtree_parse(hardened, strlen(hardened), &result, err)) < 0 ||
      (ret = json_render_tree(jv_get(result.nodes, "process"), true, out, err)) < 0) {
    shim_report_free(*report);
    *report = NULL;
    return ret;
  }
  return 0;
}
