/*
 * The runtime-spec (1.0 to 1.3) as Go's
 * encoding/json would decode it into runc's structs, and a walker that
 * refuses every document the two decoders could read differently.
 *
 * Why each rule exists:
 * - Go matches object keys to struct fields case-insensitively (with
 *   Unicode folding: "ſ" matches "s", "K" the Kelvin sign matches "k") and
 *   silently ignores keys that match nothing.  A key that is not exactly a
 *   field name but folds to one would be that field for runc and nothing
 *   for us: refused.  A key that folds to no field is nothing for either
 *   (the runtime-spec has runtimes ignore unknown properties): it is taken
 *   out of the tree, so that the spec written for runc lacks it too (a
 *   later runc that knew it would act on what was never checked).
 * - Go fails on a fraction, exponent or out-of-range value for an integer
 *   field; we refuse them too, with the field's Go range.
 * - Go leaves a field at its zero value on null, which is what "absent"
 *   means: the readers (jv_*) treat null members as absent.  A null array
 *   element would be a zero struct for Go: refused.
 * - Platform sections runc never reads (windows, solaris, vm, zos) are
 *   not in the schema: taken out like unknown properties, never carried
 *   unchecked.
 */
#include "config.h"
#include "internal.h"

#include <ctype.h>
#include <string.h>

enum kind { K_STRING, K_BOOL, K_INT, K_OBJECT, K_ARRAY, K_MAP };

struct node;

struct field {
  const char *name;
  const struct node *type;
};

struct node {
  enum kind kind;
  long long min, max;                /* K_INT: the Go type's range */
  const struct field *fields;        /* K_OBJECT: NULL-terminated */
  const struct node *elem;           /* K_ARRAY, K_MAP: element type */
  const char *const *one_of;         /* K_STRING: allowed values, or NULL */
  const char *type_name;             /* for messages: "string", "uint32" ... */
  /* Another type the field may have: runtime-spec 1.3 changed some (a
   * runtime built on an older spec fails to decode the newer form, and
   * so refuses it itself). */
  const struct node *or;
};

/* The reader holds integers as int64 (as jansson, which writes hardened
 * specs, does): uint64 values above INT64_MAX are refused as it reads. */
static const struct node t_string = {.kind = K_STRING, .type_name = "string"};
static const struct node t_bool = {.kind = K_BOOL, .type_name = "boolean"};
static const struct node t_u16 = {K_INT, 0, UINT16_MAX, .type_name = "uint16"};
static const struct node t_i32 = {K_INT, INT32_MIN, INT32_MAX, .type_name = "int32"};
static const struct node t_u32 = {K_INT, 0, UINT32_MAX, .type_name = "uint32"};
static const struct node t_i64 = {K_INT, INT64_MIN, INT64_MAX, .type_name = "int64"};
static const struct node t_u64 = {K_INT, 0, INT64_MAX, .type_name = "uint64"};

#define ARRAY(name, of)                                                        \
  static const struct node name = {                                            \
      .kind = K_ARRAY, .elem = &(of), .type_name = "array"}
#define MAP(name, of)                                                          \
  static const struct node name = {                                            \
      .kind = K_MAP, .elem = &(of), .type_name = "object"}
#define OBJECT(name, ...)                                                      \
  static const struct field name##_fields[] = {__VA_ARGS__, {NULL, NULL}};     \
  static const struct node name = {                                            \
      .kind = K_OBJECT, .fields = name##_fields, .type_name = "object"}

ARRAY(t_strings, t_string);
ARRAY(t_u32s, t_u32);
MAP(t_string_map, t_string);

/* ---- process ---- */
OBJECT(t_box, {"height", &t_u64}, {"width", &t_u64});
OBJECT(t_user, {"uid", &t_u32}, {"gid", &t_u32}, {"umask", &t_u32},
       {"additionalGids", &t_u32s}, {"username", &t_string});
OBJECT(t_caps, {"bounding", &t_strings}, {"effective", &t_strings},
       {"inheritable", &t_strings}, {"permitted", &t_strings},
       {"ambient", &t_strings});
OBJECT(t_rlimit, {"type", &t_string}, {"hard", &t_u64}, {"soft", &t_u64});
ARRAY(t_rlimits, t_rlimit);
OBJECT(t_scheduler, {"policy", &t_string}, {"nice", &t_i32},
       {"priority", &t_i32}, {"flags", &t_strings}, {"runtime", &t_u64},
       {"deadline", &t_u64}, {"period", &t_u64});
OBJECT(t_iopriority, {"class", &t_string}, {"priority", &t_i64});
OBJECT(t_cpu_affinity, {"initial", &t_string}, {"final", &t_string});
OBJECT(t_process, {"terminal", &t_bool}, {"consoleSize", &t_box},
       {"user", &t_user}, {"args", &t_strings}, {"commandLine", &t_string},
       {"env", &t_strings}, {"cwd", &t_string}, {"capabilities", &t_caps},
       {"rlimits", &t_rlimits}, {"noNewPrivileges", &t_bool},
       {"apparmorProfile", &t_string}, {"oomScoreAdj", &t_i64},
       {"scheduler", &t_scheduler}, {"selinuxLabel", &t_string},
       {"ioPriority", &t_iopriority}, {"execCPUAffinity", &t_cpu_affinity});

/* ---- root, mounts, hooks ---- */
OBJECT(t_root, {"path", &t_string}, {"readonly", &t_bool});
OBJECT(t_idmap, {"containerID", &t_u32}, {"hostID", &t_u32}, {"size", &t_u32});
ARRAY(t_idmaps, t_idmap);
OBJECT(t_mount, {"destination", &t_string}, {"type", &t_string},
       {"source", &t_string}, {"options", &t_strings},
       {"uidMappings", &t_idmaps}, {"gidMappings", &t_idmaps});
ARRAY(t_mounts, t_mount);
OBJECT(t_hook, {"path", &t_string}, {"args", &t_strings}, {"env", &t_strings},
       {"timeout", &t_i64});
ARRAY(t_hook_list, t_hook);
OBJECT(t_hooks, {"prestart", &t_hook_list}, {"createRuntime", &t_hook_list},
       {"createContainer", &t_hook_list}, {"startContainer", &t_hook_list},
       {"poststart", &t_hook_list}, {"poststop", &t_hook_list});

/* ---- linux.resources ---- */
OBJECT(t_dev_cgroup, {"allow", &t_bool}, {"type", &t_string},
       {"major", &t_i64}, {"minor", &t_i64}, {"access", &t_string});
ARRAY(t_dev_cgroups, t_dev_cgroup);
OBJECT(t_memory, {"limit", &t_i64}, {"reservation", &t_i64}, {"swap", &t_i64},
       {"kernel", &t_i64}, {"kernelTCP", &t_i64}, {"swappiness", &t_u64},
       {"disableOOMKiller", &t_bool}, {"useHierarchy", &t_bool},
       {"checkBeforeUpdate", &t_bool});
OBJECT(t_cpu, {"shares", &t_u64}, {"quota", &t_i64}, {"burst", &t_u64},
       {"period", &t_u64}, {"realtimeRuntime", &t_i64},
       {"realtimePeriod", &t_u64}, {"cpus", &t_string}, {"mems", &t_string},
       {"idle", &t_i64});
OBJECT(t_pids, {"limit", &t_i64});
/* Go flattens the embedded LinuxBlockIODevice: major and minor sit beside
 * the device's own fields. */
OBJECT(t_weight_dev, {"major", &t_i64}, {"minor", &t_i64}, {"weight", &t_u16},
       {"leafWeight", &t_u16});
ARRAY(t_weight_devs, t_weight_dev);
OBJECT(t_throttle_dev, {"major", &t_i64}, {"minor", &t_i64}, {"rate", &t_u64});
ARRAY(t_throttle_devs, t_throttle_dev);
OBJECT(t_blockio, {"weight", &t_u16}, {"leafWeight", &t_u16},
       {"weightDevice", &t_weight_devs},
       {"throttleReadBpsDevice", &t_throttle_devs},
       {"throttleWriteBpsDevice", &t_throttle_devs},
       {"throttleReadIOPSDevice", &t_throttle_devs},
       {"throttleWriteIOPSDevice", &t_throttle_devs});
OBJECT(t_hugepage, {"pageSize", &t_string}, {"limit", &t_u64});
ARRAY(t_hugepages, t_hugepage);
OBJECT(t_if_prio, {"name", &t_string}, {"priority", &t_u32});
ARRAY(t_if_prios, t_if_prio);
OBJECT(t_network, {"classID", &t_u32}, {"priorities", &t_if_prios});
OBJECT(t_rdma, {"hcaHandles", &t_u32}, {"hcaObjects", &t_u32});
MAP(t_rdma_map, t_rdma);
OBJECT(t_resources, {"devices", &t_dev_cgroups}, {"memory", &t_memory},
       {"cpu", &t_cpu}, {"pids", &t_pids}, {"blockIO", &t_blockio},
       {"hugepageLimits", &t_hugepages}, {"network", &t_network},
       {"rdma", &t_rdma_map}, {"unified", &t_string_map});

/* ---- linux ---- */
static const char *const namespace_types[] = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL};
static const struct node t_ns_type = {
    .kind = K_STRING, .one_of = namespace_types, .type_name = "string"};
OBJECT(t_namespace, {"type", &t_ns_type}, {"path", &t_string});
ARRAY(t_namespaces, t_namespace);
OBJECT(t_device, {"path", &t_string}, {"type", &t_string}, {"major", &t_i64},
       {"minor", &t_i64}, {"fileMode", &t_u32}, {"uid", &t_u32},
       {"gid", &t_u32});
ARRAY(t_devices, t_device);
OBJECT(t_seccomp_arg, {"index", &t_u64}, {"value", &t_u64},
       {"valueTwo", &t_u64}, {"op", &t_string});
ARRAY(t_seccomp_args, t_seccomp_arg);
OBJECT(t_syscall, {"names", &t_strings}, {"action", &t_string},
       {"errnoRet", &t_u64}, {"args", &t_seccomp_args});
ARRAY(t_syscalls, t_syscall);
OBJECT(t_seccomp, {"defaultAction", &t_string}, {"defaultErrnoRet", &t_u64},
       {"architectures", &t_strings}, {"flags", &t_strings},
       {"listenerPath", &t_string}, {"listenerMetadata", &t_string},
       {"syscalls", &t_syscalls});
/* schemata: one string up to runtime-spec 1.2, lines of it from 1.3. */
static const struct node t_schemata = {.kind = K_STRING, .type_name = "string or array",
                                       .or = &t_strings};
OBJECT(t_intel_rdt, {"closID", &t_string}, {"schemata", &t_schemata},
       {"l3CacheSchema", &t_string}, {"memBwSchema", &t_string},
       {"enableCMT", &t_bool}, {"enableMBM", &t_bool},
       {"enableMonitoring", &t_bool});
OBJECT(t_personality, {"domain", &t_string}, {"flags", &t_strings});
OBJECT(t_time_offset, {"secs", &t_i64}, {"nanosecs", &t_u32});
MAP(t_time_offsets, t_time_offset);
OBJECT(t_mempolicy, {"mode", &t_string}, {"nodes", &t_string},
       {"flags", &t_strings});
OBJECT(t_net_device, {"name", &t_string});
MAP(t_net_devices, t_net_device);
OBJECT(t_linux, {"uidMappings", &t_idmaps}, {"gidMappings", &t_idmaps},
       {"sysctl", &t_string_map}, {"resources", &t_resources},
       {"cgroupsPath", &t_string}, {"namespaces", &t_namespaces},
       {"devices", &t_devices}, {"seccomp", &t_seccomp},
       {"rootfsPropagation", &t_string}, {"maskedPaths", &t_strings},
       {"readonlyPaths", &t_strings}, {"mountLabel", &t_string},
       {"intelRdt", &t_intel_rdt}, {"personality", &t_personality},
       {"timeOffsets", &t_time_offsets}, {"memoryPolicy", &t_mempolicy},
       {"netDevices", &t_net_devices});

/* ---- the document ---- */
OBJECT(t_spec, {"ociVersion", &t_string}, {"process", &t_process},
       {"root", &t_root}, {"hostname", &t_string}, {"domainname", &t_string},
       {"mounts", &t_mounts}, {"hooks", &t_hooks},
       {"annotations", &t_string_map}, {"linux", &t_linux});

static const char *type_name(const struct jnode *v) {
  switch ((enum jtype)v->type) {
  case J_OBJECT: return "object";
  case J_ARRAY: return "array";
  case J_STRING: return "string";
  case J_INT: return "integer";
  case J_REAL: return "number with a fraction or exponent";
  case J_TRUE:
  case J_FALSE: return "boolean";
  case J_NULL: return "null";
  }
  return "?";
}

static const struct node *find_field(const struct node *t, const char *key) {
  for (const struct field *f = t->fields; f->name; f++)
    if (strcmp(f->name, key) == 0)
      return f->type;
  return NULL;
}

/* Whether Go's encoding/json would match key (UTF-8) to the ASCII field
 * name: letters compared without case, and the non-ASCII letters that fold
 * to ASCII ones taken as those: U+017F (long s) as s, U+212A (Kelvin) as
 * k, and U+0130 and U+0131 (dotted and dotless i) as i, which Go 1.21's
 * folding (upper of lower) matches. */
static bool go_matches(const char *key, const char *field) {
  const unsigned char *k = (const unsigned char *)key;
  for (const char *f = field; *f; f++) {
    int got;
    if (k[0] && k[0] < 0x80) {
      got = toupper(k[0]);
      k++;
    } else if (k[0] == 0xC5 && k[1] == 0xBF) {
      got = 'S';
      k += 2;
    } else if (k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) {
      got = 'K';
      k += 3;
    } else if (k[0] == 0xC4 && (k[1] == 0xB0 || k[1] == 0xB1)) {
      got = 'I';
      k += 2;
    } else {
      return false;
    }
    if (got != toupper((unsigned char)*f))
      return false;
  }
  return k[0] == '\0';
}

static const char *go_field(const struct node *t, const char *key) {
  for (const struct field *f = t->fields; f->name; f++)
    if (go_matches(key, f->name))
      return f->name;
  return NULL;
}

static int walk(struct jnode *v, const struct node *t, struct jptr *p, shim_error *err);

static int walk_object(struct jnode *v, const struct node *t, struct jptr *p,
                       shim_error *err) {
  /* Null members too: a case-folded key set to null would clear a field
   * for Go ("Process": null). */
  for (struct jnode *m = v->first, *next; m; m = next) {
    next = m->next;
    size_t mark = jptr_push_key(p, m->key);
    const struct node *ft = t->kind == K_MAP ? t->elem : find_field(t, m->key);
    const char *as = ft ? NULL : go_field(t, m->key);
    if (as)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "not a runtime-spec field name, but runc would read it as "
                       "\"%s\"", as);
    if (!ft) {
      jt_remove(v, m); /* unknown to both: ignored, as runc does */
      jptr_pop(p, mark);
      continue;
    }
    if (m->type == J_NULL && t->kind == K_MAP)
      /* Go keeps a map key whose value is null, with the zero value
       * ("sysctl": {"x": null} sets x to ""): we would see no key. */
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "null is not allowed in a map (runc would keep the "
                       "key with an empty value)");
    if (m->type != J_NULL) {
      int ret = walk(m, ft, p, err);
      if (ret < 0)
        return ret;
    }
    jptr_pop(p, mark);
  }
  return 0;
}

static int walk(struct jnode *v, const struct node *t, struct jptr *p, shim_error *err) {
  switch (t->kind) {
  case K_STRING:
    if (v->type != J_STRING)
      break;
    if (t->one_of) {
      for (const char *const *s = t->one_of; *s; s++)
        if (strcmp(*s, v->v.str) == 0)
          return 0;
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "unknown value \"%s\"",
                       v->v.str);
    }
    return 0;
  case K_BOOL:
    if (v->type != J_TRUE && v->type != J_FALSE)
      break;
    return 0;
  case K_INT:
    if (v->type != J_INT)
      break;
    if (v->v.num < t->min || v->v.num > t->max)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "%lld is out of range for %s", (long long)v->v.num,
                       t->type_name);
    return 0;
  case K_OBJECT:
  case K_MAP:
    if (v->type != J_OBJECT)
      break;
    if (v->count > SHIM_MAX_ARRAY_ITEMS)
      return error_set(err, SHIM_ERR_LIMIT, p->buf,
                       "more than %d members", SHIM_MAX_ARRAY_ITEMS);
    return walk_object(v, t, p, err);
  case K_ARRAY:
    if (v->type != J_ARRAY)
      break;
    if (v->count > SHIM_MAX_ARRAY_ITEMS)
      return error_set(err, SHIM_ERR_LIMIT, p->buf, "more than %d items",
                       SHIM_MAX_ARRAY_ITEMS);
    size_t i = 0;
    for (struct jnode *item = v->first; item; item = item->next, i++) {
      size_t mark = jptr_push_index(p, i);
      if (item->type == J_NULL)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "null is not allowed in an array");
      int ret = walk(item, t->elem, p, err);
      if (ret < 0)
        return ret;
      jptr_pop(p, mark);
    }
    return 0;
  }
  if (t->or && (v->type == J_ARRAY) == (t->or->kind == K_ARRAY))
    return walk(v, t->or, p, err);
  return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected %s, found %s",
                   t->type_name, type_name(v));
}

int schema_validate_spec(struct jnode *root, shim_error *err) {
  struct jptr p = {0};
  return walk(root, &t_spec, &p, err);
}

int schema_validate_resources(struct jnode *root, shim_error *err) {
  struct jptr p = {0};
  return walk(root, &t_resources, &p, err);
}
