/* Every control, both ways: a clean spec yields no finding, and each
 * mutation yields exactly the finding (control, verdict, pointer, hint) a
 * user should see. */
#include "config.h"
#include "test.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static json_t *strlist_json(const struct strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; i < l->count; i++)
    json_array_append_new(a, json_string(l->items[i]));
  return a;
}

/* A spec every control accepts as it is. */
static json_t *base(void) {
  json_error_t jerr;
  json_t *doc = json_loads(
      "{\"ociVersion\":\"1.1.0\","
      " \"process\":{\"user\":{\"uid\":1000,\"gid\":1000},\"args\":[\"sh\"],"
      "   \"cwd\":\"/\",\"noNewPrivileges\":true,"
      "   \"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
      "     \"effective\":[\"CAP_CHOWN\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"]}},"
      " \"root\":{\"path\":\"rootfs\"},"
      " \"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "   {\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
      "    \"options\":[\"nosuid\",\"rw\",\"ro\"]},"
      "   {\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
      "   {\"destination\":\"/etc/hosts\",\"type\":\"bind\","
      "    \"source\":\"/var/lib/kubelet/pods/uid/etc-hosts\",\"options\":[\"rbind\",\"rprivate\"]}],"
      " \"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
      "   {\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"},"
      "   {\"type\":\"user\"}],"
      "   \"uidMappings\":[{\"containerID\":0,\"hostID\":165536,\"size\":65536}],"
      "   \"gidMappings\":[{\"containerID\":0,\"hostID\":165536,\"size\":65536}],"
      "   \"resources\":{\"pids\":{\"limit\":100},\"devices\":["
      "     {\"allow\":false,\"access\":\"rwm\"},"
      "     {\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
      "     {\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"},"
      "     {\"allow\":true,\"type\":\"b\",\"access\":\"m\"}]},"
      "   \"devices\":[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}],"
      "   \"sysctl\":{\"net.ipv4.tcp_syncookies\":\"1\",\"net/ipv4/ip_unprivileged_port_start\":\"0\"},"
      "   \"rootfsPropagation\":\"rslave\","
      "   \"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}}",
      JSON_REJECT_DUPLICATES, &jerr);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&p, NULL) == 0);
  json_t *linux_ = json_object_get(doc, "linux");
  json_object_set_new(linux_, "maskedPaths", strlist_json(&p->masked_paths));
  json_object_set_new(linux_, "readonlyPaths", strlist_json(&p->readonly_paths));
  shim_policy_free(p);
  return doc;
}

/* The value at a slash-separated path of object keys and array indexes. */
static json_t *at(json_t *doc, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *v = doc;
  for (char *save = NULL, *tok = strtok_r(buf, "/", &save); v && tok;
       tok = strtok_r(NULL, "/", &save))
    v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10))
                         : json_object_get(v, tok);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  return v;
}

static json_t *parse(const char *text) {
  json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v);
  return v;
}

/* Expects exactly one finding of control, with verdict and pointer. */
static const shim_finding *expect_one(shim_report *r, const char *control,
                                      shim_verdict verdict, const char *pointer) {
  size_t n = count_findings(r, control, SHIM_VERDICT_ALLOW, NULL);
  const shim_finding *f = first_finding(r, control);
  if (n != 1 || f->verdict != verdict || strcmp(f->pointer, pointer) != 0) {
    char *text = NULL;
    shim_report_render(r, SHIM_FORMAT_TEXT, &text, NULL);
    fprintf(stderr, "\n  want one %s %s at %s, got:\n%s", control,
            shim_verdict_name(verdict), pointer, text ? text : "");
    free(text);
  }
  CU_ASSERT_EQUAL_FATAL(n, 1);
  CU_ASSERT_EQUAL(f->verdict, verdict);
  CU_ASSERT_STRING_EQUAL(f->pointer, pointer);
  return f;
}

static void expect_clean(shim_report *r) {
  if (shim_report_count(r)) {
    char *text = NULL;
    shim_report_render(r, SHIM_FORMAT_TEXT, &text, NULL);
    fprintf(stderr, "\n  want no finding, got:\n%s", text ? text : "");
    free(text);
  }
  CU_ASSERT_EQUAL(shim_report_count(r), 0);
  CU_ASSERT_EQUAL(shim_report_verdict(r), SHIM_VERDICT_ALLOW);
}

static void test_base_is_clean(void) {
  shim_report *r = check_doc(base(), NULL);
  expect_clean(r);
  shim_report_free(r);
}

/* ---- one change, one finding ---------------------------------------------- */

/* One change to base() and the one finding of its control it must give,
 * as a user sees it (control NULL: no finding at all). */
static const struct change_case {
  const char *op;     /* "set" key at path, "append" to the array at path, "remove" key */
  const char *path;   /* in at()'s form */
  const char *key;    /* set, remove: a member's name or an array's index */
  const char *value;  /* set, append: JSON text */
  const char *policy; /* an overlay of the default; NULL: the default */
  const char *control;
  shim_verdict verdict;
  const char *pointer;
  const char *k8s;     /* the Kubernetes setting named; NULL: not checked */
  const char *message; /* a part of the message; NULL: not checked */
} change_cases[] = {
    /* host-namespaces */
    {"remove", "linux/namespaces", "1", NULL, NULL, "host-namespaces", SHIM_VERDICT_REJECT,
     "/linux/namespaces", "hostNetwork: true", "network"},
    {"remove", "linux/namespaces", "5", NULL, NULL, "host-namespaces", SHIM_VERDICT_HARDEN,
     "/linux/namespaces", NULL, "cgroup"},
    {"append", "linux/namespaces", NULL, "{\"type\":\"pid\"}", NULL, "host-namespaces",
     SHIM_VERDICT_REJECT, "/linux/namespaces/7", NULL, NULL},
    /* capabilities */
    {"append", "process/capabilities/permitted", NULL, "\"CAP_SYS_ADMIN\"", NULL, "capabilities",
     SHIM_VERDICT_REJECT, "/process/capabilities/permitted/2",
     "securityContext.capabilities.add: [SYS_ADMIN]", "CAP_SYS_ADMIN"},
    {"append", "process/capabilities/bounding", NULL, "\"CAP_NET_RAW\"", NULL, "capabilities",
     SHIM_VERDICT_HARDEN, "/process/capabilities/bounding/2", NULL, "CAP_NET_RAW"},
    {"append", "process/capabilities/effective", NULL, "\"CAP_NOPE\"", NULL, "capabilities",
     SHIM_VERDICT_REJECT, "/process/capabilities/effective/1", NULL, "unknown capability"},
    {"append", "process/capabilities/effective", NULL, "\"cap_chown\"", NULL, "capabilities",
     SHIM_VERDICT_REJECT, "/process/capabilities/effective/1", NULL, NULL},
    {"append", "process/capabilities/effective", NULL, "\"CHOWN\"", NULL, "capabilities",
     SHIM_VERDICT_REJECT, "/process/capabilities/effective/1", NULL, NULL},
    {"append", "process/capabilities/effective", NULL, "\"CAP_0\"", NULL, "capabilities",
     SHIM_VERDICT_REJECT, "/process/capabilities/effective/1", NULL, NULL},
    /* run-as-root, user-namespace */
    {"set", "process/user", "uid", "0", NULL, NULL, SHIM_VERDICT_ALLOW, NULL, NULL, NULL},
    {"set", "linux", "uidMappings", "[{\"containerID\":0,\"hostID\":0,\"size\":1}]", NULL,
     "run-as-root", SHIM_VERDICT_REJECT, "/linux/uidMappings", NULL, "host id 0"},
    {"set", "linux", "gidMappings", "[{\"containerID\":0,\"hostID\":1000,\"size\":65536}]", NULL,
     "user-namespace", SHIM_VERDICT_REJECT, "/linux/gidMappings/0", NULL, "outside the pool"},
    /* host-devices */
    {"append", "linux/devices", NULL,
     "{\"path\":\"/dev/nvidia0\",\"type\":\"c\",\"major\":195,\"minor\":0}", NULL,
     "host-devices", SHIM_VERDICT_REJECT, "/linux/devices/1", NULL, "/dev/nvidia0 (c 195:0)"},
    /* a default device's name on another device's numbers */
    {"append", "linux/devices", NULL,
     "{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":1}", NULL, "host-devices",
     SHIM_VERDICT_REJECT, "/linux/devices/1", NULL, NULL},
    /* host-mounts, runtime-sockets, kernel-filesystems */
    {"append", "mounts", NULL,
     "{\"destination\":\"/host\",\"type\":\"bind\",\"source\":\"/\",\"options\":[\"rbind\",\"rw\"]}",
     NULL, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4", "hostPath volume /", NULL},
    /* typed "none" with a bind option is a bind all the same */
    {"append", "mounts", NULL,
     "{\"destination\":\"/x\",\"type\":\"none\",\"source\":\"/etc\",\"options\":[\"bind\"]}",
     NULL, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4", "hostPath volume /etc", NULL},
    {"append", "mounts", NULL, "{\"destination\":\"/data\",\"type\":\"ext4\",\"source\":\"/dev/vda\"}",
     NULL, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4", NULL, NULL},
    {"append", "mounts", NULL, "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}",
     NULL, NULL, SHIM_VERDICT_ALLOW, NULL, NULL, NULL},
#define SOCKET_BIND(src)                                                                 \
  {"append", "mounts", NULL,                                                             \
   "{\"destination\":\"/s\",\"type\":\"bind\",\"source\":\"" src "\",\"options\":[\"ro\"]}", \
   NULL, "runtime-sockets", SHIM_VERDICT_REJECT, "/mounts/4", NULL, NULL}
    SOCKET_BIND("/run/containerd/containerd.sock"),
    SOCKET_BIND("/var/run/docker.sock"),
    SOCKET_BIND("/run/containerd"),
    SOCKET_BIND("/var/lib/kubelet/pod-resources"),
#undef SOCKET_BIND
    {"append", "mounts", NULL,
     "{\"destination\":\"/sys2\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\",\"rw\"]}",
     NULL, "kernel-filesystems", SHIM_VERDICT_REJECT, "/mounts/4", NULL, NULL},
    {"append", "mounts", NULL,
     "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}", NULL,
     "kernel-filesystems", SHIM_VERDICT_REJECT, "/mounts/4", NULL, NULL},
    {"append", "mounts", NULL, "{\"destination\":\"/host-proc\",\"type\":\"proc\",\"source\":\"proc\"}",
     NULL, "kernel-filesystems", SHIM_VERDICT_REJECT, "/mounts/4", NULL, NULL},
    {"append", "mounts", NULL,
     "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\",\"source\":\"cgroup\",\"options\":[\"ro\"]}",
     NULL, NULL, SHIM_VERDICT_ALLOW, NULL, NULL, NULL},
    /* mount-propagation */
    {"set", "linux", "rootfsPropagation", "\"rshared\"", NULL, "mount-propagation",
     SHIM_VERDICT_REJECT, "/linux/rootfsPropagation", NULL, NULL},
    {"append", "mounts/3/options", NULL, "\"rshared\"", NULL, "mount-propagation",
     SHIM_VERDICT_REJECT, "/mounts/3", "mountPropagation: Bidirectional", NULL},
    /* proc-unmasked */
    {"remove", "linux/maskedPaths", "0", NULL, NULL, "proc-unmasked", SHIM_VERDICT_HARDEN,
     "/linux/maskedPaths", NULL, NULL},
    /* sysctls: outside the allowed list, or a name that is no sysctl's */
#define SYSCTL(key, pointer)                                                            \
  {"set", "linux/sysctl", key, "\"1\"", NULL, "sysctls", SHIM_VERDICT_REJECT, pointer,   \
   "securityContext.sysctls: " key, NULL}
    SYSCTL("kernel.msgmax", "/linux/sysctl/kernel.msgmax"),
    SYSCTL("net.ipv4.ip_forward", "/linux/sysctl/net.ipv4.ip_forward"),
    SYSCTL("net.ipv4..tcp_syncookies", "/linux/sysctl/net.ipv4..tcp_syncookies"),
    SYSCTL("kernel/shm_rmid_forced/", "/linux/sysctl/kernel~1shm_rmid_forced~1"),
#undef SYSCTL
};

static void apply_change(json_t *doc, const struct change_case *c) {
  json_t *v = at(doc, c->path);
  int ret;
  if (strcmp(c->op, "append") == 0)
    ret = json_array_append_new(v, parse(c->value));
  else if (strcmp(c->op, "set") == 0 && json_is_array(v))
    ret = json_array_set_new(v, strtoul(c->key, NULL, 10), parse(c->value));
  else if (strcmp(c->op, "set") == 0)
    ret = json_object_set_new(v, c->key, parse(c->value));
  else if (json_is_array(v))
    ret = json_array_remove(v, strtoul(c->key, NULL, 10));
  else
    ret = json_object_del(v, c->key);
  CU_ASSERT_EQUAL_FATAL(ret, 0);
}

static void test_one_change(void) {
  for (size_t i = 0; i < ARRAY_SIZE(change_cases); i++) {
    const struct change_case *c = &change_cases[i];
    json_t *doc = base();
    apply_change(doc, c);
    shim_policy *policy = NULL;
    if (c->policy)
      CU_ASSERT_FATAL(shim_policy_load_data(c->policy, strlen(c->policy), &policy, NULL) == 0);
    shim_report *r = check_doc(doc, policy);
    if (!c->control) {
      expect_clean(r);
    } else {
      const shim_finding *f = expect_one(r, c->control, c->verdict, c->pointer);
      const char *k8s = f->k8s ? f->k8s : "";
      if (c->k8s && strcmp(k8s, c->k8s) != 0)
        fprintf(stderr, "\n  row %zu: want Kubernetes setting \"%s\", got \"%s\"\n", i,
                c->k8s, k8s);
      CU_ASSERT_STRING_EQUAL(k8s, c->k8s ? c->k8s : k8s);
      if (c->message && !strstr(f->message, c->message))
        fprintf(stderr, "\n  row %zu: want \"%s\" in: %s\n", i, c->message, f->message);
      CU_ASSERT_PTR_NOT_NULL(strstr(f->message, c->message ? c->message : ""));
    }
    shim_report_free(r);
    shim_policy_free(policy);
  }
}

/* ---- host-namespaces ---- */

static void test_ns_all_missing(void) {
  json_t *doc = base();
  json_object_del(at(doc, "linux"), "namespaces");
  shim_report *r = check_doc(doc, NULL);
  /* network, uts, pid, ipc, mount rejected; cgroup hardened */
  CU_ASSERT_EQUAL(count_findings(r, "host-namespaces", SHIM_VERDICT_REJECT, NULL), 5);
  CU_ASSERT_EQUAL(count_findings(r, "host-namespaces", SHIM_VERDICT_HARDEN, NULL), 1);
  shim_report_free(r);
}

/* A namespace joined by path, judged by what the host facts say it is:
 * one row a case, the finding expected (NULL: none). */
static void test_ns_paths(void) {
  static const struct {
    const char *type, *path;
    shim_fact fact; /* kind 0: no answer */
    const char *expect, *k8s;
  } rows[] = {
      {"pid", "/proc/77/ns/pid", FACT(NAMESPACE, "/proc/77/ns/pid", .ns_found = 1, .host = 1),
       "joins the host pid namespace", "hostPID: true"},
      {"network", "/proc/77/ns/net", FACT(NAMESPACE, "/proc/77/ns/net", .ns_found = 1, .host = 1),
       "joins the host network namespace", "hostNetwork: true"},
      /* Another process's namespace (a pod's sandbox's): not the host's. */
      {"network", "/proc/78/ns/net", FACT(NAMESPACE, "/proc/78/ns/net", .ns_found = 1), NULL, NULL},
      {"ipc", "/proc/78/ns/ipc", FACT(NAMESPACE, "/proc/78/ns/ipc", .ns_found = 1), NULL, NULL},
      {"network", "/nonexistent/ns", FACT(NAMESPACE, "/nonexistent/ns", .error = ENOENT),
       "cannot be verified: cannot open /nonexistent/ns: No such file", NULL},
      {"network", "/dev/null", FACT(NAMESPACE, "/dev/null"),
       "cannot be verified: /dev/null is not a network namespace", NULL},
      {"network", "/proc/78/ns/pid", FACT(NAMESPACE, "/proc/78/ns/pid"),
       "/proc/78/ns/pid is not a network namespace", NULL},
      {"network", "/proc/78/ns/net", FACT(NAMESPACE, "/proc/78/ns/net", .ns_found = 1, .host = -1),
       "cannot read the host's network namespace", NULL},
      {"network", "/proc/78/ns/net", {0}, "/proc/78/ns/net: no host facts say what it is", NULL},
  };
  for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
    json_t *doc = base();
    size_t k;
    json_t *ns;
    json_array_foreach(at(doc, "linux/namespaces"), k, ns) {
      if (strcmp(json_string_value(json_object_get(ns, "type")), rows[i].type) == 0)
        json_object_set_new(ns, "path", json_string(rows[i].path));
    }
    shim_report *r = check_doc_facts(doc, NULL, &rows[i].fact, rows[i].fact.kind ? 1 : 0);
    const shim_finding *f = first_finding(r, "host-namespaces");
    if (rows[i].expect ? !f || !strstr(f->message, rows[i].expect) : f != NULL)
      fprintf(stderr, "\n  row %zu: want %s, got %s", i,
              rows[i].expect ? rows[i].expect : "nothing", f ? f->message : "nothing");
    if (!rows[i].expect) {
      /* Not the host's: host-namespaces lets it be (whether a user
       * namespace can go with it is user-namespace's question). */
      CU_ASSERT_EQUAL(count_findings(r, "host-namespaces", SHIM_VERDICT_ALLOW, NULL), 0);
    } else {
      CU_ASSERT_EQUAL(count_findings(r, "host-namespaces", SHIM_VERDICT_REJECT, NULL), 1);
      CU_ASSERT(f && strstr(f->message, rows[i].expect) &&
                (rows[i].k8s ? f->k8s && strcmp(f->k8s, rows[i].k8s) == 0 : !f->k8s));
    }
    shim_report_free(r);
  }
}

static void test_ns_without_type(void) {
  json_t *doc = base();
  json_array_append_new(at(doc, "linux/namespaces"), parse("{\"path\":\"/proc/1/ns/net\"}"));
  json_object_set_new(at(doc, "process/user"), "uid", json_integer(0));
  shim_report *r = check_doc(doc, NULL);
  expect_one(r, "host-namespaces", SHIM_VERDICT_REJECT, "/linux/namespaces/7");
  shim_report_free(r);
}

/* ---- capabilities ---- */

static void test_caps_all_is_privileged(void) {
  json_t *doc = base();
  json_t *all = json_array();
  for (int cap = 0; cap < 64; cap++)
    if (capng_capability_to_name((unsigned)cap)) {
      char name[64];
      cap_to_name(cap, name, sizeof name);
      json_array_append_new(all, json_string(name));
    }
  json_object_set_new(at(doc, "process/capabilities"), "bounding", all);
  shim_report *r = check_doc(doc, NULL);
  const shim_finding *f = first_finding(r, "capabilities");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_STRING_EQUAL(f->k8s, "privileged: true");
  CU_ASSERT(count_findings(r, "capabilities", SHIM_VERDICT_REJECT, NULL) >= 13);
  shim_report_free(r);
}

/* ---- run-as-root ---- */

/* Without its user namespace, the container's ids are the host's. */
static json_t *without_userns(void) {
  json_t *doc = base();
  json_array_remove(at(doc, "linux/namespaces"), 6);
  json_object_del(at(doc, "linux"), "uidMappings");
  json_object_del(at(doc, "linux"), "gidMappings");
  return doc;
}

static void test_root_without_userns(void) {
  json_t *doc = without_userns();
  json_object_set_new(at(doc, "process/user"), "uid", json_integer(0));
  shim_report *r = check_doc(json_deep_copy(doc), NULL);
  const shim_finding *f = expect_one(r, "user-namespace", SHIM_VERDICT_HARDEN, "/linux/namespaces");
  CU_ASSERT_STRING_EQUAL(f->k8s, "hostUsers: true");
  CU_ASSERT_EQUAL(count_findings(r, "run-as-root", SHIM_VERDICT_ALLOW, NULL), 0);
  shim_report_free(r);
  /* With user namespaces off, root is host root: run-as-root rejects. */
  const char *off = "{\"version\":1,\"controls\":{\"user-namespace\":{\"mode\":\"off\"}}}";
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(off, strlen(off), &p, NULL) == 0);
  r = check_doc(doc, p);
  expect_one(r, "run-as-root", SHIM_VERDICT_REJECT, "/process/user");
  shim_report_free(r);
  shim_policy_free(p);
}

/* A joined user namespace, judged by the facts the caller found on the
 * host: one row a case, the message part expected (NULL: allowed). */
static void test_userns_joined(void) {
  enum { POD = 1 << 0, NO_FACTS = 1 << 1, KUBELET_IDS = 1 << 2 };
  /* The pinned user namespace's maps: uid and gid ranges, host ids, sizes. */
#define PINNED(ur, gr, uh, us, gh, gs)                                                   \
  FACT(NAMESPACE, "/run/pinned/user", .ns_found = 1, .ns_id = 7, .maps_read = 1,         \
       .uid_ranges = ur, .gid_ranges = gr, .uid = {0, uh, us}, .gid = {0, gh, gs})
  static const struct {
    const char *name;
    int flags;
    shim_fact facts;
    unsigned spec_host; /* the spec's own uid/gidMappings; 0: none */
    const char *expect;
  } rows[] = {
      {"no facts", POD | NO_FACTS, {0}, 0, "no host facts say what it is"},
      {"not a user namespace", POD, FACT(NAMESPACE, "/run/pinned/user"), 0,
       "/run/pinned/user is not a user namespace"},
      {"its maps unread", POD, FACT(NAMESPACE, "/run/pinned/user", .ns_found = 1), 0,
       "its uid_map and gid_map cannot be read"},
      {"a pod's, from the kubelet", POD, PINNED(1, 1, 1073741824, 65536, 1073741824, 65536),
       1073741824, NULL},
      {"a pod's, no mappings in the spec", POD,
       PINNED(1, 1, 1073741824, 65536, 1073741824, 65536), 0, NULL},
      {"outside the pool, not a pod", 0, PINNED(1, 1, 1073741824, 65536, 1073741824, 65536),
       0, "lie outside the pool"},
      {"shimrun's own range (pool)", 0, PINNED(1, 1, 165536, 65536, 165536, 65536), 0, NULL},
      {"host root", POD, PINNED(1, 1, 0, 65536, 0, 65536), 0, "to host id 0 (host root)"},
      {"the node's own ids", POD, PINNED(1, 1, 1000, 65536, 1000, 65536), 0, "never a pod's"},
      {"shorter than a pod's", POD, PINNED(1, 1, 1073741824, 1000, 1073741824, 1000), 0,
       "fewer than the 65536 of a pod"},
      {"overlaps the pool", POD, PINNED(1, 1, 99000, 65536, 99000, 65536), 0,
       "overlap the pool"},
      {"a pod inside the pool", POD, PINNED(1, 1, 165536, 65536, 165536, 65536), 0,
       "overlap the pool"},
      {"the host's own", 0, PINNED(1, 1, 0, 4294967295u, 0, 4294967295u), 0,
       "overlap the pool"},
      {"in several pieces", POD, PINNED(2, 1, 1073741824, 65536, 1073741824, 65536), 0,
       "hold 2 and 1 ranges"},
      {"uids and gids differ", POD, PINNED(1, 1, 1073741824, 65536, 2147483648, 65536), 0,
       "not one and the same range"},
      {"the spec says other ids", POD, PINNED(1, 1, 1073741824, 65536, 1073741824, 65536),
       2147483648, "differ from its maps"},
      {"outside the kubelet's ids", POD | KUBELET_IDS,
       PINNED(1, 1, 1073741824, 65536, 1073741824, 65536), 0, "outside the kubelet's"},
      {"inside the kubelet's ids", POD | KUBELET_IDS,
       PINNED(1, 1, 2147549184, 65536, 2147549184, 65536), 0, NULL},
  };
#undef PINNED
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_t *doc = base();
    json_t *linux_ = at(doc, "linux");
    json_object_set_new(json_array_get(at(doc, "linux/namespaces"), 6), "path",
                        json_string("/run/pinned/user"));
    json_object_del(linux_, "uidMappings");
    json_object_del(linux_, "gidMappings");
    if (rows[i].spec_host) {
      json_t *maps = json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                               (json_int_t)rows[i].spec_host, "size", 65536);
      json_object_set(linux_, "uidMappings", maps);
      json_object_set_new(linux_, "gidMappings", maps);
    }
    if (rows[i].flags & POD)
      json_object_set_new(doc, "annotations",
                          json_pack("{s:s}", "io.kubernetes.cri.container-type", "sandbox"));
    shim_policy *p = NULL;
    const char *kubelet = "{\"version\":1,\"controls\":{\"user-namespace\":"
                          "{\"kubeletIDStart\":2147483648,\"kubeletIDs\":6553600}}}";
    CU_ASSERT_FATAL(rows[i].flags & KUBELET_IDS
                        ? shim_policy_load_data(kubelet, strlen(kubelet), &p, NULL) == 0
                        : shim_policy_load_default(&p, NULL) == 0);
    shim_report *r = check_doc_facts(doc, p, &rows[i].facts, rows[i].flags & NO_FACTS ? 0 : 1);
    const shim_finding *f = first_finding(r, "user-namespace");
    if (rows[i].expect ? !f || !strstr(f->message, rows[i].expect) : f != NULL)
      fprintf(stderr, "\n  %s: want %s, got %s", rows[i].name,
              rows[i].expect ? rows[i].expect : "no finding", f ? f->message : "none");
    if (rows[i].expect) {
      CU_ASSERT_PTR_NOT_NULL(f);
      CU_ASSERT(f && f->verdict == SHIM_VERDICT_REJECT &&
                strcmp(f->pointer, "/linux/namespaces/6") == 0 &&
                strstr(f->message, rows[i].expect));
    } else {
      CU_ASSERT_PTR_NULL(f);
    }
    shim_report_free(r);
    shim_policy_free(p);
  }
}

/* A pod that does not ask for a user namespace (hostUsers: true): what the
 * checks say and what shim_userns_plan gives, by what the delegate can do
 * and user-namespace.pods.  One row a case. */
static void test_userns_pods(void) {
  enum { SANDBOX, CONTAINER };
  /* The sandbox's user namespace, which its containers join by its pid. */
  static const shim_fact pool = FACT(NAMESPACE, "/proc/4242/ns/user", .ns_found = 1, .ns_id = 9,
                                     .maps_read = 1, .uid_ranges = 1, .gid_ranges = 1,
                                     .uid = {0, 165536, 65536}, .gid = {0, 165536, 65536});
  static const shim_fact host = FACT(NAMESPACE, "/proc/4242/ns/user", .ns_found = 1, .ns_id = 9,
                                     .maps_read = 1, .uid_ranges = 1, .gid_ranges = 1,
                                     .uid = {0, 0, 4294967295u}, .gid = {0, 0, 4294967295u});
  static const struct {
    const char *name;
    int type;
    const char *delegate; /* NULL: never told */
    unsigned features;
    const char *pods;     /* user-namespace.pods; NULL: the default */
    const shim_fact *facts; /* of the sandbox's (the /proc/PID/ns paths') */
    shim_verdict verdict;
    const char *expect;
    int plan; /* shim_userns_plan's, -1: rejected */
  } rows[] = {
      {"delegate unknown", SANDBOX, NULL, 0, NULL, NULL, SHIM_VERDICT_WARN,
       "the delegate (unknown) cannot join", SHIM_USERNS_NONE},
      {"runc 1.1", SANDBOX, "runc 1.1.5", 0, NULL, NULL, SHIM_VERDICT_WARN,
       "the delegate (runc 1.1.5) cannot join the pod's network namespace", SHIM_USERNS_NONE},
      {"runc 1.1, required", SANDBOX, "runc 1.1.5", 0, "require", NULL, SHIM_VERDICT_REJECT,
       "user-namespace.pods is \"require\"", SHIM_USERNS_NONE},
      {"runc 1.3, never", SANDBOX, "runc 1.3.6", SHIM_DELEGATE_POD_USERNS, "never", NULL,
       SHIM_VERDICT_WARN, "user-namespace.pods is \"never\"", SHIM_USERNS_NONE},
      {"runc 1.3: the sandbox", SANDBOX, "runc 1.3.6", SHIM_DELEGATE_POD_USERNS, NULL, NULL,
       SHIM_VERDICT_HARDEN, "gives the pod's sandbox a range of the pool", SHIM_USERNS_NEW},
      {"runc 1.3: a container", CONTAINER, "runc 1.3.6", SHIM_DELEGATE_POD_USERNS, NULL, &pool,
       SHIM_VERDICT_HARDEN, "joins it to its sandbox's (host ids 165536..231071)",
       SHIM_USERNS_JOIN},
      {"runc 1.3: a container, the sandbox in the host's", CONTAINER, "runc 1.3.6",
       SHIM_DELEGATE_POD_USERNS, NULL, &host, SHIM_VERDICT_REJECT,
       "its pod sandbox is in no user namespace of the pool", -1},
      {"runc 1.3: a container, no facts", CONTAINER, "runc 1.3.6", SHIM_DELEGATE_POD_USERNS,
       NULL, NULL, SHIM_VERDICT_REJECT, "no host facts say what it is", -1},
      {"runc 1.1: a container", CONTAINER, "runc 1.1.5", 0, NULL, &pool, SHIM_VERDICT_WARN,
       "runc 1.1.5", SHIM_USERNS_NONE},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_t *doc = base();
    json_t *linux_ = at(doc, "linux");
    json_array_remove(at(doc, "linux/namespaces"), 6);
    json_object_del(linux_, "uidMappings");
    json_object_del(linux_, "gidMappings");
    json_object_set_new(json_array_get(at(doc, "linux/namespaces"), 1), "path",
                        json_string("/var/run/netns/cni-1"));
    if (rows[i].type == CONTAINER) /* CRI joins the sandbox's by its pid */
      json_object_set_new(json_array_get(at(doc, "linux/namespaces"), 2), "path",
                          json_string("/proc/4242/ns/ipc"));
    json_object_set_new(doc, "annotations",
                        json_pack("{s:s}", "io.kubernetes.cri.container-type",
                                  rows[i].type == SANDBOX ? "sandbox" : "container"));
    char policy_text[160];
    snprintf(policy_text, sizeof policy_text,
             "{\"version\":1,\"controls\":{\"user-namespace\":{\"pods\":\"%s\"}}}",
             rows[i].pods ? rows[i].pods : "auto");
    shim_policy *p = NULL;
    CU_ASSERT_FATAL(shim_policy_load_data(policy_text, strlen(policy_text), &p, NULL) == 0);
    if (rows[i].delegate)
      CU_ASSERT_FATAL(shim_policy_set_delegate(p, rows[i].delegate, rows[i].features, NULL) == 0);
    char *text = json_dumps(doc, JSON_COMPACT);
    shim_spec *spec = NULL;
    CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &spec, NULL) == 0);
    char path[64];
    int joined = shim_userns_joined_path(p, spec, path, sizeof path);
    /* Facts are looked for where pods get user namespaces only. */
    CU_ASSERT_EQUAL(joined, rows[i].type == CONTAINER && rows[i].features && !rows[i].pods ? 2 : 0);
    CU_ASSERT(joined != 2 || strcmp(path, "/proc/4242/ns/user") == 0);
    answer_questions(p, spec, rows[i].facts, rows[i].facts ? 1 : 0);
    shim_report *r = check_doc_facts(doc, p, rows[i].facts, rows[i].facts ? 1 : 0);
    const shim_finding *f = first_finding(r, "user-namespace");
    if (!f || f->verdict != rows[i].verdict || !strstr(f->message, rows[i].expect))
      fprintf(stderr, "\n  %s: want %s, got %s", rows[i].name, rows[i].expect,
              f ? f->message : "none");
    CU_ASSERT(f && f->verdict == rows[i].verdict && strstr(f->message, rows[i].expect) &&
              strcmp(f->pointer, "/linux/namespaces") == 0 &&
              strcmp(f->k8s, "hostUsers: true") == 0);
    shim_userns ns;
    shim_error err;
    int plan = shim_userns_plan(p, spec, &ns, &err);
    CU_ASSERT_EQUAL(plan, rows[i].plan < 0 ? -SHIM_ERR_REJECTED : rows[i].plan);
    CU_ASSERT(plan != SHIM_USERNS_JOIN ||
              (ns.host_id == 165536 && strcmp(ns.join, "/proc/4242/ns/user") == 0));
    shim_report_free(r);
    shim_spec_free(spec);
    shim_policy_free(p);
    free(text);
  }
}

/* Changes of control whose pointer starts with prefix. */
static size_t count_changes_at(const shim_report *r, const char *control, const char *prefix) {
  size_t n = 0;
  for (size_t i = 0; i < shim_report_change_count(r); i++) {
    const shim_finding *c = shim_report_change_get(r, i);
    n += strcmp(c->control, control) == 0 && strncmp(c->pointer, prefix, strlen(prefix)) == 0;
  }
  return n;
}

/* A container the runtime puts in a user namespace while it joins its
 * network namespace by path: the namespace's sysctls and sysfs are left to
 * the host (shim_userns_net_sysctl, a read-only bind of /sys). */
static void test_userns_joined_netns(void) {
  const char *netns_path = "/proc/4242/ns/net";
  const shim_fact pod_netns = FACT(NAMESPACE, "/proc/4242/ns/net", .ns_found = 1);
  for (int joined = 0; joined <= 1; joined++) {
    json_t *doc = base();
    json_object_set_new(at(doc, "linux/sysctl"), "kernel.shm_rmid_forced", json_string("1"));
    if (joined)
      json_object_set_new(at(doc, "linux/namespaces/1"), "path", json_string(netns_path));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    shim_spec *spec = NULL;
    shim_policy *p = NULL;
    CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &spec, NULL) == 0);
    CU_ASSERT_FATAL(shim_policy_load_default(&p, NULL) == 0);
    answer_questions(p, spec, &pod_netns, 1);
    const char *netns = NULL, *key = NULL, *value = NULL;
    size_t n = 0;
    while (shim_userns_net_sysctl(spec, n, &netns, &key, &value) == 1) {
      CU_ASSERT_STRING_EQUAL(netns, netns_path);
      CU_ASSERT(strcmp(key, "kernel.shm_rmid_forced") != 0);
      n++;
    }
    CU_ASSERT_EQUAL(n, joined ? 2 : 0);
    shim_userns ns = {.host_id = 165536, .size = 65536};
    char *out = NULL;
    shim_report *r = NULL;
    shim_error err;
    CU_ASSERT_FATAL(shim_harden_userns(p, spec, &ns, &out, &r, &err) == 0);
    json_t *hardened = json_loads(out, 0, NULL);
    json_t *sysctl = at(hardened, "linux/sysctl");
    CU_ASSERT_EQUAL(json_object_size(sysctl), joined ? 1 : 3);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(sysctl, "kernel.shm_rmid_forced"));
    CU_ASSERT_STRING_EQUAL(json_string_value(at(hardened, "mounts/1/type")),
                           joined ? "bind" : "sysfs");
    CU_ASSERT_EQUAL(count_changes_at(r, "user-namespace", "/linux/sysctl/net~1ipv4~1"),
                    joined ? 1 : 0);
    json_decref(hardened);
    free(out);
    free(text);
    shim_report_free(r);
    shim_spec_free(spec);
    shim_policy_free(p);
  }
  /* An unknown choice for pods is no policy. */
  const char *bad = "{\"version\":1,\"controls\":{\"user-namespace\":{\"pods\":\"sometimes\"}}}";
  shim_policy *p = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_policy_load_data(bad, strlen(bad), &p, &err), -SHIM_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/user-namespace/pods");
}

/* A pod's idmapped volume carries the pod's own maps, no other. */
static void test_userns_mount_idmap(void) {
  static const struct {
    const char *maps; /* the volume's uidMappings and gidMappings */
    bool allowed;
  } rows[] = {
      {"[{\"containerID\":0,\"hostID\":165536,\"size\":65536}]", true},
      {"[{\"containerID\":0,\"hostID\":0,\"size\":65536}]", false},
      {"[{\"containerID\":0,\"hostID\":231072,\"size\":65536}]", false},
      {"[{\"containerID\":0,\"hostID\":165536,\"size\":1000},"
       "{\"containerID\":1000,\"hostID\":166536,\"size\":64536}]", false},
      {"[]", false},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_t *doc = base();
    json_t *vol = json_array_get(at(doc, "mounts"), 3);
    json_object_set_new(vol, "uidMappings", parse(rows[i].maps));
    json_object_set_new(vol, "gidMappings", parse(rows[i].maps));
    shim_report *r = check_doc(doc, NULL);
    if (rows[i].allowed) {
      expect_clean(r);
    } else {
      CU_ASSERT_EQUAL(count_findings(r, "user-namespace", SHIM_VERDICT_REJECT, "/mounts/3"), 2);
    }
    shim_report_free(r);
  }
}

/* The kubelet's ids and the pool never meet: not from the policy, not
 * from the node's /etc/subuid. */
static void test_userns_kubelet_ids(void) {
  const char *over = "{\"version\":1,\"controls\":{\"user-namespace\":"
                     "{\"kubeletIDStart\":65536,\"kubeletIDs\":65536000}}}";
  shim_policy *p = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_policy_load_data(over, strlen(over), &p, &err), -SHIM_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "overlap the pool"));
  CU_ASSERT_FATAL(shim_policy_load_default(&p, NULL) == 0);
  CU_ASSERT_EQUAL(shim_policy_set_kubelet_ids(p, 65536, 65536000, &err), -SHIM_ERR_SCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "/etc/subuid"));
  CU_ASSERT_EQUAL(shim_policy_set_kubelet_ids(p, 1u << 30, 65536u * 1000, &err), 0);
  shim_policy_free(p);
}

static void test_userns_pool_settings(void) {
  const char *over = "{\"version\":1,\"controls\":{\"user-namespace\":"
                     "{\"hostIDStart\":4294000000,\"ranges\":1024}}}";
  shim_policy *p = NULL;
  shim_error err;
  CU_ASSERT_EQUAL(shim_policy_load_data(over, strlen(over), &p, &err), -SHIM_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/user-namespace");
}

/* The host's /sys bound read-only stands in for sysfs in a user
 * namespace only. */
static void test_userns_sysfs(void) {
  const char *sys = "{\"destination\":\"/sys\",\"type\":\"bind\",\"source\":\"/sys\","
                    "\"options\":[\"rbind\",\"ro\",\"nosuid\",\"nodev\",\"noexec\"]}";
  json_t *doc = base();
  json_array_set_new(at(doc, "mounts"), 1, parse(sys));
  shim_report *r = check_doc(doc, NULL);
  expect_clean(r);
  shim_report_free(r);
  doc = without_userns();
  json_array_set_new(at(doc, "mounts"), 1, parse(sys));
  r = check_doc(doc, NULL);
  expect_one(r, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/1");
  shim_report_free(r);
}

/* ---- host-devices ---- */

static void test_device_rules(void) {
  static const struct {
    const char *rule;
    bool rejected;
  } rules[] = {
      {"{\"allow\":true,\"access\":\"rwm\"}", true},
      {"{\"allow\":true,\"type\":\"a\",\"access\":\"rw\"}", true},
      {"{\"allow\":true,\"type\":\"c\",\"access\":\"r\"}", true},
      {"{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"rw\"}", true},
      {"{\"allow\":true,\"type\":\"c\",\"major\":195,\"access\":\"rw\"}", true},
      {"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5}", false},
      {"{\"allow\":true,\"type\":\"c\",\"access\":\"m\"}", false},
      {"{\"allow\":false,\"type\":\"a\",\"access\":\"rwm\"}", false},
  };
  for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
    json_t *doc = base();
    json_array_append_new(at(doc, "linux/resources/devices"), parse(rules[i].rule));
    shim_report *r = check_doc(doc, NULL);
    if (rules[i].rejected)
      expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/resources/devices/4");
    else
      expect_clean(r);
    shim_report_free(r);
  }
}


/* ---- host-devices: admin-listed nodes ---- */

static shim_policy *load_policy(const char *doc) {
  shim_policy *p = NULL;
  shim_error err;
  int ret = shim_policy_load_data(doc, strlen(doc), &p, &err);
  if (ret < 0)
    fprintf(stderr, "\npolicy: %s: %s\n", err.pointer, err.message);
  CU_ASSERT_FATAL(ret == 0);
  return p;
}

/* The host's node for a GPU driver's device, as the host facts say: c
 * 240:7 at /dev/shimtest-0, nothing at /dev/shimtest-none. */
static const shim_fact nodes[] = {
    FACT(FILE, "/dev/shimtest-0", .resolved = "/dev/shimtest-0", .mode = S_IFCHR | 0666,
         .major = 240, .minor = 7),
    FACT(FILE, "/dev/shimtest-none", .error = ENOENT),
    FACT(FILE, "/dev/shimtest-link", .resolved = "/dev/shimtest-0", .link = 1,
         .mode = S_IFCHR | 0666, .major = 240, .minor = 7),
};

static shim_report *check_device(const shim_policy *p, const char *path,
                                 unsigned minor, const char *access) {
  char d[256], rule[256];
  json_t *doc = base();
  snprintf(d, sizeof d, "{\"path\":\"%s\",\"type\":\"c\",\"major\":240,\"minor\":%u}",
           path, minor);
  json_array_append_new(at(doc, "linux/devices"), parse(d));
  snprintf(rule, sizeof rule,
           "{\"allow\":true,\"type\":\"c\",\"major\":240,\"minor\":%u,\"access\":\"%s\"}",
           minor, access);
  json_array_append_new(at(doc, "linux/resources/devices"), parse(rule));
  return check_doc_facts(doc, p, nodes, ARRAY_SIZE(nodes));
}

static void test_device_listed(void) {
  const char *node = "/dev/shimtest-0";
  shim_policy *p = load_policy(
      "{\"version\":1,\"controls\":{\"host-devices\":{\"allowed\":["
      "{\"path\":\"/dev/shimtest-*\",\"type\":\"c\",\"major\":240,\"minors\":[0,9],\"access\":\"rw\"}]}}}");
  shim_report *r = check_device(p, node, 7, "rw");
  expect_clean(r);
  shim_report_free(r);
  /* More access than the rule gives. */
  r = check_device(p, node, 7, "rwm");
  const shim_finding *f = expect_one(r, "host-devices", SHIM_VERDICT_REJECT,
                                     "/linux/resources/devices/4");
  CU_ASSERT_PTR_NOT_NULL(strstr(f->message, "more than the \"rw\""));
  shim_report_free(r);
  /* The rule's minors, then the host's node, decide; not the name. */
  r = check_device(p, node, 12, "rw");
  CU_ASSERT_EQUAL(count_findings(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/devices/1"), 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "host-devices")->message,
                                "not listed in controls.host-devices.allowed"));
  shim_report_free(r);
  r = check_device(p, node, 8, "rw");
  CU_ASSERT_EQUAL(count_findings(r, "host-devices", SHIM_VERDICT_REJECT, NULL), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "host-devices")->message, "is c 240:7, not 240:8"));
  shim_report_free(r);
  r = check_device(p, "/dev/shimtest-none", 7, "rw");
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "host-devices")->message, "the host has no node"));
  shim_report_free(r);
  /* A link could be pointed at another device; a node no fact names is
   * unknown. */
  r = check_device(p, "/dev/shimtest-link", 7, "rw");
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "host-devices")->message,
                                "is not a character device"));
  shim_report_free(r);
  r = check_device(p, "/dev/shimtest-9", 7, "rw");
  CU_ASSERT_PTR_NOT_NULL(strstr(first_finding(r, "host-devices")->message,
                                "no host facts say what the host has at /dev/shimtest-9"));
  shim_report_free(r);
  /* A rule without a major takes whatever the host's node has; a cgroup
   * rule for any minor of the major, or for a node the spec does not list,
   * stays rejected. */
  shim_policy_free(p);
  p = load_policy("{\"version\":1,\"controls\":{\"host-devices\":{\"allowed\":["
                  "{\"path\":\"/dev/shimtest-*\",\"type\":\"c\"}]}}}");
  r = check_device(p, node, 7, "rwm");
  expect_clean(r);
  shim_report_free(r);
  static const char *const broad[] = {
      "{\"allow\":true,\"type\":\"c\",\"major\":240,\"access\":\"rw\"}",
      "{\"allow\":true,\"type\":\"c\",\"major\":240,\"minor\":6,\"access\":\"rw\"}",
      "{\"allow\":true,\"type\":\"b\",\"major\":240,\"minor\":7,\"access\":\"rw\"}"};
  for (size_t i = 0; i < ARRAY_SIZE(broad); i++) {
    json_t *doc = base();
    char d[256];
    snprintf(d, sizeof d, "{\"path\":\"%s\",\"type\":\"c\",\"major\":240,\"minor\":7}", node);
    json_array_append_new(at(doc, "linux/devices"), parse(d));
    json_array_append_new(at(doc, "linux/resources/devices"), parse(broad[i]));
    r = check_doc_facts(doc, p, nodes, ARRAY_SIZE(nodes));
    expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/resources/devices/4");
    shim_report_free(r);
  }
  /* A block device at a listed name is no character device. */
  json_t *doc = base();
  char d[256];
  snprintf(d, sizeof d, "{\"path\":\"%s\",\"type\":\"b\",\"major\":240,\"minor\":7}", node);
  json_array_append_new(at(doc, "linux/devices"), parse(d));
  r = check_doc_facts(doc, p, nodes, ARRAY_SIZE(nodes));
  expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/devices/1");
  shim_report_free(r);
  shim_policy_free(p);
}

static void test_device_rules_refused(void) {
  static const struct {
    const char *rule, *pointer;
  } bad[] = {
      {"{\"path\":\"/dev/sda\",\"type\":\"b\"}", "/type"},
      {"{\"path\":\"/dev/mem\",\"type\":\"c\",\"major\":1}", "/major"},
      {"{\"path\":\"/dev/*\",\"type\":\"c\"}", "/path"},
      {"{\"path\":\"/dev/[a-z]*\",\"type\":\"c\"}", "/path"},
      {"{\"path\":\"/etc/x\",\"type\":\"c\"}", "/path"},
      {"{\"path\":\"/dev/../etc\",\"type\":\"c\"}", "/path"},
      {"{\"path\":\"/dev/x\",\"type\":\"c\",\"access\":\"rwx\"}", "/access"},
      {"{\"path\":\"/dev/x\",\"type\":\"c\",\"access\":\"rr\"}", "/access"},
      {"{\"path\":\"/dev/x\",\"type\":\"c\",\"minors\":[5,2]}", "/minors"},
      {"{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":4096}", "/major"},
      {"{\"path\":\"/dev/x\"}", ""},
      {"{\"path\":\"/dev/x\",\"type\":\"c\",\"name\":\"x\"}", "/name"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    char doc[512], want[128];
    snprintf(doc, sizeof doc,
             "{\"version\":1,\"controls\":{\"host-devices\":{\"allowed\":[%s]}}}", bad[i].rule);
    snprintf(want, sizeof want, "/controls/host-devices/allowed/0%s", bad[i].pointer);
    shim_policy *p = NULL;
    shim_error err;
    CU_ASSERT_EQUAL(shim_policy_load_data(doc, strlen(doc), &p, &err), -SHIM_ERR_SCHEMA);
    CU_ASSERT_STRING_EQUAL(err.pointer, want);
    CU_ASSERT_PTR_NULL(p);
  }
  /* A rule without a major never reaches the memory devices. */
  shim_policy *p = load_policy("{\"version\":1,\"controls\":{\"host-devices\":{\"allowed\":["
                               "{\"path\":\"/dev/kmsg\",\"type\":\"c\"}]}}}");
  json_t *doc = base();
  json_array_append_new(at(doc, "linux/devices"),
                        parse("{\"path\":\"/dev/kmsg\",\"type\":\"c\",\"major\":1,\"minor\":11}"));
  shim_report *r = check_doc(doc, p);
  expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/devices/1");
  shim_report_free(r);
  shim_policy_free(p);
}

/* ---- mounts ---- */

/* Checks base() with mount added, fact (NULL: none) saying what the host
 * has at its source. */
static shim_report *check_mount_fact(const char *mount, const shim_policy *policy,
                                     const shim_fact *fact) {
  json_t *doc = base();
  json_array_append_new(at(doc, "mounts"), parse(mount));
  return check_doc_facts(doc, policy, fact, fact ? 1 : 0);
}

static shim_report *check_mount(const char *mount, const shim_policy *policy) {
  return check_mount_fact(mount, policy, NULL);
}

static void test_bind_allowed_sources(void) {
  static const char *const ok[] = {
      "/var/lib/kubelet/pods/u/volumes/kubernetes.io~projected/kube-api-access",
      "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/id/resolv.conf",
      "/var/run/containerd/io.containerd.grpc.v1.cri/sandboxes/id/shm",
  };
  for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
    char m[512];
    snprintf(m, sizeof m, "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\",\"ro\"]}", ok[i]);
    shim_report *r = check_mount(m, NULL);
    expect_clean(r);
    shim_report_free(r);
  }
  static const char *const bad[] = {
      "/var/lib/kubelet/pods/../../../etc", "/var/lib/kubelet/podsx",
      "relative", "/var/lib/kubelet//pods"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    char m[512];
    snprintf(m, sizeof m, "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"%s\"}", bad[i]);
    shim_report *r = check_mount(m, NULL);
    expect_one(r, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4");
    shim_report_free(r);
  }
}

/* A policy allowing binds from dir. */
static shim_policy *policy_with_source(const char *dir) {
  char doc[512];
  snprintf(doc, sizeof doc,
           "{\"version\":1,\"controls\":{\"host-mounts\":{\"allowedSources\":"
           "[\"/var/lib/kubelet/pods\",\"%s\"]}}}", dir);
  return load_policy(doc);
}

static void test_bind_symlink_escape(void) {
  /* A link below an allowed directory, to /etc: the host's resolution
   * decides, not the name. */
  shim_policy *p = policy_with_source("/srv/shim-src");
  static const shim_fact link = FACT(FILE, "/srv/shim-src/link", .resolved = "/etc",
                                     .link = 1, .mode = S_IFDIR | 0755);
  shim_report *r = check_mount_fact(
      "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/srv/shim-src/link\"}", p, &link);
  const shim_finding *f = expect_one(r, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4");
  CU_ASSERT_PTR_NOT_NULL(strstr(f->message, "resolves to host path /etc"));
  shim_report_free(r);
  shim_policy_free(p);
}


/* A policy allowing read-only binds from dir. */
static shim_policy *policy_with_ro_source(const char *dir) {
  char doc[512];
  snprintf(doc, sizeof doc,
           "{\"version\":1,\"controls\":{\"host-mounts\":{\"readOnlySources\":[\"%s\"]}}}", dir);
  return load_policy(doc);
}

static void test_bind_read_only_sources(void) {
  const char *dir = "/srv/shim-ro";
  char m[512];
  shim_policy *p = policy_with_ro_source(dir);
  static const struct {
    const char *options;
    size_t hardened; /* findings hardening fixes */
    bool rejected;
  } cases[] = {
      {"[\"ro\",\"nosuid\",\"nodev\",\"bind\"]", 0, false},
      {"[\"bind\",\"ro\"]", 2, false},
      {"[\"rbind\",\"rprivate\",\"ro\"]", 5, false},
      {"[\"bind\",\"nosuid\",\"nodev\"]", 0, true},
      {"[\"bind\",\"ro\",\"rw\",\"nosuid\",\"nodev\"]", 0, true},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    snprintf(m, sizeof m, "{\"destination\":\"/usr/local/nvidia\",\"type\":\"bind\","
                          "\"source\":\"%s/lib\",\"options\":%s}", dir, cases[i].options);
    shim_report *r = check_mount(m, p);
    CU_ASSERT_EQUAL(count_findings(r, "host-mounts", SHIM_VERDICT_HARDEN, "/mounts/4"),
                    cases[i].hardened);
    CU_ASSERT_EQUAL(count_findings(r, "host-mounts", SHIM_VERDICT_REJECT, "/mounts/4"),
                    cases[i].rejected);
    if (cases[i].hardened) {
      /* Hardening adds exactly what was missing. */
      json_t *doc = base();
      json_array_append_new(at(doc, "mounts"), parse(m));
      char *text = json_dumps(doc, JSON_COMPACT), *out = NULL;
      json_decref(doc);
      shim_spec *spec = NULL;
      shim_report *hr = NULL;
      CU_ASSERT_FATAL(shim_spec_load_data(text, strlen(text), &spec, NULL) == 0);
      CU_ASSERT_FATAL(shim_harden(p, spec, &out, &hr, NULL) == 0);
      json_t *hardened = json_loads(out, 0, NULL);
      json_t *opts = at(hardened, "mounts/4/options");
      const char *want[] = {"nosuid", "nodev", "rro", "rnosuid", "rnodev"};
      for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
        bool has = false;
        for (size_t j = 0; j < json_array_size(opts); j++)
          has |= strcmp(json_string_value(json_array_get(opts, j)), want[k]) == 0;
        CU_ASSERT_EQUAL(has, k < cases[i].hardened);
      }
      json_decref(hardened);
      free(out);
      free(text);
      shim_report_free(hr);
      shim_spec_free(spec);
    }
    shim_report_free(r);
  }
  /* A pattern names files, versions and all, within one directory. */
  char doc0[512];
  snprintf(doc0, sizeof doc0, "{\"version\":1,\"controls\":{\"host-mounts\":"
                              "{\"readOnlySources\":[\"%s/libcuda.so.*\"]}}}", dir);
  shim_policy *pattern = load_policy(doc0);
  static const struct {
    const char *name;
    bool allowed;
  } names[] = {{"libcuda.so.550.90.07", true}, {"libcuda.so", false},
               {"x/libcuda.so.1", false}, {"libcuda.so.1/x", false}};
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    snprintf(m, sizeof m, "{\"destination\":\"/l\",\"type\":\"bind\",\"source\":\"%s/%s\","
                          "\"options\":[\"ro\",\"nosuid\",\"nodev\",\"bind\"]}", dir, names[i].name);
    shim_report *r = check_mount(m, pattern);
    CU_ASSERT_EQUAL(count_findings(r, "host-mounts", SHIM_VERDICT_REJECT, NULL), !names[i].allowed);
    shim_report_free(r);
  }
  shim_policy_free(pattern);
  /* A socket: only when the list names it, not by its directory. */
  static const shim_fact socket = FACT(FILE, "/srv/shim-ro/socket",
                                       .resolved = "/srv/shim-ro/socket", .mode = S_IFSOCK | 0755);
  snprintf(m, sizeof m, "{\"destination\":\"/s\",\"type\":\"bind\",\"source\":\"%s\","
                        "\"options\":[\"ro\",\"nosuid\",\"nodev\",\"bind\",\"noexec\"]}", socket.path);
  shim_report *r = check_mount_fact(m, p, &socket);
  expect_one(r, "runtime-sockets", SHIM_VERDICT_REJECT, "/mounts/4");
  shim_report_free(r);
  shim_policy *exact = policy_with_ro_source(socket.path);
  r = check_mount_fact(m, exact, &socket);
  expect_clean(r);
  shim_report_free(r);
  shim_policy_free(exact);
  shim_policy_free(p);
}

static void test_socket_file_in_allowed_dir(void) {
  shim_policy *p = policy_with_source("/srv/shim-sock");
  static const shim_fact api = FACT(FILE, "/srv/shim-sock/api", .resolved = "/srv/shim-sock/api",
                                    .mode = S_IFSOCK | 0755);
  shim_report *r = check_mount_fact(
      "{\"destination\":\"/s\",\"type\":\"bind\",\"source\":\"/srv/shim-sock/api\"}", p, &api);
  expect_one(r, "runtime-sockets", SHIM_VERDICT_REJECT, "/mounts/4");
  CU_ASSERT_EQUAL(count_findings(r, "host-mounts", SHIM_VERDICT_ALLOW, NULL), 0);
  shim_report_free(r);
  shim_policy_free(p);
}

/* ---- proc-unmasked ---- */

static void test_proc_unmasked(void) {
  json_t *doc = base();
  json_object_del(at(doc, "linux"), "maskedPaths");
  json_object_set_new(at(doc, "linux"), "readonlyPaths", json_array());
  shim_report *r = check_doc(doc, NULL);
  const shim_finding *f = expect_one(r, "proc-unmasked", SHIM_VERDICT_HARDEN, "/linux/maskedPaths");
  CU_ASSERT_STRING_EQUAL(f->k8s, "procMount: Unmasked");
  CU_ASSERT_PTR_NOT_NULL(strstr(f->message, "hardening adds the policy's"));
  shim_report_free(r);
}

/* ---- sysctls, hooks ---- */

static void test_hooks(void) {
  json_t *doc = base();
  json_object_set_new(doc, "hooks", parse("{\"prestart\":[{\"path\":\"/usr/bin/nvidia-container-runtime-hook\",\"args\":[\"x\",\"prestart\"]}]}"));
  shim_report *r = check_doc(doc, NULL);
  const shim_finding *f = expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/prestart/0");
  CU_ASSERT_PTR_NOT_NULL(strstr(f->message, "nvidia-container-runtime-hook"));
  shim_report_free(r);
}


/* The host's hook program as the host facts say: root's, mode 0755, and
 * the same file writable by its group. */
#define HOOK "/usr/libexec/gpu-hook"
#define HOOK_SHA256 "b5f8fab0b1a3ab3e47fe2d3fda0af1a1b8f9b8b7be1d8e6a8a5cfa3d0e1a3c1d"
static const shim_fact hook_file = FACT(PROGRAM, HOOK, .mode = S_IFREG | 0755,
                                        .sha256 = HOOK_SHA256);
static const shim_fact hook_writable = FACT(PROGRAM, HOOK, .mode = S_IFREG | 0775,
                                            .sha256 = HOOK_SHA256);
static const shim_fact hook_in_open_dir = FACT(PROGRAM, HOOK, .mode = S_IFREG | 0755,
                                               .sha256 = HOOK_SHA256, .path_writable = 1);

static shim_report *check_hook(const shim_policy *p, const char *stage, const char *hook,
                               const shim_fact *program) {
  json_t *doc = base();
  char hooks[1024];
  snprintf(hooks, sizeof hooks, "{\"%s\":[%s]}", stage, hook);
  json_object_set_new(doc, "hooks", parse(hooks));
  return check_doc_facts(doc, p, program, program ? 1 : 0);
}

static void test_hooks_listed(void) {
  const char *hook = HOOK;
  char doc[1024], h[512];
  snprintf(doc, sizeof doc,
           "{\"version\":1,\"controls\":{\"hooks\":{\"allowed\":["
           "{\"path\":\"%s\",\"stages\":[\"createContainer\"],\"sha256\":\"%s\","
           "\"args\":[[\"gpu-hook\",\"update-ldcache\",\"...\"],[\"gpu-hook\",\"chmod\",\"--mode\",\"7[0-7][0-7]\"]],"
           "\"env\":[\"DEBUG=[01]\"]}]}}}", hook, HOOK_SHA256);
  shim_policy *p = load_policy(doc);
  static const struct {
    const char *stage, *args, *env, *why; /* why NULL: allowed */
  } cases[] = {
      {"createContainer", "[\"gpu-hook\",\"update-ldcache\"]", NULL, NULL},
      {"createContainer", "[\"gpu-hook\",\"update-ldcache\",\"--folder\",\"/usr/lib\"]", "[\"DEBUG=1\"]", NULL},
      {"createContainer", "[\"gpu-hook\",\"chmod\",\"--mode\",\"755\"]", NULL, NULL},
      {"createContainer", "[\"gpu-hook\",\"chmod\",\"--mode\",\"755\",\"/x\"]", NULL, "match none of controls.hooks.allowed[0].args"},
      {"createContainer", "[\"gpu-hook\",\"create-symlinks\"]", NULL, "match none of controls.hooks.allowed[0].args"},
      {"createContainer", NULL, NULL, "match none of controls.hooks.allowed[0].args"},
      {"prestart", "[\"gpu-hook\",\"update-ldcache\"]", NULL, "stage prestart is not in controls.hooks.allowed[0].stages"},
      {"createContainer", "[\"gpu-hook\",\"update-ldcache\"]", "[\"LD_PRELOAD=/tmp/x.so\"]", "\"LD_PRELOAD=/tmp/x.so\" matches none of controls.hooks.allowed[0].env"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    int n = snprintf(h, sizeof h, "{\"path\":\"%s\"", hook);
    if (cases[i].args)
      n += snprintf(h + n, sizeof h - (size_t)n, ",\"args\":%s", cases[i].args);
    if (cases[i].env)
      n += snprintf(h + n, sizeof h - (size_t)n, ",\"env\":%s", cases[i].env);
    snprintf(h + n, sizeof h - (size_t)n, "}");
    shim_report *r = check_hook(p, cases[i].stage, h, &hook_file);
    if (!cases[i].why) {
      expect_clean(r);
    } else {
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/hooks/%s/0", cases[i].stage);
      const shim_finding *f = expect_one(r, "hooks", SHIM_VERDICT_REJECT, ptr);
      CU_ASSERT_PTR_NOT_NULL(strstr(f->message, cases[i].why));
    }
    shim_report_free(r);
  }
  /* Another program; the file writable by others, or unknown; another digest. */
  snprintf(h, sizeof h, "{\"path\":\"/usr/libexec/other\",\"args\":[\"gpu-hook\",\"chmod\"]}");
  shim_report *r = check_hook(p, "createContainer", h, &hook_file);
  CU_ASSERT_PTR_NOT_NULL(strstr(expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0")->message,
                                "not listed in controls.hooks.allowed"));
  shim_report_free(r);
  snprintf(h, sizeof h, "{\"path\":\"%s\",\"args\":[\"gpu-hook\",\"update-ldcache\"]}", hook);
  r = check_hook(p, "createContainer", h, &hook_writable);
  CU_ASSERT_PTR_NOT_NULL(strstr(expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0")->message,
                                "writable by root alone"));
  shim_report_free(r);
  r = check_hook(p, "createContainer", h, &hook_in_open_dir);
  CU_ASSERT_PTR_NOT_NULL(strstr(expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0")->message,
                                "could be replaced after this check"));
  shim_report_free(r);
  r = check_hook(p, "createContainer", h, NULL);
  CU_ASSERT_PTR_NOT_NULL(strstr(expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0")->message,
                                "no host facts say what " HOOK " is"));
  shim_report_free(r);
  shim_policy_free(p);
  snprintf(doc, sizeof doc,
           "{\"version\":1,\"controls\":{\"hooks\":{\"allowed\":["
           "{\"path\":\"%s\",\"stages\":[\"createContainer\"],\"sha256\":\"%s\","
           "\"args\":[[\"gpu-hook\",\"...\"]]}]}}}", hook,
           "0000000000000000000000000000000000000000000000000000000000000000");
  p = load_policy(doc);
  r = check_hook(p, "createContainer", h, &hook_file);
  CU_ASSERT_PTR_NOT_NULL(strstr(expect_one(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0")->message,
                                "not the policy's"));
  shim_report_free(r);
  shim_policy_free(p);
}
#undef HOOK
#undef HOOK_SHA256

/* ---- what hardening fixes ---- */

static void test_hardenable(void) {
  json_t *doc = base();
  json_object_set_new(at(doc, "process"), "noNewPrivileges", json_false());
  json_object_set_new(at(doc, "process"), "apparmorProfile", json_string("unconfined"));
  json_object_del(at(doc, "linux"), "seccomp");
  json_object_del(at(doc, "linux/resources"), "pids");
  shim_report *r = check_doc(doc, NULL);
  expect_one(r, "no-new-privileges", SHIM_VERDICT_HARDEN, "/process/noNewPrivileges");
  /* The default policy names no AppArmor profile: nothing to harden with. */
  expect_one(r, "apparmor", SHIM_VERDICT_WARN, "/process/apparmorProfile");
  expect_one(r, "seccomp", SHIM_VERDICT_HARDEN, "/linux/seccomp");
  expect_one(r, "pids-limit", SHIM_VERDICT_HARDEN, "/linux/resources/pids");
  CU_ASSERT_EQUAL(shim_report_verdict(r), SHIM_VERDICT_HARDEN);
  shim_report_free(r);

  doc = base();
  json_object_set_new(at(doc, "linux/seccomp"), "defaultAction", json_string("SCMP_ACT_ALLOW"));
  r = check_doc(doc, NULL);
  expect_one(r, "seccomp", SHIM_VERDICT_HARDEN, "/linux/seccomp/defaultAction");
  shim_report_free(r);
}

static void test_net_devices(void) {
  json_t *doc = base();
  json_object_set_new(at(doc, "linux"), "netDevices", parse("{\"eth1\":{\"name\":\"net1\"}}"));
  shim_report *r = check_doc(doc, NULL);
  expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/netDevices/eth1");
  shim_report_free(r);
  /* The one the admin lists may go in; no other. */
  const char *listed = "{\"version\":1,\"controls\":{\"host-devices\":"
                       "{\"netDevices\":[\"eth1\"]}}}";
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(listed, strlen(listed), &p, NULL) == 0);
  doc = base();
  json_object_set_new(at(doc, "linux"), "netDevices",
                      parse("{\"eth1\":{\"name\":\"net1\"},\"eth2\":{}}"));
  r = check_doc(doc, p);
  expect_one(r, "host-devices", SHIM_VERDICT_REJECT, "/linux/netDevices/eth2");
  shim_report_free(r);
  shim_policy_free(p);
}

static void test_apparmor_and_rlimits(void) {
  const char *json =
      "{\"version\":1,\"controls\":{\"apparmor\":{\"profile\":\"cri-containerd.apparmor.d\"},"
      "\"rlimits\":{\"limits\":{\"RLIMIT_NOFILE\":{\"soft\":1024,\"hard\":4096},"
      "\"RLIMIT_CORE\":{\"soft\":0,\"hard\":0}}}}}";
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(json, strlen(json), &p, NULL) == 0);
  json_t *doc = base();
  json_object_set_new(at(doc, "process"), "apparmorProfile", json_string("unconfined"));
  json_object_set_new(at(doc, "process"), "rlimits",
                      parse("[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":1048576}]"));
  shim_report *r = check_doc(doc, p);
  expect_one(r, "apparmor", SHIM_VERDICT_HARDEN, "/process/apparmorProfile");
  CU_ASSERT_EQUAL(count_findings(r, "rlimits", SHIM_VERDICT_HARDEN, "/process/rlimits"), 2);
  shim_report_free(r);

  /* Within the policy's limits: nothing to say. */
  doc = base();
  json_object_set_new(at(doc, "process"), "rlimits",
                      parse("[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20},"
                            "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]"));
  r = check_doc(doc, p);
  CU_ASSERT_EQUAL(count_findings(r, "rlimits", SHIM_VERDICT_ALLOW, NULL), 0);
  shim_report_free(r);
  shim_policy_free(p);

  const char *bad = "{\"version\":1,\"controls\":{\"rlimits\":{\"limits\":"
                    "{\"RLIMIT_NOFILE\":{\"soft\":5,\"hard\":1}}}}}";
  shim_error err;
  CU_ASSERT(shim_policy_load_data(bad, strlen(bad), &p, &err) == -SHIM_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/rlimits/limits/RLIMIT_NOFILE");
  /* A policy that would "harden" unconfined into unconfined. */
  const char *unconfined = "{\"version\":1,\"controls\":{\"apparmor\":{\"profile\":\"unconfined\"}}}";
  CU_ASSERT(shim_policy_load_data(unconfined, strlen(unconfined), &p, &err) == -SHIM_ERR_SCHEMA);
  CU_ASSERT_STRING_EQUAL(err.pointer, "/controls/apparmor/profile");
}

/* ---- modes ---- */

static void test_modes(void) {
  const char *warn = "{\"version\":1,\"controls\":{\"hooks\":{\"mode\":\"warn\"},"
                     "\"pids-limit\":{\"mode\":\"off\"}}}";
  shim_policy *p = NULL;
  CU_ASSERT_FATAL(shim_policy_load_data(warn, strlen(warn), &p, NULL) == 0);
  json_t *doc = base();
  json_object_set_new(doc, "hooks", parse("{\"poststop\":[{\"path\":\"/bin/true\"}]}"));
  json_object_del(at(doc, "linux/resources"), "pids");
  shim_report *r = check_doc(doc, p);
  expect_one(r, "hooks", SHIM_VERDICT_WARN, "/hooks/poststop/0");
  CU_ASSERT_EQUAL(count_findings(r, "pids-limit", SHIM_VERDICT_ALLOW, NULL), 0);
  CU_ASSERT_EQUAL(shim_report_verdict(r), SHIM_VERDICT_WARN);
  shim_report_free(r);
  shim_policy_free(p);
}

/* ---- rendering ---- */

static void test_render(void) {
  json_t *doc = base();
  json_array_remove(at(doc, "linux/namespaces"), 1);
  shim_report *r = check_doc(doc, NULL);
  char *text = NULL, *js = NULL;
  CU_ASSERT_FATAL(shim_report_render(r, SHIM_FORMAT_TEXT, &text, NULL) == 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "reject  host-namespaces    /linux/namespaces: host network namespace: no \"network\" entry (hostNetwork: true)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "verdict: rejected (1 reject, 0 harden, 0 warn)\n"));
  CU_ASSERT_FATAL(shim_report_render(r, SHIM_FORMAT_JSON, &js, NULL) == 0);
  json_t *parsed = json_loads(js, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(parsed);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(parsed, "verdict")), "rejected");
  json_t *f0 = json_array_get(json_object_get(parsed, "findings"), 0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f0, "control")), "host-namespaces");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(f0, "kubernetes")), "hostNetwork: true");
  json_decref(parsed);
  free(text);
  free(js);
  shim_report_free(r);
}

void register_control_tests(void) {
  static const struct test_case tests[] = {
      {"base spec is clean", test_base_is_clean},
      {"one change, one finding", test_one_change},
      {"ns: no namespaces at all", test_ns_all_missing},
      {"ns: paths, by the host's facts", test_ns_paths},
      {"ns: entry without type", test_ns_without_type},
      {"caps: all is privileged", test_caps_all_is_privileged},
      {"root: without userns", test_root_without_userns},
      {"devices: cgroup rules", test_device_rules},
      {"devices: admin-listed nodes", test_device_listed},
      {"devices: rules the policy refuses", test_device_rules_refused},
      {"mounts: allowed sources", test_bind_allowed_sources},
      {"mounts: symlink escape", test_bind_symlink_escape},
      {"mounts: read-only sources", test_bind_read_only_sources},
      {"mounts: socket file", test_socket_file_in_allowed_dir},
      {"proc: unmasked", test_proc_unmasked},
      {"hooks", test_hooks},
      {"hooks: admin-listed programs", test_hooks_listed},
      {"hardenable", test_hardenable},
      {"apparmor and rlimits", test_apparmor_and_rlimits},
      {"net devices", test_net_devices},
      {"userns: joined, by the host's facts", test_userns_joined},
      {"userns: the kubelet's ids", test_userns_kubelet_ids},
      {"userns: pods that do not ask", test_userns_pods},
      {"userns: a joined network namespace", test_userns_joined_netns},
      {"userns: idmapped volumes", test_userns_mount_idmap},
      {"userns: pool settings", test_userns_pool_settings},
      {"userns: sysfs stand-in", test_userns_sysfs},
      {"modes", test_modes},
      {"render", test_render},
  };
  ADD_SUITE("controls", tests);
}
