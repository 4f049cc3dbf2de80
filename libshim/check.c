/*
 * The controls: each looks at one risk in a validated spec and adds
 * findings to the report.  A control's mode decides the verdict:
 *   problem the hardening cannot fix:  enforce -> reject,  warn -> warn
 *   problem the hardening fixes:       enforce -> harden,  warn -> warn
 *   mode off: the control does not run.
 * Absent fields mean what they mean to runc: Go's zero value.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct ctx {
  const shim_policy *policy;
  const shim_spec *spec;
  const struct jnode *root;
  shim_report *report;
  /* "privileged: true" when the spec carries its main trace (every
   * capability), so every other trace it leaves can name it too. */
  const char *privileged;
  struct loader_form loader; /* the seccomp loader's form, as root names it */
  int ret; /* first allocation failure */
};

/* NOTE: worth telling, but the policy gives hardening nothing to fix it
 * with: a warning whatever the mode. */
enum fixable { UNFIXABLE, FIXABLE, NOTE };

static bool on(const struct ctx *c, enum control ctl) {
  return c->policy->mode[ctl] != MODE_OFF;
}

__attribute__((format(printf, 6, 7))) static void
finding(struct ctx *c, enum control ctl, enum fixable fix, const char *pointer,
        const char *k8s, const char *fmt, ...) {
  shim_verdict v = c->policy->mode[ctl] == MODE_WARN || fix == NOTE
                       ? SHIM_VERDICT_WARN
                   : fix == FIXABLE                  ? SHIM_VERDICT_HARDEN
                                                     : SHIM_VERDICT_REJECT;
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  int ret = report_add(c->report, control_ids[ctl], v, pointer, k8s, message);
  if (ret < 0 && !c->ret)
    c->ret = ret;
}

/* ---- host-namespaces ------------------------------------------------------ */

static void check_host_namespaces(struct ctx *c) {
  const struct jnode *nss = jv_get(jv_get(c->root, "linux"), "namespaces");
  bool seen[NS_KINDS] = {0};
  struct jptr p = {0};
  jptr_push_key(&p, "linux");
  jptr_push_key(&p, "namespaces");
  size_t i = 0;
  jv_foreach_i(nss, i, ns) {
    size_t mark = jptr_push_index(&p, i);
    const char *type = jv_str(jv_get(ns, "type"));
    const char *path = jv_str(jv_get(ns, "path"));
    const struct ns_kind *kind = ns_kind_find(type);
    char why[PATH_MAX + 128];
    if (!kind) {
      finding(c, CONTROL_HOST_NAMESPACES, UNFIXABLE, p.buf, NULL,
              "namespace entry without a known type");
    } else if (seen[kind - ns_kinds]) {
      finding(c, CONTROL_HOST_NAMESPACES, UNFIXABLE, p.buf, NULL,
              "second %s namespace entry: ambiguous", type);
    } else if (path && *path) {
      const shim_fact *f = spec_fact(c->spec, SHIM_FACT_NAMESPACE, path, kind->clone_flag);
      if (!fact_namespace_ok(f, path, type, why, sizeof why))
        finding(c, CONTROL_HOST_NAMESPACES, UNFIXABLE, p.buf, NULL,
                "%s namespace path cannot be verified: %s", type, why);
      else if (f->host)
        finding(c, CONTROL_HOST_NAMESPACES, UNFIXABLE, p.buf, kind->k8s,
                "joins the host %s namespace (%s)", type, path);
    }
    if (kind)
      seen[kind - ns_kinds] = true;
    jptr_pop(&p, mark);
  }
  for (size_t k = 0; k < NS_KINDS; k++) {
    if (seen[k])
      continue;
    if (ns_kinds[k].required)
      finding(c, CONTROL_HOST_NAMESPACES, UNFIXABLE, p.buf, ns_kinds[k].k8s,
              "host %s namespace: no \"%s\" entry", ns_kinds[k].type,
              ns_kinds[k].type);
    else if (ns_kinds[k].clone_flag == CLONE_NEWCGROUP)
      finding(c, CONTROL_HOST_NAMESPACES, FIXABLE, p.buf, NULL,
              "host cgroup namespace: hardening adds one");
  }
}

/* ---- capabilities --------------------------------------------------------- */

static const char *const cap_sets[] = {"bounding", "effective", "inheritable",
                                       "permitted", "ambient"};

static void check_capabilities(struct ctx *c) {
  const struct jnode *caps = jv_get(jv_get(c->root, "process"), "capabilities");
  uint64_t present = 0;
  char first[64][64] = {{0}}; /* pointer of each capability's first entry */
  struct jptr p = {0};
  jptr_push_key(&p, "process");
  jptr_push_key(&p, "capabilities");
  for (size_t s = 0; s < ARRAY_SIZE(cap_sets); s++) {
    const struct jnode *set = jv_get(caps, cap_sets[s]);
    size_t smark = jptr_push_key(&p, cap_sets[s]);
    size_t i = 0;
    jv_foreach_i(set, i, name) {
      size_t mark = jptr_push_index(&p, i);
      int cap = cap_from_name(jv_str(name));
      if (cap < 0) {
        finding(c, CONTROL_CAPABILITIES, UNFIXABLE, p.buf, NULL,
                "unknown capability \"%s\"", jv_str(name));
      } else if (!(present & (UINT64_C(1) << cap))) {
        present |= UINT64_C(1) << cap;
        snprintf(first[cap], sizeof first[cap], "%s", p.buf);
      }
      jptr_pop(&p, mark);
    }
    jptr_pop(&p, smark);
  }
  for (int cap = 0; cap < 64; cap++) {
    if (!(present & (UINT64_C(1) << cap)))
      continue;
    char name[64], k8s[128];
    cap_to_name(cap, name, sizeof name);
    snprintf(k8s, sizeof k8s, "securityContext.capabilities.add: [%s]", name + 4);
    if (c->policy->caps_privileged & (UINT64_C(1) << cap))
      finding(c, CONTROL_CAPABILITIES, UNFIXABLE, first[cap],
              c->privileged ? c->privileged : k8s, "privileged capability %s",
              name);
    else if (!(c->policy->caps_allowed & (UINT64_C(1) << cap)))
      finding(c, CONTROL_CAPABILITIES, FIXABLE, first[cap], NULL,
              "capability %s is not in the allowed set: hardening drops it",
              name);
  }
}

/* ---- run-as-root ---------------------------------------------------------- */

/* The spec's first user namespace entry and its index; NULL if none. */
static const struct jnode *user_ns_entry(const struct jnode *root, size_t *index) {
  size_t i = 0;
  jv_foreach_i(jv_get(jv_get(root, "linux"), "namespaces"), i, ns) {
    const char *type = jv_str(jv_get(ns, "type"));
    if (type && strcmp(type, "user") == 0) {
      if (index)
        *index = i;
      return ns;
    }
  }
  return NULL;
}

/* True when the mappings give host id 0 to anything in the container;
 * *covers_zero tells whether container id 0 is mapped at all. */
static bool maps_host_root(const struct jnode *maps, bool *covers_zero) {
  bool host_root = false;
  jv_foreach(maps, entry) {
    shim_idmap m = idmap_read(entry);
    if (m.size > 0 && m.host_id == 0)
      host_root = true;
    if (m.size > 0 && m.container_id == 0)
      *covers_zero = true;
  }
  return host_root;
}

static void check_run_as_root(struct ctx *c) {
  const struct jnode *linux_ = jv_get(c->root, "linux");
  const struct jnode *user = jv_get(jv_get(c->root, "process"), "user");
  bool userns = user_ns_entry(c->root, NULL) != NULL;

  for (size_t m = 0; m < ARRAY_SIZE(idmap_lists); m++) {
    bool covers_zero = false;
    if (maps_host_root(jv_get(linux_, idmap_lists[m]), &covers_zero)) {
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/linux/%s", idmap_lists[m]);
      finding(c, CONTROL_RUN_AS_ROOT, UNFIXABLE, ptr, NULL,
              "%s map host id 0 into the container", idmap_lists[m]);
    }
  }
  int64_t uid = jv_int(jv_get(user, "uid")); /* absent: 0 */
  int64_t gid = jv_int(jv_get(user, "gid"));
  /* With user-namespace enforced, its finding says the same and more. */
  if ((uid == 0 || gid == 0) && !userns && !on(c, CONTROL_USER_NAMESPACE))
    finding(c, CONTROL_RUN_AS_ROOT, UNFIXABLE, "/process/user",
            "runAsUser: 0 or runAsNonRoot unset",
            "runs as %s 0 without a user namespace, i.e. as host root "
            "(the user-namespace control would map it)",
            uid == 0 ? "uid" : "gid");
}

/* ---- user-namespace ------------------------------------------------------- */

/* A Kubernetes pod that did not ask for a user namespace (hostUsers left
 * at true): its sandbox gets a range of the pool and its containers join
 * the sandbox's, where the delegate can; elsewhere it runs with the host's
 * ids, which user-namespace.pods "require" refuses. */
static void check_pod_without_userns(struct ctx *c) {
  const shim_policy *p = c->policy;
  const char *type = shim_spec_annotation(c->spec, "io.kubernetes.cri.container-type");
  if (!userns_for_pods(p)) {
    bool require = p->pod_userns && strcmp(p->pod_userns, "require") == 0;
    char why[160];
    if (p->pod_userns && strcmp(p->pod_userns, "never") == 0)
      snprintf(why, sizeof why, "user-namespace.pods is \"never\"");
    else
      snprintf(why, sizeof why, "the delegate (%s) cannot join the pod's network namespace "
               "from a user namespace of its own (runc 1.2 or later can)",
               *p->delegate ? p->delegate : "unknown");
    finding(c, CONTROL_USER_NAMESPACE, require ? UNFIXABLE : NOTE, "/linux/namespaces",
            "hostUsers: true", "a pod without a user namespace: %s; %s", why,
            require ? "user-namespace.pods is \"require\""
                    : "it runs with the host's ids");
    return;
  }
  if (strcmp(type, "sandbox") == 0) {
    finding(c, CONTROL_USER_NAMESPACE, FIXABLE, "/linux/namespaces", "hostUsers: true",
            "no user namespace: the runtime gives the pod's sandbox a range of the pool");
    return;
  }
  char path[PATH_MAX], why[512] = "it joins no sandbox's namespaces by /proc path";
  shim_userns joined;
  int verdict = shim_userns_joined_path(p, c->spec, path, sizeof path) == 2
                    ? userns_judge_joined(p, c->spec, path, &joined, why, sizeof why)
                    : USERNS_JOINED_BAD;
  if (verdict == USERNS_JOINED_POOL)
    finding(c, CONTROL_USER_NAMESPACE, FIXABLE, "/linux/namespaces", "hostUsers: true",
            "no user namespace: the runtime joins it to its sandbox's (host ids %u..%u)",
            joined.host_id, joined.host_id + joined.size - 1);
  else
    finding(c, CONTROL_USER_NAMESPACE, UNFIXABLE, "/linux/namespaces", "hostUsers: true",
            "no user namespace to join: its pod sandbox is in no user namespace of the pool (%s)",
            verdict == USERNS_JOINED_POD ? "a user namespace of the kubelet's, which a "
                                           "container joins by its user entry"
                                         : why);
}

static void judge_user_namespace(struct ctx *c) {
  const struct jnode *linux_ = jv_get(c->root, "linux");
  size_t at = 0;
  const struct jnode *entry = user_ns_entry(c->root, &at);
  if (!entry) {
    if (shim_spec_annotation(c->spec, "io.kubernetes.cri.container-type"))
      check_pod_without_userns(c);
    else
      finding(c, CONTROL_USER_NAMESPACE, FIXABLE, "/linux/namespaces", "hostUsers: true",
              "no user namespace: the container's ids are the host's; the "
              "runtime gives it a range of the pool");
    return;
  }
  char ptr[64];
  const char *path = jv_str(jv_get(entry, "path"));
  if (path && *path) {
    /* Host-namespaces judges the host's own; here: whose ids is it? */
    shim_userns joined;
    char why[PATH_MAX + 256];
    snprintf(ptr, sizeof ptr, "/linux/namespaces/%zu", at);
    if (userns_judge_joined(c->policy, c->spec, path, &joined, why, sizeof why) ==
        USERNS_JOINED_BAD)
      finding(c, CONTROL_USER_NAMESPACE, UNFIXABLE, ptr, "hostUsers: false",
              "the joined user namespace %s may not be used: %s", path, why);
    return;
  }
  for (size_t m = 0; m < ARRAY_SIZE(idmap_lists); m++) {
    const struct jnode *list = jv_get(linux_, idmap_lists[m]);
    snprintf(ptr, sizeof ptr, "/linux/%s", idmap_lists[m]);
    if (!jv_count(list))
      finding(c, CONTROL_USER_NAMESPACE, FIXABLE, ptr, NULL,
              "a user namespace without %s: the runtime gives it a range of "
              "the pool", idmap_lists[m]);
    size_t k = 0;
    jv_foreach_i(list, k, item) {
      shim_idmap map = idmap_read(item);
      int64_t host = map.host_id, size = map.size;
      if (!userns_in_pool(c->policy, host, size)) {
        snprintf(ptr, sizeof ptr, "/linux/%s/%zu", idmap_lists[m], k);
        finding(c, CONTROL_USER_NAMESPACE, UNFIXABLE, ptr, NULL,
                "maps host ids %lld..%lld, outside the pool", (long long)host,
                (long long)(host + size - 1));
      }
    }
  }
}

/* What the runtime's plan refuses (shim_userns_plan: no user namespace it
 * can give or join, e.g. namespaces of two processes) the checks refuse
 * too: the refusal has its finding in the report and the audit record. */
static void check_user_namespace(struct ctx *c) {
  size_t before = shim_report_count(c->report);
  judge_user_namespace(c);
  for (size_t i = before; i < shim_report_count(c->report); i++)
    if (shim_report_get(c->report, i)->verdict == SHIM_VERDICT_REJECT)
      return;
  shim_userns planned;
  shim_error e;
  if (shim_userns_plan(c->policy, c->spec, &planned, &e) == -SHIM_ERR_REJECTED)
    finding(c, CONTROL_USER_NAMESPACE, UNFIXABLE, e.pointer, NULL, "%s", e.message);
}

/* ---- host-devices --------------------------------------------------------- */

/* The devices every OCI runtime provides (runtime-spec "Default Devices"),
 * and /dev/pts. minor -1: any. */
static const struct std_device {
  const char *path;
  long long major, minor;
} std_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},   {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
    {"/dev/console", 5, 1}, {"/dev/ptmx", 5, 2},  {NULL, 136, -1},
};

static bool is_std_device(const char *path, int64_t major,
                          int64_t minor) {
  for (size_t i = 0; i < ARRAY_SIZE(std_devices); i++) {
    const struct std_device *d = &std_devices[i];
    if (d->major == major && (d->minor == -1 || d->minor == minor) &&
        (!path || !d->path || strcmp(path, d->path) == 0))
      return true;
  }
  return false;
}

/* A spec device the policy lets through: its cgroup rule may then open it,
 * within the rule's access. */
struct listed_device {
  int64_t major, minor;
  const char *access;
};

/* linux.devices: the standard ones, or nodes an admin rule lists that are
 * the host's very nodes.  Those go to listed[] (at most max). */
static size_t check_device_nodes(struct ctx *c, const char *k8s,
                                 struct listed_device *listed, size_t max) {
  struct jptr p = {0};
  jptr_push_key(&p, "linux");
  jptr_push_key(&p, "devices");
  size_t i = 0, n = 0;
  jv_foreach_i(jv_get(jv_get(c->root, "linux"), "devices"), i, d) {
    size_t mark = jptr_push_index(&p, i);
    const char *path = jv_str(jv_get(d, "path"));
    const char *type = jv_str(jv_get(d, "type"));
    int64_t major = jv_int(jv_get(d, "major"));
    int64_t minor = jv_int(jv_get(d, "minor"));
    bool chr = type && strcmp(type, "c") == 0;
    const struct device_rule *rule =
        chr && path ? device_rule_find(&c->policy->devices, path, major, minor) : NULL;
    char why[PATH_MAX + 128];
    if (chr && is_std_device(path, major, minor)) {
      /* every container has it */
    } else if (!rule) {
      finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, k8s,
              "host device %s (%s %lld:%lld) is not listed in "
              "controls.host-devices.allowed", path ? path : "?",
              type ? type : "?", (long long)major, (long long)minor);
    } else if (device_host_node(spec_fact(c->spec, SHIM_FACT_FILE, path, 0), path, major,
                                minor, why, sizeof why) < 0) {
      finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, k8s,
              "host device %s (c %lld:%lld): %s", path, (long long)major,
              (long long)minor, why);
    } else if (n < max) {
      listed[n++] = (struct listed_device){major, minor, rule->access};
    }
    jptr_pop(&p, mark);
  }
  return n;
}

/* access within allowed, both some of "rwm". */
static bool access_within(const char *access, const char *allowed) {
  for (const char *a = access; *a; a++)
    if (!strchr(allowed, *a))
      return false;
  return true;
}

static void check_host_devices(struct ctx *c) {
  const struct jnode *linux_ = jv_get(c->root, "linux");
  const char *k8s = c->privileged ? c->privileged : "device plugin or hostPath device";
  struct listed_device listed[256];
  size_t nlisted = check_device_nodes(c, k8s, listed, ARRAY_SIZE(listed));
  struct jptr p = {0};
  jptr_push_key(&p, "linux");
  /* runtime-spec 1.2: runc 1.3+ moves these host interfaces into the
   * container (older runc ignores them, a newer delegate would not); an
   * admin lists those a container may take (an SR-IOV function, a
   * DRA-managed NIC). */
  jv_foreach(jv_get(linux_, "netDevices"), nd) {
    size_t mark = jptr_push_key(&p, "netDevices");
    jptr_push_key(&p, nd->key);
    if (!strlist_has(&c->policy->net_devices, nd->key))
      finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, "a network device (DRA or NRI)",
              "moves the host network interface %s into the container (not in "
              "controls.host-devices.netDevices)", nd->key);
    jptr_pop(&p, mark);
  }
  jptr_push_key(&p, "resources");
  jptr_push_key(&p, "devices");
  size_t i = 0;
  jv_foreach_i(jv_get(jv_get(linux_, "resources"), "devices"), i, d) {
    size_t mark = jptr_push_index(&p, i);
    const char *access = jv_str(jv_get(d, "access"));
    const char *type = jv_str(jv_get(d, "type"));
    const struct jnode *major = jv_get(d, "major"), *minor = jv_get(d, "minor");
    /* Absent access means "rwm" to runc; mknod alone opens nothing. */
    if (!access || !*access)
      access = "rwm";
    bool opens = strpbrk(access, "rw") != NULL;
    bool all_types = !type || strcmp(type, "a") == 0;
    bool any_major = !major || jv_int(major) == -1;
    bool any_minor = !minor || jv_int(minor) == -1;
    if (!jv_is_true(jv_get(d, "allow")) || !opens) {
      jptr_pop(&p, mark);
      continue;
    }
    if (all_types || (any_major && any_minor)) {
      finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, k8s,
              "device cgroup rule allows %s devices",
              all_types ? "all" : (strcmp(type, "b") == 0 ? "all block" : "all character"));
    } else if (strcmp(type, "c") != 0 || any_major ||
               !is_std_device(NULL, jv_int(major), any_minor ? -1 : jv_int(minor))) {
      /* The one node this rule opens must be a listed device of the spec. */
      size_t k = strcmp(type, "c") == 0 && !any_major && !any_minor ? 0 : nlisted;
      while (k < nlisted &&
             (listed[k].major != jv_int(major) || listed[k].minor != jv_int(minor)))
        k++;
      char maj[24] = "*", min[24] = "*";
      if (!any_major)
        snprintf(maj, sizeof maj, "%lld", (long long)jv_int(major));
      if (!any_minor)
        snprintf(min, sizeof min, "%lld", (long long)jv_int(minor));
      if (k == nlisted)
        finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, k8s,
                "device cgroup rule allows %s %s:%s (%s), not a device of "
                "linux.devices that controls.host-devices.allowed lists",
                type, maj, min, access);
      else if (!access_within(access, listed[k].access))
        finding(c, CONTROL_HOST_DEVICES, UNFIXABLE, p.buf, k8s,
                "device cgroup rule allows c %s:%s \"%s\", more than the "
                "\"%s\" of controls.host-devices.allowed", maj, min, access,
                listed[k].access);
    }
    jptr_pop(&p, mark);
  }
}

/* ---- mounts: host-mounts, runtime-sockets, kernel-filesystems,
 *      mount-propagation --------------------------------------------------- */

/* Kernel file systems that show no host data of their own when mounted
 * in the container's namespaces.  sysfs, cgroup and a second procfs are
 * looked at by kernel-filesystems. */
static const char *const pseudo_fs[] = {"proc",  "sysfs",  "tmpfs",  "devpts",
                                        "mqueue", "cgroup", "cgroup2"};

static bool is_pseudo_fs(const char *type) {
  for (size_t i = 0; type && i < ARRAY_SIZE(pseudo_fs); i++)
    if (strcmp(type, pseudo_fs[i]) == 0)
      return true;
  return false;
}

/* Mount options apply in order, so the last of "ro"/"rw" wins. */
static bool mount_is_ro(const struct jnode *options) {
  bool ro = false;
  jv_foreach(options, o) {
    if (strcmp(jv_str(o), "ro") == 0)
      ro = true;
    else if (strcmp(jv_str(o), "rw") == 0)
      ro = false;
  }
  return ro;
}

/* A list entry is a path (it and everything below it) or, with a wildcard,
 * an fnmatch(3) pattern for one name ("libcuda.so.*": driver files carry
 * their version). */
static bool under_any(const char *path, const struct strlist *entries) {
  for (size_t i = 0; i < entries->count; i++) {
    const char *e = entries->items[i];
    if (strpbrk(e, "*?[") ? fnmatch(e, path, FNM_PATHNAME | FNM_PERIOD) == 0
                          : path_has_prefix(path, e))
      return true;
  }
  return false;
}

const char *const ro_bind_options[RO_BIND_OPTIONS] = {"nosuid", "nodev", "rro",
                                                      "rnosuid", "rnodev"};

enum source_list source_list_of(const shim_policy *policy, const char *source) {
  char canon[PATH_MAX];
  path_canonical(source, canon, sizeof canon);
  return under_any(canon, &policy->bind_sources) ? SOURCES_ALLOWED
         : under_any(canon, &policy->ro_sources) ? SOURCES_READ_ONLY
                                                  : SOURCES_NONE;
}

/* A bind from controls.host-mounts.readOnlySources: read-only, and what
 * hardening adds (ro_bind_options; the recursive ones for "rbind", whose
 * submounts plain "ro" leaves writable). */
static void check_ro_bind(struct ctx *c, const char *ptr, const char *source,
                          const struct jnode *options) {
  char k8s[PATH_MAX + 32];
  snprintf(k8s, sizeof k8s, "hostPath volume %s", source);
  if (!mount_is_ro(options)) {
    finding(c, CONTROL_HOST_MOUNTS, UNFIXABLE, ptr, k8s,
            "%s is in controls.host-mounts.readOnlySources: its bind must be "
            "read-only (\"ro\")", source);
    return;
  }
  size_t n = jv_has_string(options, "rbind") ? RO_BIND_OPTIONS : RO_BIND_PLAIN;
  for (size_t i = 0; i < n; i++)
    if (!jv_has_string(options, ro_bind_options[i]))
      finding(c, CONTROL_HOST_MOUNTS, FIXABLE, ptr, NULL,
              "read-only bind of %s without \"%s\": hardening adds it", source,
              ro_bind_options[i]);
}

bool mount_is_bind(const struct jnode *m, bool *recursive) {
  const char *type = jv_str(jv_get(m, "type"));
  const struct jnode *options = jv_get(m, "options");
  *recursive = jv_has_string(options, "rbind");
  return *recursive || jv_has_string(options, "bind") ||
         (type && strcmp(type, "bind") == 0);
}

static void check_bind_source(struct ctx *c, const char *ptr,
                              const char *source, const struct jnode *options) {
  char k8s[PATH_MAX + 32];
  snprintf(k8s, sizeof k8s, "hostPath volume %s", source);
  if (!path_is_clean(source)) {
    if (on(c, CONTROL_HOST_MOUNTS))
      finding(c, CONTROL_HOST_MOUNTS, UNFIXABLE, ptr, NULL,
            "bind source \"%s\" is not a clean absolute path", source);
    return;
  }
  char canon[PATH_MAX];
  path_canonical(source, canon, sizeof canon);
  /* The file system decides what a path names: the host's resolution of
   * links keeps a link planted below an allowed directory from leading
   * elsewhere.  A source that does not exist yet (or that no fact
   * resolves) is judged by its name. */
  const shim_fact *f = spec_fact(c->spec, SHIM_FACT_FILE, source, 0);
  const char *real = f && !f->error ? f->resolved : NULL;
  bool resolved = real != NULL;
  enum source_list list = source_list_of(c->policy, source);
  if (on(c, CONTROL_HOST_MOUNTS)) {
    if (list == SOURCES_NONE)
      finding(c, CONTROL_HOST_MOUNTS, UNFIXABLE, ptr, k8s,
              "bind-mounts host path %s (not under controls.host-mounts."
              "allowedSources or readOnlySources)", source);
    else if (resolved && source_list_of(c->policy, real) != list)
      finding(c, CONTROL_HOST_MOUNTS, UNFIXABLE, ptr, k8s,
              "bind source %s resolves to host path %s", source, real);
    else if (list == SOURCES_READ_ONLY)
      check_ro_bind(c, ptr, source, options);
  }
  if (on(c, CONTROL_RUNTIME_SOCKETS)) {
    const struct strlist *socks = &c->policy->sockets;
    for (size_t i = 0; i < socks->count; i++)
      if (path_has_prefix(socks->items[i], canon) ||
          (resolved && path_has_prefix(socks->items[i], real))) {
        finding(c, CONTROL_RUNTIME_SOCKETS, UNFIXABLE, ptr, k8s,
                "exposes the runtime socket %s", socks->items[i]);
        return;
      }
    /* A socket the admin names itself as a read-only source (a driver's
     * daemon, not a runtime) is the one exception. */
    if (strlist_has(&c->policy->ro_sources, canon) &&
        (!resolved || strcmp(real, canon) == 0))
      return;
    size_t n = strlen(canon);
    if ((resolved && S_ISSOCK(f->mode)) ||
        (n > 5 && strcmp(canon + n - 5, ".sock") == 0))
      finding(c, CONTROL_RUNTIME_SOCKETS, UNFIXABLE, ptr, k8s,
              "bind-mounts the socket %s", source);
  }
}

/* The host's /sys, read-only, at /sys, for a container in a user
 * namespace: hardening's stand-in for a sysfs mount the kernel refuses
 * there (the joined network namespace belongs to another user namespace).
 * Its user namespace leaves the container nobody in there. */
static bool is_userns_sysfs(const struct ctx *c, const struct jnode *m) {
  const char *source = jv_str(jv_get(m, "source"));
  const char *dest = jv_str(jv_get(m, "destination"));
  const struct jnode *options = jv_get(m, "options");
  return user_ns_entry(c->root, NULL) && source && dest && strcmp(source, "/sys") == 0 &&
         strcmp(dest, "/sys") == 0 && mount_is_ro(options) &&
         jv_has_string(options, "nosuid") && jv_has_string(options, "nodev") &&
         jv_has_string(options, "noexec");
}

/* Whether two id map lists are the same ranges in the same order. */
static bool maps_equal(const struct jnode *a, const struct jnode *b) {
  if (jv_count(a) != jv_count(b))
    return false;
  for (const struct jnode *x = jv_first(a), *y = jv_first(b); x && y;
       x = jv_next(a, x), y = jv_next(b, y)) {
    shim_idmap p = idmap_read(x), q = idmap_read(y);
    if (p.container_id != q.container_id || p.host_id != q.host_id || p.size != q.size)
      return false;
  }
  return true;
}

/* An idmapped mount (containerd 2.x writes them for a pod's volumes with
 * hostUsers: false) shows its files as the container's own only with the
 * container's own maps; any other would hand the container files of host
 * ids it does not hold. */
static void check_mount_idmap(struct ctx *c, const char *pointer, const struct jnode *m) {
  const struct jnode *linux_ = jv_get(c->root, "linux");
  for (size_t k = 0; k < ARRAY_SIZE(idmap_lists); k++) {
    const struct jnode *mine = jv_get(m, idmap_lists[k]);
    if (mine && !maps_equal(mine, jv_get(linux_, idmap_lists[k])))
      finding(c, CONTROL_USER_NAMESPACE, UNFIXABLE, pointer, "hostUsers: false",
              "an idmapped mount whose %s are not the container's own "
              "(/linux/%s)", idmap_lists[k], idmap_lists[k]);
  }
}

static void check_mounts(struct ctx *c) {
  struct jptr p = {0};
  jptr_push_key(&p, "mounts");
  size_t i = 0;
  jv_foreach_i(jv_get(c->root, "mounts"), i, m) {
    size_t mark = jptr_push_index(&p, i);
    const char *type = jv_str(jv_get(m, "type"));
    const char *source = jv_str(jv_get(m, "source"));
    const char *dest = jv_str(jv_get(m, "destination"));
    const struct jnode *options = jv_get(m, "options");
    bool recursive;
    bool bind = mount_is_bind(m, &recursive);
    if (bind && is_userns_sysfs(c, m)) {
      /* what shim_harden_userns puts in sysfs's place */
    } else if (bind && loader_mount_is_ours(c->policy, &c->loader, m)) {
      /* the seccomp loader and its filter (check_seccomp judges the form) */
    } else if (bind) {
      check_bind_source(c, p.buf, source ? source : "", options);
    } else if (!is_pseudo_fs(type)) {
      if (on(c, CONTROL_HOST_MOUNTS))
        finding(c, CONTROL_HOST_MOUNTS, UNFIXABLE, p.buf, NULL,
                "mount of file system type \"%s\" from %s can reach host data",
                type ? type : "", source ? source : "?");
    } else if (on(c, CONTROL_KERNEL_FILESYSTEMS)) {
      if ((strcmp(type, "sysfs") == 0 || strncmp(type, "cgroup", 6) == 0) &&
          !mount_is_ro(options))
        /* Kubernetes mounts them writable for privileged: true alone (a
         * privileged pod's sandbox too, on containerd 2.x). */
        finding(c, CONTROL_KERNEL_FILESYSTEMS, UNFIXABLE, p.buf, "privileged: true",
                "%s mounted read-write at %s", type, dest ? dest : "?");
      else if (strcmp(type, "proc") == 0 && (!dest || strcmp(dest, "/proc") != 0))
        finding(c, CONTROL_KERNEL_FILESYSTEMS, UNFIXABLE, p.buf, NULL,
                "a second, unmasked procfs at %s", dest ? dest : "?");
    }
    if (on(c, CONTROL_USER_NAMESPACE))
      check_mount_idmap(c, p.buf, m);
    if (on(c, CONTROL_MOUNT_PROPAGATION) &&
        (jv_has_string(options, "shared") || jv_has_string(options, "rshared")))
      finding(c, CONTROL_MOUNT_PROPAGATION, UNFIXABLE, p.buf,
              "mountPropagation: Bidirectional",
              "shared mount propagation lets mounts reach the host");
    jptr_pop(&p, mark);
  }
  const char *prop = jv_str(jv_get(jv_get(c->root, "linux"), "rootfsPropagation"));
  if (on(c, CONTROL_MOUNT_PROPAGATION) && prop &&
      (strcmp(prop, "shared") == 0 || strcmp(prop, "rshared") == 0))
    finding(c, CONTROL_MOUNT_PROPAGATION, UNFIXABLE, "/linux/rootfsPropagation",
            NULL, "%s root propagation lets mounts reach the host", prop);
}

/* ---- proc-unmasked -------------------------------------------------------- */

static void check_proc_unmasked(struct ctx *c) {
  const struct jnode *linux_ = jv_get(c->root, "linux");
  static const struct {
    const char *field;
    size_t offset;
  } lists[] = {
      {"maskedPaths", offsetof(struct shim_policy, masked_paths)},
      {"readonlyPaths", offsetof(struct shim_policy, readonly_paths)},
  };
  /* Empty lists (procMount: Unmasked, privileged, or a hand-written
   * spec) ask for less than the policy gives: the container gets the
   * policy's, like any other it lacks, in one finding. */
  if (jv_count(jv_get(linux_, "maskedPaths")) == 0 &&
      jv_count(jv_get(linux_, "readonlyPaths")) == 0) {
    finding(c, CONTROL_PROC_UNMASKED, FIXABLE, "/linux/maskedPaths",
            c->privileged ? c->privileged : "procMount: Unmasked",
            "maskedPaths and readonlyPaths are empty (/proc and /sys unmasked): "
            "hardening adds the policy's %zu masked and %zu read-only paths",
            c->policy->masked_paths.count, c->policy->readonly_paths.count);
    return;
  }
  for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
    const struct jnode *have = jv_get(linux_, lists[l].field);
    const struct strlist *want =
        (const struct strlist *)((const char *)c->policy + lists[l].offset);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/linux/%s", lists[l].field);
    for (size_t i = 0; i < want->count; i++)
      if (!have || !jv_has_string(have, want->items[i]))
        finding(c, CONTROL_PROC_UNMASKED, FIXABLE, ptr, NULL,
                "%s lacks %s: hardening adds it", lists[l].field,
                want->items[i]);
  }
}

/* ---- sysctls -------------------------------------------------------------- */

static void check_sysctls(struct ctx *c) {
  struct jptr p = {0};
  jptr_push_key(&p, "linux");
  jptr_push_key(&p, "sysctl");
  jv_foreach(jv_get(jv_get(c->root, "linux"), "sysctl"), v) {
    const char *key = v->key;
    /* runc turns dots into slashes under /proc/sys, so both spellings
     * name the same file: compare in dotted form. */
    char name[256];
    snprintf(name, sizeof name, "%s", key);
    for (char *s = name; *s; s++)
      if (*s == '/')
        *s = '.';
    bool allowed = false;
    for (size_t i = 0; i < c->policy->sysctls.count; i++)
      if (strcmp(c->policy->sysctls.items[i], name) == 0)
        allowed = true;
    if (!allowed) {
      size_t mark = jptr_push_key(&p, key);
      char k8s[300];
      snprintf(k8s, sizeof k8s, "securityContext.sysctls: %s", key);
      finding(c, CONTROL_SYSCTLS, UNFIXABLE, p.buf, k8s,
              "sysctl %s is not in the allowed (namespaced, safe) set", key);
      jptr_pop(&p, mark);
    }
  }
}

/* ---- hooks ---------------------------------------------------------------- */

/* Hooks run host programs (most as host root): only those the admin lists
 * (hooks.c judges them). */
static void check_hooks(struct ctx *c) {
  struct jptr p = {0};
  jptr_push_key(&p, "hooks");
  jv_foreach(jv_get(c->root, "hooks"), list) {
    const char *stage = list->key;
    bool runtime_stage = strcmp(stage, "createRuntime") == 0;
    size_t smark = jptr_push_key(&p, stage);
    size_t i = 0;
    jv_foreach_i(list, i, hook) {
      /* The runtime's own metadata block, added by hardening. */
      if (runtime_stage && is_metadata_hook(c->policy, hook))
        continue;
      char why[PATH_MAX + 256];
      if (hook_judge(&c->policy->hooks, c->spec, stage, hook, why, sizeof why) == 0)
        continue;
      size_t mark = jptr_push_index(&p, i);
      finding(c, CONTROL_HOOKS, UNFIXABLE, p.buf, NULL, "%s hook %s: %s", stage,
              jv_str(jv_get(hook, "path")) ? jv_str(jv_get(hook, "path")) : "?", why);
      jptr_pop(&p, mark);
    }
    jptr_pop(&p, smark);
  }
}

/* ---- what the hardening fixes -------------------------------------------- */

static void check_no_new_privileges(struct ctx *c) {
  if (!jv_is_true(jv_get(jv_get(c->root, "process"), "noNewPrivileges")))
    finding(c, CONTROL_NO_NEW_PRIVILEGES, FIXABLE, "/process/noNewPrivileges",
            "allowPrivilegeEscalation: true or unset",
            "no_new_privs is off: setuid binaries can gain privileges; "
            "hardening sets it");
}

/* In the loader's form (loader.c) the profile is the annotation's, and
 * the form must be exact: only a process that starts through the loader
 * (one joining the container) is for hardening to fix. */
static void check_seccomp(struct ctx *c) {
  const struct jnode *seccomp = jv_get(jv_get(c->root, "linux"), "seccomp");
  const char *pointer = "/linux/seccomp";
  _cleanup_(jtree_free) struct jtree annotated = {0};
  if (loader_named(c->root)) {
    char why[512];
    shim_error e;
    enum loader_fault fault = loader_check(c->policy, c->root, &c->loader, why, sizeof why);
    const char *text = c->loader.profile;
    if (fault == LOADER_WRONG) {
      finding(c, CONTROL_SECCOMP, UNFIXABLE, "/process/args", NULL, "%s", why);
      return;
    }
    if (fault == LOADER_UNWRAPPED)
      finding(c, CONTROL_SECCOMP, FIXABLE, "/process/args", NULL,
              "%s: hardening starts it through the loader", why);
    pointer = "/annotations/" SHIM_SECCOMP_ANNOTATION;
    if (jtree_parse(text, strlen(text), &annotated, &e) < 0) {
      finding(c, CONTROL_SECCOMP, UNFIXABLE, pointer, NULL,
              "the loader's profile is not JSON: %s", e.message);
      return;
    }
    seccomp = annotated.nodes;
  }
  const char *def = jv_str(jv_get(seccomp, "defaultAction"));
  char at[128];
  snprintf(at, sizeof at, "%s/defaultAction", pointer);
  if (!seccomp)
    finding(c, CONTROL_SECCOMP, FIXABLE, pointer, "seccompProfile: Unconfined",
            "no seccomp profile: hardening applies the sandbox profile");
  else if (!def || strcmp(def, "SCMP_ACT_ALLOW") == 0 || strcmp(def, "SCMP_ACT_LOG") == 0)
    finding(c, CONTROL_SECCOMP, FIXABLE, at, "seccompProfile: Unconfined",
            "seccomp profile allows every syscall it does not list: "
            "hardening applies the sandbox profile");
}

static void check_apparmor(struct ctx *c) {
  const char *profile = jv_str(jv_get(jv_get(c->root, "process"), "apparmorProfile"));
  const char *want = c->policy->apparmor_profile;
  if (profile && strcmp(profile, "unconfined") == 0) {
    if (want && *want)
      finding(c, CONTROL_APPARMOR, FIXABLE, "/process/apparmorProfile",
              "appArmorProfile: Unconfined",
              "AppArmor unconfined: hardening applies %s", want);
    else
      finding(c, CONTROL_APPARMOR, NOTE, "/process/apparmorProfile",
              "appArmorProfile: Unconfined",
              "AppArmor unconfined, and the policy names no profile to apply "
              "(controls.apparmor.profile)");
  }
}

/* Under a runtime that can block them (shim_policy_set_runtime), the
 * metadata addresses must be unreachable from the container's network
 * namespace: the runtime's hook does it.  Without one there is nothing to
 * say: the library cannot act on a namespace. */
static void check_metadata_server(struct ctx *c) {
  if (!c->policy->runtime || !c->policy->metadata.count)
    return;
  bool netns = false, hooked = false;
  jv_foreach(jv_get(jv_get(c->root, "linux"), "namespaces"), ns) {
    const char *type = jv_str(jv_get(ns, "type"));
    netns |= type && strcmp(type, "network") == 0;
  }
  jv_foreach(jv_get(jv_get(c->root, "hooks"), "createRuntime"), hook) {
    hooked |= is_metadata_hook(c->policy, hook);
  }
  if (netns && !hooked)
    finding(c, CONTROL_METADATA_SERVER, FIXABLE, "/hooks/createRuntime", NULL,
            "the cloud metadata server (%s) is reachable: hardening blocks it "
            "in the container's network namespace", c->policy->metadata.items[0]);
}

/* Each limit the policy names must be set, and no higher than its. */
static void check_rlimits(struct ctx *c) {
  const struct jnode *have = jv_get(jv_get(c->root, "process"), "rlimits");
  for (size_t i = 0; i < c->policy->rlimit_count; i++) {
    const struct rlimit_setting *want = &c->policy->rlimits[i];
    const struct jnode *found = NULL;
    jv_foreach(have, r) {
      const char *type = jv_str(jv_get(r, "type"));
      if (type && strcmp(type, want->type) == 0)
        found = r;
    }
    /* The schema keeps these within int64 (>= 0 for uint64 fields). */
    if (!found || (uint64_t)jv_int(jv_get(found, "soft")) > want->soft ||
        (uint64_t)jv_int(jv_get(found, "hard")) > want->hard)
      finding(c, CONTROL_RLIMITS, FIXABLE, "/process/rlimits", NULL,
              "%s is %s the policy's (soft %llu, hard %llu): hardening sets it",
              want->type, found ? "above" : "not set to",
              (unsigned long long)want->soft, (unsigned long long)want->hard);
  }
}

bool unified_pids_max_ok(const char *value) {
  size_t n = strspn(value, "0123456789");
  return n > 0 && n <= 18 && !value[n] && strspn(value, "0") < n;
}

static void check_pids_limit(struct ctx *c) {
  const struct jnode *resources = jv_get(jv_get(c->root, "linux"), "resources");
  const struct jnode *limit = jv_get(jv_get(resources, "pids"), "limit");
  if (!limit || jv_int(limit) <= 0)
    finding(c, CONTROL_PIDS_LIMIT, FIXABLE, "/linux/resources/pids",
            NULL, "no pids limit: hardening sets %lld",
            (long long)c->policy->pids_default);
  /* cgroup v2's own file, written after pids.limit: it has the last word. */
  const char *max = jv_str(jv_get(jv_get(resources, "unified"), "pids.max"));
  if (max && !unified_pids_max_ok(max))
    finding(c, CONTROL_PIDS_LIMIT, FIXABLE, "/linux/resources/unified/pids.max", NULL,
            "unified pids.max \"%s\" lifts the pids limit: hardening removes it", max);
}

/* ---- driver ----------------------------------------------------------------- */

static const struct {
  enum control control;
  void (*run)(struct ctx *c);
} checks[] = {
    {CONTROL_HOST_NAMESPACES, check_host_namespaces},
    {CONTROL_CAPABILITIES, check_capabilities},
    {CONTROL_RUN_AS_ROOT, check_run_as_root},
    {CONTROL_USER_NAMESPACE, check_user_namespace},
    {CONTROL_HOST_DEVICES, check_host_devices},
    {CONTROL_PROC_UNMASKED, check_proc_unmasked},
    {CONTROL_SYSCTLS, check_sysctls},
    {CONTROL_HOOKS, check_hooks},
    {CONTROL_NO_NEW_PRIVILEGES, check_no_new_privileges},
    {CONTROL_SECCOMP, check_seccomp},
    {CONTROL_APPARMOR, check_apparmor},
    {CONTROL_PIDS_LIMIT, check_pids_limit},
    {CONTROL_RLIMITS, check_rlimits},
    {CONTROL_METADATA_SERVER, check_metadata_server},
};

/* True when the bounding set holds what only privileged containers get:
 * runtimes give them every capability they themselves hold (which can be
 * fewer than the kernel knows), so look for the unmistakable ones. */
static bool looks_privileged(const struct jnode *root) {
  static const char *const markers[] = {
      "CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_PTRACE",
      "CAP_SYS_BOOT",  "CAP_NET_ADMIN",  "CAP_MAC_ADMIN", "CAP_SYS_TIME"};
  const struct jnode *bounding = jv_get(jv_get(jv_get(root, "process"), "capabilities"), "bounding");
  for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
    if (!bounding || !jv_has_string(bounding, markers[i]))
      return false;
  return true;
}

int shim_check(const shim_policy *policy, const shim_spec *spec,
               shim_report **out, shim_error *err) {
  if (!policy || !spec || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  struct ctx c = {
      .policy = policy,
      .spec = spec,
      .root = spec->tree.nodes,
      .report = report_new(),
      .privileged = looks_privileged(spec->tree.nodes) ? "privileged: true" : NULL,
  };
  if (!c.report)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  loader_form(policy, c.root, &c.loader);
  for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
    if (on(&c, checks[i].control))
      checks[i].run(&c);
  /* One pass over the mounts serves four controls. */
  check_mounts(&c);
  if (c.ret < 0) {
    shim_report_free(c.report);
    return error_set(err, -c.ret, NULL, "out of memory");
  }
  *out = c.report;
  return 0;
}
