/*
 * Declarations shared by libshim's source files and nothing else.  Nothing
 * here is exported: libshim.sym keeps every symbol but shim_* local.
 */
#ifndef SHIM_INTERNAL_H
#define SHIM_INTERNAL_H

#include <jansson.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "shim/shim.h"

/* ---- Cleanup attributes: early returns cannot leak ------------------------ */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(cleanup_freep)
#define _cleanup_json_ _cleanup_(cleanup_jsonp)
#define _cleanup_close_ _cleanup_(cleanup_closep)

void cleanup_freep(void *p);
void cleanup_jsonp(json_t **p);
void cleanup_closep(int *fd);

/* Hands ownership out of a _cleanup_ variable. */
#define steal_ptr(p)                                                           \
  ({                                                                           \
    __typeof__(p) stolen_ = (p);                                               \
    (p) = NULL;                                                                \
    stolen_;                                                                   \
  })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Errors (error.c) ----------------------------------------------------- */

/* Fills err (if not NULL) and returns -code, so callers can
 * `return error_set(err, SHIM_ERR_SCHEMA, ptr, "expected string");`. */
int error_set(shim_error *err, int code, const char *pointer, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));
/* Same, with sys_errno = errno_value and ": strerror" appended. */
int error_sys(shim_error *err, int code, int errno_value, const char *pointer,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- JSON helpers (json.c) ------------------------------------------------ */

/* A JSON pointer under construction while walking a document. */
struct jptr {
  size_t len;
  char buf[1024];
};

/* Appends one reference token (escaped per RFC 6901); returns the previous
 * length to hand to jptr_pop. A pointer too long to hold is cut short and
 * ends in "...": it is only ever shown to people. */
size_t jptr_push_key(struct jptr *p, const char *key);
size_t jptr_push_index(struct jptr *p, size_t index);
void jptr_pop(struct jptr *p, size_t len);

/* Reads a whole file or fd, refusing more than SHIM_MAX_DOCUMENT_BYTES.
 * Messages do not repeat the path: the caller knows it. */
int read_file_limited(const char *path, char **out, size_t *len, shim_error *err);
int read_fd_limited(int fd, char **out, size_t *len, shim_error *err);

/* Reads path within the limits and loads it with loader(data, len, out,
 * err): the one shape of every shim_*_load_file. */
#define LOAD_FILE(path, loader, out, err)                                      \
  ({                                                                           \
    _cleanup_free_ char *data_ = NULL;                                         \
    size_t len_ = 0;                                                           \
    int ret_ = read_file_limited(path, &data_, &len_, err);                    \
    ret_ < 0 ? ret_ : loader(data_, len_, out, err);                           \
  })

/* Serialises to a malloc'ed string (indented when pretty), ending in a
 * newline. */
int json_render(const json_t *doc, bool pretty, char **out, shim_error *err);
/* The first object of array whose member key is the string value, or NULL. */
json_t *json_array_find(const json_t *array, const char *key, const char *value);

/* ---- The spec reader (jtree.c) ------------------------------------------ */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_REAL, J_STRING, J_ARRAY, J_OBJECT };

/* One value of a document: a container leads to its first child, each
 * child to its next sibling (NULL at the end). */
struct jnode {
  uint8_t type;    /* enum jtype */
  uint32_t count;  /* J_ARRAY items, J_OBJECT members, J_STRING bytes */
  const char *key; /* member name when the parent is an object */
  struct jnode *first, *next;
  union {
    const char *str; /* J_STRING, NUL-terminated (no NUL inside) */
    int64_t num;     /* J_INT */
    double real;     /* J_REAL */
  } v;
};

struct jchunk;
struct jtree {
  struct jnode *nodes;   /* nodes[0] is the document: always an object */
  size_t count;          /* nodes parsed */
  char *strings;         /* every decoded string and key; a copy's are its
                            original's */
  struct jchunk *added;  /* nodes and strings that edits added */
  bool failed;           /* an edit ran out of memory */
};

/* Parses strict JSON (see jtree.c for what is refused); syntax errors carry
 * line and column.  The top level must be an object. */
int jtree_parse(const char *data, size_t len, struct jtree *out,
                shim_error *err);
void jtree_free(struct jtree *t);

/* Readers; each takes NULL (an absent value) and then returns "absent".
 * Null members of objects read as absent: Go leaves such fields at zero. */
const struct jnode *jv_get(const struct jnode *obj, const char *key);
const struct jnode *jv_first(const struct jnode *parent);
const struct jnode *jv_next(const struct jnode *parent,
                            const struct jnode *child);
#define jv_foreach(parent, it)                                                 \
  for (const struct jnode *it = jv_first(parent); it; it = jv_next(parent, it))
/* Same, counting items in i (declared and zeroed by the caller). */
#define jv_foreach_i(parent, i, it)                                            \
  for (const struct jnode *it = jv_first(parent); it;                          \
       it = jv_next(parent, it), (i)++)
const char *jv_str(const struct jnode *n); /* NULL unless a string */
int64_t jv_int(const struct jnode *n);     /* 0 unless an integer */
bool jv_is_true(const struct jnode *n);
size_t jv_count(const struct jnode *n);    /* items of an array, else 0 */
bool jv_has_string(const struct jnode *array, const char *s);

/* ---- Editing a tree (jtree.c), and writing it (json.c) -------------------------
 * Hardening edits a copy of the checked spec's tree (jtree_copy: it shares
 * the original's strings, so the original outlives it; never edited
 * itself).  Edits do not fail one by one: running out of memory sets
 * t->failed, and from then on they take and give NULL, so the caller checks
 * once, at the end.  What they add is copied into the tree (strings and
 * keys included) and freed with it by jtree_free. */
int jtree_copy(const struct jtree *from, struct jtree *to, shim_error *err);
struct jnode *jt_string(struct jtree *t, const char *s);
struct jnode *jt_int(struct jtree *t, int64_t v);
struct jnode *jt_true(struct jtree *t);
struct jnode *jt_array(struct jtree *t);
struct jnode *jt_object(struct jtree *t);
struct jnode *jt_strings(struct jtree *t, const char *const *items, size_t n);
struct jnode *jt_get(struct jnode *obj, const char *key); /* jv_get, editable */
/* jv_foreach, editable; it may be removed (jt_remove) in the loop. */
#define jt_foreach(parent, it)                                                 \
  for (struct jnode *it = (struct jnode *)jv_first(parent),                    \
                    *it##_next_ = it ? (struct jnode *)jv_next(parent, it) : NULL; \
       it; it = it##_next_,                                                    \
                    it##_next_ = it ? (struct jnode *)jv_next(parent, it) : NULL)
/* obj[key] = v, in the member's place when it is there (even as null), else
 * appended; returns v. */
struct jnode *jt_set(struct jtree *t, struct jnode *obj, const char *key,
                     struct jnode *v);
/* obj[key], added as an empty value of type (J_ARRAY, J_OBJECT) when absent. */
struct jnode *jt_member(struct jtree *t, struct jnode *obj, const char *key,
                        enum jtype type);
struct jnode *jt_append(struct jnode *parent, struct jnode *v); /* returns v */
void jt_remove(struct jnode *parent, struct jnode *child);
void jt_del(struct jnode *obj, const char *key);
/* Equal as readers see them: objects whatever their order, null members
 * absent. */
bool jt_equal(const struct jnode *a, const struct jnode *b);
/* Writes n as JSON (indented when pretty; null members of objects left
 * out, as readers see them), ending in a newline. */
int json_render_tree(const struct jnode *n, bool pretty, char **out, shim_error *err);

/* ---- The runtime-spec schema (schema.c) ----------------------------------- */

/* Checks a parsed spec against the runtime-spec schema as runc's Go decoder
 * would read it; members that no field of runc's could read are taken out. */
int schema_validate_spec(struct jnode *root, shim_error *err);
/* The same for a LinuxResources object (what `runc update -r` reads). */
int schema_validate_resources(struct jnode *root, shim_error *err);

struct shim_spec {
  struct jtree tree; /* validated: readers can trust every field's type */
  shim_fact *facts;  /* shim_spec_set_facts: the answered ones, sorted */
  size_t nfacts;
};

/* ---- Host facts (facts.c, questions.c) ------------------------------------ */

/* The caller's answer about path, NULL when it gave none.  ns_type counts
 * for NAMESPACE facts only. */
const shim_fact *spec_fact(const shim_spec *spec, shim_fact_kind kind, const char *path,
                           int ns_type);
/* A spec made from another one's text (hardened, or with another process)
 * joins the same namespaces and binds the same sources: it gets copies of
 * the other's facts.  0 or -SHIM_ERR_NOMEM. */
int spec_copy_facts(shim_spec *to, const shim_spec *from, shim_error *err);
void spec_free_facts(shim_spec *spec);
/* Orders facts by (kind, ns_type, path), spec_fact's key; facts_sort
 * sorts an array so. */
int fact_cmp(const shim_fact *a, const shim_fact *b);
void facts_sort(shim_fact *facts, size_t count);
/* What is wrong with the namespace fact f about path, of kind ("network"),
 * for a container to join it: why[] filled and false, or true when f says
 * it is a namespace of its type (f->host then tells whose). */
bool fact_namespace_ok(const shim_fact *f, const char *path, const char *kind,
                       char *why, size_t why_size);

/* ---- Controls ------------------------------------------------------------- */

/* Every control: enum name and stable id.  Adding one here makes the policy
 * loader accept it; the default policy must then give it a mode. */
#define SHIM_CONTROLS(X)                                                       \
  X(HOST_NAMESPACES, "host-namespaces")                                        \
  X(CAPABILITIES, "capabilities")                                              \
  X(RUN_AS_ROOT, "run-as-root")                                                \
  X(USER_NAMESPACE, "user-namespace")                                          \
  X(HOST_DEVICES, "host-devices")                                              \
  X(HOST_MOUNTS, "host-mounts")                                                \
  X(RUNTIME_SOCKETS, "runtime-sockets")                                        \
  X(KERNEL_FILESYSTEMS, "kernel-filesystems")                                  \
  X(MOUNT_PROPAGATION, "mount-propagation")                                    \
  X(PROC_UNMASKED, "proc-unmasked")                                            \
  X(SYSCTLS, "sysctls")                                                        \
  X(HOOKS, "hooks")                                                            \
  X(NO_NEW_PRIVILEGES, "no-new-privileges")                                    \
  X(SECCOMP, "seccomp")                                                        \
  X(APPARMOR, "apparmor")                                                      \
  X(PIDS_LIMIT, "pids-limit")                                                  \
  X(RLIMITS, "rlimits")                                                        \
  X(METADATA_SERVER, "metadata-server")

enum control {
#define X(name, id) CONTROL_##name,
  SHIM_CONTROLS(X)
#undef X
  CONTROL_COUNT
};

extern const char *const control_ids[CONTROL_COUNT];

enum mode { MODE_OFF = 0, MODE_WARN, MODE_ENFORCE };

/* A list of strings owned by whoever holds the struct (util.c). */
struct strlist {
  char **items;
  size_t count;
};
int strlist_push(struct strlist *l, const char *s); /* -SHIM_ERR_NOMEM */
bool strlist_has(const struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

/* Typed readers of a document's arrays (json.c), for policies, their rules
 * and seccomp profiles; p names v in errors.  An array of at most
 * SHIM_MAX_ARRAY_ITEMS items: */
int jv_expect_array(const struct jnode *v, struct jptr *p, shim_error *err);
/* Non-empty strings, each valid(s) where valid is given (else the error
 * says expected), into *out, which is replaced only when all are read. */
int jv_read_strings(const struct jnode *v, struct jptr *p, bool (*valid)(const char *),
                    const char *expected, struct strlist *out, shim_error *err);
/* Capability names ("CAP_CHOWN", as runc spells them) into a bit set. */
int jv_read_caps(const struct jnode *v, struct jptr *p, uint64_t *out, shim_error *err);

/* Admin rules read from a policy setting: an array of one kind's rules
 * (struct device_rule, struct hook_rule), read and released by policy.c
 * with the kind's rule_kind. */
struct rules {
  void *items;
  size_t count;
};

/* host-devices: one device node the admin allows (devices.c). */
struct device_rule {
  char *path;                 /* fnmatch pattern under /dev/ */
  int64_t major;              /* -1: the host node's, whatever it is */
  int64_t minor_lo, minor_hi; /* inclusive */
  char access[4];             /* what cgroup rules may allow: "rwm" or less */
};

/* hooks: one hook the admin allows (hooks.c). */
struct hook_rule {
  char *path;
  char sha256[65];        /* "" when any content will do */
  unsigned stages;        /* bit k: hooks.c's stage_names[k] */
  struct strlist *args;   /* alternatives: fnmatch patterns per argument */
  size_t nargs;
  struct strlist env;     /* patterns every env entry must match */
};

/* rlimits: one limit the policy sets (a ceiling for the spec's). */
struct rlimit_setting {
  char type[24]; /* "RLIMIT_NOFILE" */
  uint64_t soft, hard;
};

struct shim_policy {
  char *name;
  enum mode mode[CONTROL_COUNT];
  uint64_t caps_privileged;   /* capabilities: reject if present (bit = cap) */
  uint64_t caps_allowed;      /* capabilities: keep; others get dropped */
  struct strlist bind_sources; /* host-mounts: allowed host path prefixes */
  struct strlist ro_sources;   /* host-mounts: prefixes allowed read-only */
  struct rules devices;        /* host-devices: struct device_rule */
  struct rules hooks;          /* hooks: struct hook_rule */
  struct strlist sockets;      /* runtime-sockets: paths never to bind */
  struct strlist sysctls;      /* sysctls: allowed names ("x.*" = prefix) */
  struct strlist net_devices;  /* host-devices: host interfaces a container may take */
  struct strlist masked_paths;   /* proc-unmasked: paths hardening masks */
  struct strlist readonly_paths; /* proc-unmasked: paths made read-only */
  int64_t pids_default;        /* pids-limit: the limit hardening sets */
  bool allow_ambient;          /* capabilities: keep allowed ambient caps */
  char *seccomp_profile;       /* seccomp: "sandbox" or a file's path */
  shim_seccomp *seccomp;       /* seccomp: that profile, loaded */
  char *seccomp_deny;          /* seccomp: "errno", "kill" or "log" */
  bool seccomp_spec_allow;     /* seccomp: SECCOMP_FILTER_FLAG_SPEC_ALLOW */
  char *apparmor_profile;      /* apparmor: what replaces "unconfined" */
  struct rlimit_setting *rlimits; /* rlimits: the limits hardening sets */
  size_t rlimit_count;
  /* "sha256:..." of what the policy was made of: the default, each
   * overlay, the seccomp profile's bytes. */
  char digest[72];
  char chain[65]; /* the digest so far, without the profile */
  struct strlist metadata; /* metadata-server: CIDRs made unreachable */
  char *runtime;           /* shim_policy_set_runtime: its executable */
  char *loader;            /* shim_policy_set_seccomp_loader: the loader, */
  char *filter_dir;        /*   and the directory of compiled filters */
  /* user-namespace: the pool of host ids, `ranges` ranges of `range_size`
   * ids from `host_id_start` on. */
  int64_t userns_start, userns_range_size, userns_ranges;
  /* The kubelet's ids for hostUsers: false pods; count 0: not known. */
  int64_t kubelet_id_start, kubelet_ids;
  /* user-namespace.pods: "auto", "require" or "never" (see userns_for_pods) */
  char *pod_userns;
  /* shim_policy_set_delegate: "" and 0 while unknown */
  char delegate[64];
  unsigned int delegate_features;
  /* shim_policy_set_kernel: major << 16 | minor, 0 while unknown */
  unsigned kernel;
};

/* ---- User namespaces (userns.c) ----------------------------------------------- */

/* The names of a spec's id map lists (under linux, and an idmapped
 * mount's): "uidMappings", "gidMappings". */
extern const char *const idmap_lists[2];
/* One entry of such a list (the schema has checked its fields' ranges). */
shim_idmap idmap_read(const struct jnode *entry);

/* The verdict on the user namespace a spec joins by path, from the facts
 * the caller set (shim_spec_set_facts): BAD with why[] filled when
 * it cannot be verified or may not be used; POOL: a range of the pool
 * (shared with the container that holds it); POD: a Kubernetes pod's,
 * from the kubelet (hostUsers: false), fit for a pod.  *out is its range,
 * join = path. */
enum { USERNS_JOINED_BAD = -1, USERNS_JOINED_POOL = 1, USERNS_JOINED_POD };
int userns_judge_joined(const shim_policy *policy, const shim_spec *spec,
                        const char *path, shim_userns *out, char *why, size_t why_size);
/* Whether a Kubernetes pod that does not ask for a user namespace gets
 * one: the policy's pods setting is not "never" and the delegate can. */
bool userns_for_pods(const shim_policy *policy);
/* The path of a network namespace the spec joins, else NULL. */
const char *userns_joined_netns(const struct jnode *root);
/* Whether a sysctl key ("net.ipv4.x" or "net/ipv4/x") is one of the
 * network namespace's. */
bool sysctl_is_net(const char *key);
/* Whether host ids [host_id, host_id + size) lie inside the policy's pool. */
bool userns_in_pool(const shim_policy *policy, int64_t host_id, int64_t size);

/* ---- Admin-listed devices and hooks (devices.c, hooks.c) ------------------ */

/* One kind of admin rule: how to read, release and render one. */
struct rule_kind {
  size_t size;      /* of one rule */
  int (*parse)(const struct jnode *v, struct jptr *p, void *rule, shim_error *err);
  void (*clear)(void *rule); /* also for a rule parse left half read */
  json_t *(*render)(const void *rule);
};
extern const struct rule_kind device_rule_kind, hook_rule_kind;

/* policy.c: reads an array of rules (replacing *out); renders; releases. */
int rules_parse(const struct rule_kind *kind, const struct jnode *v, struct jptr *p,
                struct rules *out, shim_error *err);
json_t *rules_render(const struct rule_kind *kind, const struct rules *rules);
void rules_clear(const struct rule_kind *kind, struct rules *rules);

/* The first rule of devices allowing character device path major:minor,
 * or NULL. */
const struct device_rule *device_rule_find(const struct rules *devices,
                                           const char *path, int64_t major,
                                           int64_t minor);
/* 0 when the host's node at path, as fact f (NULL: none) says, is
 * character device major:minor; else -1 with why[] filled. */
int device_host_node(const shim_fact *f, const char *path, int64_t major,
                     int64_t minor, char *why, size_t why_size);
/* 0 when a rule of hooks allows hook (a spec hook object) at stage and the
 * host's program, as spec's facts say, passes the rule's file checks; else
 * -1 with why[] filled, naming the policy field that would allow it. */
int hook_judge(const struct rules *hooks, const shim_spec *spec, const char *stage,
               const struct jnode *hook, char *why, size_t why_size);
/* Whether a rule of hooks names the program path. */
bool hook_rule_names(const struct rules *hooks, const char *path);

/* ---- The metadata server (metadata.c) ------------------------------------------------------ */

/* "169.254.169.254/32", "fd00:ec2::254/128": an address and a prefix. */
bool cidr_is_valid(const char *cidr);
/* The createRuntime hook hardening adds for the metadata block, as a JSON
 * hook object; NULL when the policy has no runtime (or out of memory). */
struct jnode *metadata_hook(const shim_policy *policy, struct jtree *t);
/* Whether a spec's hook is exactly that one. */
bool is_metadata_hook(const shim_policy *policy, const struct jnode *hook);

/* ---- Capabilities (caps.c) ------------------------------------------------ */

/* "CAP_SYS_ADMIN" -> 21; -1 if not exactly such a name known to libcap-ng. */
int cap_from_name(const char *name);
/* 21 -> "CAP_SYS_ADMIN" into buf. */
void cap_to_name(int cap, char *buf, size_t size);

/* ---- Host namespaces (ns.c) ----------------------------------------------- */

/* ---- Namespace kinds (ns.c) ----------------------------------------------- */

struct ns_kind {
  const char *type;      /* in the spec */
  const char *proc_name; /* in /proc/PID/ns */
  int clone_flag;
  bool required;   /* a missing entry means the host's */
  const char *k8s; /* the pod setting that shares the host's */
};
enum { NS_KINDS = 8 };
extern const struct ns_kind ns_kinds[NS_KINDS];
/* The kind of a spec's namespace type ("network"), NULL when unknown. */
const struct ns_kind *ns_kind_find(const char *type);

/* ---- Paths (path.c) ------------------------------------------------------- */

/* True when path is absolute and has no ".", ".." or empty components
 * (a trailing slash is allowed), so prefix tests on it mean something. */
bool path_is_clean(const char *path);
/* True when path equals prefix or lies below it, component-wise
 * ("/var/lib/kubelet" covers "/var/lib/kubelet/x", not "/var/lib/kubeletx"). */
bool path_has_prefix(const char *path, const char *prefix);
/* Writes the host path a bind source names, in the form the policy's
 * lists use: /var/run is /run on every distribution we run on. */
void path_canonical(const char *path, char *out, size_t size);

/* ---- Bind sources (check.c) ----------------------------------------------- */

/* Whether a spec mount is a bind (type "bind", or a "bind"/"rbind"
 * option, as runc decides); *recursive for "rbind". */
bool mount_is_bind(const struct jnode *m, bool *recursive);
/* Which of controls.host-mounts' lists a bind source falls under, by name. */
enum source_list { SOURCES_NONE, SOURCES_ALLOWED, SOURCES_READ_ONLY };
enum source_list source_list_of(const shim_policy *policy, const char *source);
/* What a read-only source's bind must carry besides "ro": the first
 * RO_BIND_PLAIN for "bind", all for "rbind". */
#define RO_BIND_OPTIONS 5
#define RO_BIND_PLAIN 2
extern const char *const ro_bind_options[RO_BIND_OPTIONS];

/* ---- Seccomp (seccomp.c, bpf.c) ------------------------------------------ */

/* One rule of a profile resolved for a container: the name and the
 * conditions point into the profile it came from. */
struct sc_rule {
  const char *name;
  uint32_t action;
  unsigned nargs;
  struct scmp_arg_cmp args[6];
  size_t entry; /* index of its syscalls[] entry */
};

struct sc_filter {
  uint32_t default_action;
  const char *arches[8]; /* "SCMP_ARCH_X86_64", ... */
  size_t narches;
  const char *flags[4];
  size_t nflags;
  const char *listener_path, *listener_metadata;
  struct sc_rule *rules;
  size_t count;
};

const char *seccomp_action_name(uint32_t action);
/* True for actions that may let the call run (allow, log, trace, notify). */
bool seccomp_action_allows(uint32_t action);
/* sha256 of the bytes a profile was loaded from ("" when from a tree). */
const char *seccomp_digest(const shim_seccomp *p);
/* Loads a profile from a parsed document (a spec's linux.seccomp), which
 * must outlive it: its names point into the tree.  Messages point below
 * base. */
int seccomp_from_tree(const struct jnode *doc, const char *base_pointer,
                      shim_seccomp **out, shim_error *err);
/* The rules that apply to a container with these bounding capabilities on
 * this machine's ABI and kernel (0: older than any minKernel); a non-NULL
 * deny_action replaces deliberate denials. */
int seccomp_resolve(const shim_seccomp *p, uint64_t bounding, unsigned kernel,
                    const uint32_t *deny_action, struct sc_filter *out,
                    shim_error *err);
/* "6.1.0-28-amd64" as seccomp_resolve's kernel (major << 16 | minor), 0
 * when it does not start with a number. */
unsigned seccomp_parse_kernel(const char *release);
/* The policy's profile resolved as hardening applies it. */
int seccomp_policy_filter(const shim_policy *policy, uint64_t bounding,
                          struct sc_filter *out, shim_error *err);
/* Where both allow (seccomp.c documents the rule); names of syscalls the
 * rule had to deny outright go to narrowed. */
int seccomp_intersect(const struct sc_filter *policy,
                      const struct sc_filter *spec, struct sc_filter *out,
                      struct strlist *narrowed, shim_error *err);
void sc_filter_clear(struct sc_filter *f);
/* _cleanup_ helpers. */
void cleanup_filterp(struct sc_filter *f);
void cleanup_seccompp(shim_seccomp **p);
void cleanup_ctxp(scmp_filter_ctx *ctx);
void cleanup_strlistp(struct strlist *l);
/* An OCI linux.seccomp section, built in t. */
int seccomp_to_oci(const struct sc_filter *f, struct jtree *t, struct jnode **out,
                   shim_error *err);
/* Compiles with libseccomp (native ABI and the filter's arches). */
int seccomp_compile(const struct sc_filter *f, scmp_filter_ctx *out,
                    shim_error *err);
int seccomp_export(scmp_filter_ctx ctx, bool pfc, char **out, size_t *len,
                   shim_error *err);

struct sock_filter;
struct seccomp_data;
/* Runs a seccomp BPF program on one call; *result is its return value. */
int bpf_run(const struct sock_filter *prog, size_t len,
            const struct seccomp_data *data, uint32_t *result,
            shim_error *err);

/* ---- The seccomp loader's form (loader.c) --------------------------------- */

/* Anything of the form: the annotation, a mount in SHIM_SECCOMP_DIR or
 * process.args[0] there. */
bool loader_named(const struct jnode *root);
enum loader_fault {
  LOADER_OK,        /* exactly the form */
  LOADER_UNWRAPPED, /* the form, but process.args misses the loader (an
                       exec'd process): hardening wraps it */
  LOADER_WRONG,     /* anything else: refused */
};
/* What root's annotation makes of the form, worked out once per spec (the
 * digest of a profile's text is not free): its profile and the filter file
 * it names (DIR/<sha256 of the text>.bpf; "" without a loader or a
 * profile). */
struct loader_form {
  const char *profile;
  char filter[4096];
};
void loader_form(const shim_policy *policy, const struct jnode *root,
                 struct loader_form *f);
/* How root stands to the form under policy; why says what is wrong. */
enum loader_fault loader_check(const shim_policy *policy, const struct jnode *root,
                               const struct loader_form *f, char *why, size_t size);
/* One of the two mounts the form adds, exactly. */
bool loader_mount_is_ours(const shim_policy *policy, const struct loader_form *f,
                          const struct jnode *m);
/* Whether hardening can put root in the form (a loader, no_new_privs, a
 * process to wrap). */
bool loader_can_take(const shim_policy *policy, const struct jnode *root);
/* Puts doc in the form with oci (an OCI linux.seccomp) as its profile;
 * *changed is false when it already was. */
int loader_apply(const shim_policy *policy, struct jtree *t, struct jnode *doc,
                 const struct jnode *oci, bool *changed, shim_error *err);

/* ---- SHA-256 (sha256.c) ------------------------------------------------------ */

void sha256_hex(const void *data, size_t len, char out[65]);
/* chain = sha256(chain || data): a digest of several inputs in turn. */
int sha256_chain(char chain[65], const void *data, size_t len);

/* Whether a cgroup v2 pids.max value (linux.resources.unified) keeps a
 * limit: a positive decimal number, not "max" (check.c). */
bool unified_pids_max_ok(const char *value);

/* ---- Reports (report.c) ----------------------------------------------------- */

shim_report *report_new(void);
/* Adds a finding (the strings are copied); returns -SHIM_ERR_NOMEM on
 * allocation failure. */
int report_add(shim_report *report, const char *control, shim_verdict verdict,
               const char *pointer, const char *k8s, const char *message);
/* {"verdict", "findings", "changes"}, as shim_report_render's JSON; NULL
 * when out of memory. */
json_t *report_to_json(const shim_report *report);
/* Records what hardening changed. */
int report_add_change(shim_report *report, const char *control,
                      const char *pointer, const char *message);

/* ---- Embedded default policy (default_policy.c, generated) ----------------- */

extern const char default_policy_json[];
extern const size_t default_policy_json_len;
extern const char default_policy_json_sha256[]; /* computed at build time */
extern const char sandbox_seccomp_json[];
extern const size_t sandbox_seccomp_json_len;
extern const char sandbox_seccomp_json_sha256[]; /* computed at build time */

#endif /* SHIM_INTERNAL_H */
