/*
 * Seccomp profiles: the format of the OCI spec and of Docker/containerd
 * (archMap, includes/excludes), resolved for one container, combined with
 * the policy's profile, written back as an OCI section, and compiled with
 * libseccomp for `shimctl seccomp`.
 *
 * runc compiles the linux.seccomp section it finds in config.json itself;
 * libshim compiles the same section to prove it compiles (fail closed), to
 * show it (dump, explain) and to measure it.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Rules (one per syscall name of an entry) in one profile: a few hundred
 * in real ones; the cap keeps combining profiles (quadratic in the worst
 * case) cheap on any input. */
#define MAX_RULES 4096

/* ---- Names ---------------------------------------------------------------- */

static const struct {
  const char *name;
  uint32_t action; /* with a zero errno/trace value */
} action_names[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

static const char *const op_names[] = {
    [SCMP_CMP_NE] = "SCMP_CMP_NE", [SCMP_CMP_LT] = "SCMP_CMP_LT",
    [SCMP_CMP_LE] = "SCMP_CMP_LE", [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [SCMP_CMP_GE] = "SCMP_CMP_GE", [SCMP_CMP_GT] = "SCMP_CMP_GT",
    [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
/* Their values in seccomp(2) (linux/seccomp.h; the last from Linux 5.19). */
static const unsigned int flag_values[] = {1u << 0, 1u << 1, 1u << 2, 1u << 5};

static uint32_t action_base(uint32_t action) {
  return (action & 0xffff0000U) == SCMP_ACT_ERRNO(0) ||
                 (action & 0xffff0000U) == SCMP_ACT_TRACE(0)
             ? action & 0xffff0000U
             : action;
}

const char *seccomp_action_name(uint32_t action) {
  for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
    if (action_names[i].action == action_base(action) &&
        strcmp(action_names[i].name, "SCMP_ACT_KILL") != 0)
      return action_names[i].name;
  return "?";
}

/* Actions that may let the call run (a tracer or a notify agent decides). */
bool seccomp_action_allows(uint32_t action) {
  uint32_t b = action_base(action);
  return b == SCMP_ACT_ALLOW || b == SCMP_ACT_LOG || b == SCMP_ACT_TRACE(0) ||
         b == SCMP_ACT_NOTIFY;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token; 0 when unknown. */
static uint32_t arch_token(const char *name) {
  const char *prefix = "SCMP_ARCH_";
  if (strncmp(name, prefix, strlen(prefix)) != 0)
    return 0;
  char lower[32];
  size_t i = 0;
  for (const char *c = name + strlen(prefix); *c && i + 1 < sizeof lower; c++)
    lower[i++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
  lower[i] = '\0';
  return seccomp_arch_resolve_name(lower);
}

/* The machine as the two formats name it. */
struct host {
  uint32_t arch;           /* libseccomp token of the native ABI */
  const char *arch_name;   /* "SCMP_ARCH_X86_64" */
  const char *go_arch;     /* "amd64": Docker's includes.arches */
  unsigned kernel;         /* major << 16 | minor */
};

unsigned seccomp_parse_kernel(const char *s) {
  unsigned major = 0, minor = 0;
  if (sscanf(s, "%u.%u", &major, &minor) < 1)
    return 0;
  return major << 16 | (minor & 0xffff);
}

static void host_get(struct host *h, unsigned kernel) {
  static const struct {
    uint32_t arch;
    const char *name, *go;
  } arches[] = {
      {SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64"},
      {SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64"},
      {SCMP_ARCH_X86, "SCMP_ARCH_X86", "386"},
      {SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm"},
      {SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le"},
      {SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x"},
      {SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64"},
  };
  uint32_t native = seccomp_arch_native();
  *h = (struct host){.arch = native, .arch_name = "?", .go_arch = "?", .kernel = kernel};
  for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
    if (arches[i].arch == native) {
      h->arch_name = arches[i].name;
      h->go_arch = arches[i].go;
    }
}

/* ---- The profile ------------------------------------------------------------ */

/* When a Docker-format rule applies (moby's semantics): every included
 * capability in the bounding set, no excluded one; the native arch listed
 * (or not, for excludes); the kernel at least minKernel. */
struct condition {
  uint64_t caps;
  struct strlist arches;
  unsigned min_kernel;
};

/* One entry of syscalls[]: what its names share. */
struct entry {
  uint32_t action;
  unsigned nargs;
  struct scmp_arg_cmp args[6];
  struct condition includes, excludes;
};

/* One syscall name of an entry.  A profile has hundreds of names and a few
 * dozen entries: a rule is a name and its entry's index, not a copy of the
 * entry (a create reads two profiles, and every page it touches costs). */
struct rule {
  const char *name; /* in the document's tree */
  size_t entry;     /* index in entries[] and in syscalls[] */
};

struct arch_map {
  const char *arch;
  struct strlist subs;
};

struct shim_seccomp {
  /* The document the strings below point into: owned when the profile was
   * loaded from bytes; a spec's section is read in the spec's tree, which
   * outlives it (nodes NULL). */
  struct jtree tree;
  uint32_t default_action;
  struct strlist architectures; /* OCI form */
  struct arch_map *arch_map;    /* Docker form */
  size_t arch_map_count;
  struct strlist flags;
  const char *listener_path, *listener_metadata;
  struct entry *entries;
  size_t nentries;
  struct rule *rules;
  size_t count;
  struct strlist warnings; /* syscall names this libseccomp does not know */
  char digest[65];         /* sha256 of the bytes it was read from, or "" */
};

static void condition_clear(struct condition *c) { strlist_clear(&c->arches); }

void shim_seccomp_free(shim_seccomp *p) {
  if (!p)
    return;
  for (size_t i = 0; i < p->nentries; i++) {
    condition_clear(&p->entries[i].includes);
    condition_clear(&p->entries[i].excludes);
  }
  free(p->entries);
  free(p->rules);
  for (size_t i = 0; i < p->arch_map_count; i++)
    strlist_clear(&p->arch_map[i].subs);
  free(p->arch_map);
  strlist_clear(&p->architectures);
  strlist_clear(&p->flags);
  strlist_clear(&p->warnings);
  if (p->tree.nodes)
    jtree_free(&p->tree);
  free(p);
}

void cleanup_seccompp(shim_seccomp **p) { shim_seccomp_free(*p); }

/* ---- Loading ---------------------------------------------------------------- */

/* Read in the strict reader's tree (jtree.c): null members are absent, as
 * for Go's decoder. */
struct loader {
  shim_seccomp *p;
  struct jptr ptr;
  shim_error *err;
};

static int bad(struct loader *l, const char *what) {
  return error_set(l->err, SHIM_ERR_SCHEMA, l->ptr.buf, "%s", what);
}

static int nomem(struct loader *l) {
  return error_set(l->err, SHIM_ERR_NOMEM, NULL, "out of memory");
}

/* Only the keys listed: a misspelt key would otherwise silently weaken
 * the profile. */
static int only_keys(struct loader *l, const struct jnode *obj,
                     const char *const *keys) {
  jv_foreach(obj, m) {
    const char *const *k = keys;
    while (*k && strcmp(*k, m->key) != 0)
      k++;
    if (!*k) {
      size_t mark = jptr_push_key(&l->ptr, m->key);
      int ret = bad(l, "unknown field");
      jptr_pop(&l->ptr, mark);
      return ret;
    }
  }
  return 0;
}

static int get_strings(struct loader *l, const struct jnode *obj, const char *key,
                       struct strlist *out) {
  const struct jnode *v = jv_get(obj, key);
  if (!v)
    return 0;
  size_t mark = jptr_push_key(&l->ptr, key);
  int ret = jv_read_strings(v, &l->ptr, NULL, NULL, out, l->err);
  if (ret == 0)
    jptr_pop(&l->ptr, mark);
  return ret;
}

/* errno/trace value: OCI says EPERM when absent for errno actions. */
static int get_action(struct loader *l, const struct jnode *obj, const char *key,
                      const char *ret_key, uint32_t *out) {
  size_t mark = jptr_push_key(&l->ptr, key);
  const char *name = jv_str(jv_get(obj, key));
  size_t i = 0;
  while (name && i < ARRAY_SIZE(action_names) &&
         strcmp(action_names[i].name, name) != 0)
    i++;
  if (!name || i == ARRAY_SIZE(action_names))
    return bad(l, "expected an action (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...)");
  jptr_pop(&l->ptr, mark);
  uint32_t action = action_names[i].action;
  const struct jnode *ret = jv_get(obj, ret_key);
  if (ret) {
    mark = jptr_push_key(&l->ptr, ret_key);
    if (ret->type != J_INT || ret->v.num < 0 || ret->v.num > 0xffff)
      return bad(l, "expected an integer from 0 to 65535");
    jptr_pop(&l->ptr, mark);
  }
  if (action == SCMP_ACT_ERRNO(0))
    action = SCMP_ACT_ERRNO(ret ? (uint32_t)ret->v.num : EPERM);
  else if (action == SCMP_ACT_TRACE(0) && ret)
    action = SCMP_ACT_TRACE((uint32_t)ret->v.num);
  *out = action;
  return 0;
}

static int get_u64(struct loader *l, const struct jnode *obj, const char *key,
                   uint64_t max, bool required, uint64_t *out) {
  const struct jnode *v = jv_get(obj, key);
  size_t mark = jptr_push_key(&l->ptr, key);
  if (!v && required)
    return bad(l, "required");
  if (v && (v->type != J_INT || v->v.num < 0 || (uint64_t)v->v.num > max))
    return bad(l, "expected an integer in range");
  *out = v ? (uint64_t)v->v.num : 0;
  jptr_pop(&l->ptr, mark);
  return 0;
}

static int load_condition(struct loader *l, const struct jnode *obj,
                          const char *key, struct condition *out) {
  const struct jnode *v = jv_get(obj, key);
  if (!v)
    return 0;
  size_t mark = jptr_push_key(&l->ptr, key);
  static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
  if (v->type != J_OBJECT)
    return bad(l, "expected an object");
  int ret = only_keys(l, v, keys);
  if (ret < 0)
    return ret;
  const struct jnode *caps = jv_get(v, "caps");
  if (caps) {
    size_t cmark = jptr_push_key(&l->ptr, "caps");
    if ((ret = jv_read_caps(caps, &l->ptr, &out->caps, l->err)) < 0)
      return ret;
    jptr_pop(&l->ptr, cmark);
  }
  ret = get_strings(l, v, "arches", &out->arches);
  const struct jnode *mk = jv_get(v, "minKernel");
  if (ret == 0 && mk) {
    jptr_push_key(&l->ptr, "minKernel");
    if (mk->type != J_STRING || !(out->min_kernel = seccomp_parse_kernel(mk->v.str)))
      return bad(l, "expected a kernel version such as \"5.8\"");
  }
  if (ret < 0)
    return ret;
  jptr_pop(&l->ptr, mark);
  return 0;
}

static int load_args(struct loader *l, const struct jnode *args, struct entry *e) {
  size_t mark = jptr_push_key(&l->ptr, "args");
  if (args->type != J_ARRAY || args->count > 6)
    return bad(l, "expected an array of at most 6 comparisons");
  size_t i = 0;
  jv_foreach_i(args, i, a) {
    size_t amark = jptr_push_index(&l->ptr, i);
    static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
    int ret;
    if (a->type != J_OBJECT)
      return bad(l, "expected an object");
    if ((ret = only_keys(l, a, arg_keys)) < 0)
      return ret;
    uint64_t idx, value, two;
    if ((ret = get_u64(l, a, "index", 5, true, &idx)) < 0 ||
        (ret = get_u64(l, a, "value", UINT64_MAX, false, &value)) < 0 ||
        (ret = get_u64(l, a, "valueTwo", UINT64_MAX, false, &two)) < 0)
      return ret;
    const char *op = jv_str(jv_get(a, "op"));
    int o = SCMP_CMP_NE;
    while (op && o <= SCMP_CMP_MASKED_EQ && strcmp(op_names[o], op) != 0)
      o++;
    if (!op || o > SCMP_CMP_MASKED_EQ) {
      jptr_push_key(&l->ptr, "op");
      return bad(l, "expected a comparison (SCMP_CMP_EQ, ...)");
    }
    for (unsigned k = 0; k < e->nargs; k++)
      if (e->args[k].arg == idx)
        return bad(l, "a second comparison of the same argument "
                      "(libseccomp cannot express it)");
    e->args[e->nargs++] = (struct scmp_arg_cmp){
        .arg = (unsigned)idx, .op = (enum scmp_compare)o, .datum_a = value,
        .datum_b = two};
    jptr_pop(&l->ptr, amark);
  }
  jptr_pop(&l->ptr, mark);
  return 0;
}

/* Adds rule name of entry index, or a warning for a name this libseccomp
 * does not know (a profile written for a newer kernel still loads). */
static int add_name(struct loader *l, const struct jnode *name, size_t index) {
  shim_seccomp *p = l->p;
  if (name->type != J_STRING)
    return bad(l, "expected a string");
  if (seccomp_syscall_resolve_name(name->v.str) == __NR_SCMP_ERROR) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s: unknown syscall \"%.200s\"", l->ptr.buf,
             name->v.str);
    return strlist_push(&p->warnings, msg) < 0 ? nomem(l) : 0;
  }
  if (p->count == MAX_RULES)
    return error_set(l->err, SHIM_ERR_LIMIT, l->ptr.buf,
                     "more than %d syscall rules in the profile", MAX_RULES);
  p->rules[p->count++] = (struct rule){.name = name->v.str, .entry = index};
  return 0;
}

static int load_entry(struct loader *l, const struct jnode *obj, size_t index) {
  static const char *const keys[] = {"names",    "name",     "action",
                                     "errnoRet", "args",     "includes",
                                     "excludes", "comment",  NULL};
  if (obj->type != J_OBJECT)
    return bad(l, "expected an object");
  int ret = only_keys(l, obj, keys);
  if (ret < 0)
    return ret;
  struct entry *e = &l->p->entries[index];
  l->p->nentries = index + 1; /* cleared by shim_seccomp_free from here */
  const struct jnode *args = jv_get(obj, "args");
  if ((ret = get_action(l, obj, "action", "errnoRet", &e->action)) < 0 ||
      (args && (ret = load_args(l, args, e)) < 0) ||
      (ret = load_condition(l, obj, "includes", &e->includes)) < 0 ||
      (ret = load_condition(l, obj, "excludes", &e->excludes)) < 0)
    return ret;
  const struct jnode *names = jv_get(obj, "names");
  if (names) {
    size_t mark = jptr_push_key(&l->ptr, "names");
    if (names->type != J_ARRAY)
      return bad(l, "expected an array of strings");
    size_t i = 0;
    jv_foreach_i(names, i, n) {
      size_t nmark = jptr_push_index(&l->ptr, i);
      if ((ret = add_name(l, n, index)) < 0)
        return ret;
      jptr_pop(&l->ptr, nmark);
    }
    jptr_pop(&l->ptr, mark);
  }
  /* Docker's older single-name form. */
  const struct jnode *name = jv_get(obj, "name");
  if (name) {
    size_t mark = jptr_push_key(&l->ptr, "name");
    if ((ret = add_name(l, name, index)) < 0)
      return ret;
    jptr_pop(&l->ptr, mark);
  }
  return 0;
}

static int load_arch_map(struct loader *l, const struct jnode *map) {
  shim_seccomp *p = l->p;
  size_t mark = jptr_push_key(&l->ptr, "archMap");
  if (map->type != J_ARRAY)
    return bad(l, "expected an array");
  p->arch_map = calloc(map->count + 1, sizeof *p->arch_map);
  if (!p->arch_map)
    return nomem(l);
  size_t i = 0;
  jv_foreach_i(map, i, e) {
    size_t emark = jptr_push_index(&l->ptr, i);
    static const char *const map_keys[] = {"architecture", "subArchitectures", NULL};
    int ret;
    if (e->type != J_OBJECT)
      return bad(l, "expected an object");
    if ((ret = only_keys(l, e, map_keys)) < 0)
      return ret;
    struct arch_map *m = &p->arch_map[p->arch_map_count++];
    const char *a = jv_str(jv_get(e, "architecture"));
    if (!a || !arch_token(a)) {
      jptr_push_key(&l->ptr, "architecture");
      return bad(l, "expected an architecture (SCMP_ARCH_X86_64, ...)");
    }
    m->arch = a;
    if ((ret = get_strings(l, e, "subArchitectures", &m->subs)) < 0)
      return ret;
    if (m->subs.count >= ARRAY_SIZE(((struct sc_filter *)0)->arches))
      return bad(l, "too many subArchitectures");
    for (size_t k = 0; k < m->subs.count; k++)
      if (!arch_token(m->subs.items[k])) {
        jptr_push_key(&l->ptr, "subArchitectures");
        jptr_push_index(&l->ptr, k);
        return bad(l, "unknown architecture");
      }
    jptr_pop(&l->ptr, emark);
  }
  jptr_pop(&l->ptr, mark);
  return 0;
}

/* syscalls[]: entries and rules are allocated at their final size (every
 * name counted first): no array grows and copies itself while loading. */
static int load_syscalls(struct loader *l, const struct jnode *calls) {
  shim_seccomp *p = l->p;
  size_t mark = jptr_push_key(&l->ptr, "syscalls");
  if (calls->type != J_ARRAY)
    return bad(l, "expected an array");
  size_t names = 0;
  jv_foreach(calls, e) {
    names += jv_count(jv_get(e, "names")) + (jv_get(e, "name") != NULL);
  }
  p->entries = calloc(calls->count + 1, sizeof *p->entries);
  p->rules = calloc((names < MAX_RULES ? names : MAX_RULES) + 1, sizeof *p->rules);
  if (!p->entries || !p->rules)
    return nomem(l);
  size_t i = 0;
  jv_foreach_i(calls, i, e) {
    size_t emark = jptr_push_index(&l->ptr, i);
    int ret = load_entry(l, e, i);
    if (ret < 0)
      return ret;
    jptr_pop(&l->ptr, emark);
  }
  jptr_pop(&l->ptr, mark);
  return 0;
}

int seccomp_from_tree(const struct jnode *doc, const char *base_pointer,
                      shim_seccomp **out, shim_error *err) {
  _cleanup_(cleanup_seccompp) shim_seccomp *p = calloc(1, sizeof *p);
  if (!p)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  struct loader l = {.p = p, .err = err};
  snprintf(l.ptr.buf, sizeof l.ptr.buf, "%s", base_pointer);
  l.ptr.len = strlen(l.ptr.buf);
  static const char *const keys[] = {
      "defaultAction", "defaultErrnoRet",  "architectures", "archMap",
      "flags",         "listenerPath",     "listenerMetadata", "syscalls",
      NULL};
  if (!doc || doc->type != J_OBJECT)
    return bad(&l, "expected an object");
  int ret = only_keys(&l, doc, keys);
  if (ret < 0 ||
      (ret = get_action(&l, doc, "defaultAction", "defaultErrnoRet",
                        &p->default_action)) < 0 ||
      (ret = get_strings(&l, doc, "architectures", &p->architectures)) < 0 ||
      (ret = get_strings(&l, doc, "flags", &p->flags)) < 0)
    return ret;
  /* What an sc_filter holds; more would be dropped, so refuse it. */
  if (p->architectures.count > ARRAY_SIZE(((struct sc_filter *)0)->arches) ||
      p->flags.count > ARRAY_SIZE(((struct sc_filter *)0)->flags))
    return bad(&l, "too many architectures or flags");
  for (size_t i = 0; i < p->architectures.count; i++)
    if (!arch_token(p->architectures.items[i])) {
      jptr_push_key(&l.ptr, "architectures");
      jptr_push_index(&l.ptr, i);
      return bad(&l, "unknown architecture");
    }
  for (size_t i = 0; i < p->flags.count; i++) {
    size_t f = 0;
    while (f < ARRAY_SIZE(flag_names) && strcmp(flag_names[f], p->flags.items[i]))
      f++;
    if (f == ARRAY_SIZE(flag_names)) {
      jptr_push_key(&l.ptr, "flags");
      jptr_push_index(&l.ptr, i);
      return bad(&l, "unknown seccomp flag");
    }
  }
  static const struct {
    const char *key;
    size_t offset;
  } strings[] = {{"listenerPath", offsetof(shim_seccomp, listener_path)},
                 {"listenerMetadata", offsetof(shim_seccomp, listener_metadata)}};
  for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
    const struct jnode *v = jv_get(doc, strings[i].key);
    if (!v)
      continue;
    size_t mark = jptr_push_key(&l.ptr, strings[i].key);
    if (v->type != J_STRING)
      return bad(&l, "expected a string");
    *(const char **)((char *)p + strings[i].offset) = v->v.str;
    jptr_pop(&l.ptr, mark);
  }
  const struct jnode *map = jv_get(doc, "archMap");
  const struct jnode *calls = jv_get(doc, "syscalls");
  if ((map && (ret = load_arch_map(&l, map)) < 0) ||
      (calls && (ret = load_syscalls(&l, calls)) < 0))
    return ret;
  *out = steal_ptr(p);
  return 0;
}

/* digest: the data's sha256 when known (the embedded profile's, computed
 * at build time: hashing it cost a tenth of a create), else NULL. */
static int load_data(const void *data, size_t len, const char *digest,
                     shim_seccomp **out, shim_error *err) {
  if (!out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no output pointer");
  struct jtree tree;
  int ret = jtree_parse(data, len, &tree, err);
  if (ret < 0)
    return ret;
  if ((ret = seccomp_from_tree(tree.nodes, "", out, err)) < 0) {
    jtree_free(&tree);
    return ret;
  }
  (*out)->tree = tree; /* the rules' strings are in it */
  if (digest)
    snprintf((*out)->digest, sizeof (*out)->digest, "%s", digest);
  else
    sha256_hex(data, len, (*out)->digest);
  return 0;
}

int shim_seccomp_load_data(const void *data, size_t len, shim_seccomp **out,
                           shim_error *err) {
  return load_data(data, len, NULL, out, err);
}

const char *seccomp_digest(const shim_seccomp *p) { return p->digest; }

int shim_seccomp_load_file(const char *path, shim_seccomp **out,
                           shim_error *err) {
  return LOAD_FILE(path, shim_seccomp_load_data, out, err);
}

int shim_seccomp_load_default(shim_seccomp **out, shim_error *err) {
  return load_data(sandbox_seccomp_json, sandbox_seccomp_json_len,
                   sandbox_seccomp_json_sha256, out, err);
}

size_t shim_seccomp_warning_count(const shim_seccomp *p) {
  return p ? p->warnings.count : 0;
}

const char *shim_seccomp_warning_get(const shim_seccomp *p, size_t i) {
  return p && i < p->warnings.count ? p->warnings.items[i] : NULL;
}

/* ---- Resolving for one container -------------------------------------------- */

static bool condition_holds(const struct condition *c, const struct host *h,
                            uint64_t bounding, bool include) {
  if (include) {
    if ((c->caps & bounding) != c->caps)
      return false;
    if (c->arches.count && !strlist_has(&c->arches, h->go_arch))
      return false;
    return !c->min_kernel || h->kernel >= c->min_kernel;
  }
  if (c->caps & bounding)
    return false;
  if (c->arches.count && strlist_has(&c->arches, h->go_arch))
    return false;
  return !c->min_kernel || h->kernel < c->min_kernel;
}

/* The rules that apply to a container with these bounding capabilities,
 * on this machine; deny_action (when not 0) replaces the action of every
 * rule that denies (the policy's "denyAction" and warn mode). */
int seccomp_resolve(const shim_seccomp *p, uint64_t bounding, unsigned kernel,
                    const uint32_t *deny_action, struct sc_filter *out,
                    shim_error *err) {
  struct host h;
  host_get(&h, kernel);
  *out = (struct sc_filter){.default_action = p->default_action};
  out->rules = calloc(p->count + 1, sizeof *out->rules);
  bool *applies = calloc(p->nentries + 1, sizeof *applies);
  if (!out->rules || !applies) {
    free(applies);
    sc_filter_clear(out);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < p->nentries; i++)
    applies[i] = condition_holds(&p->entries[i].includes, &h, bounding, true) &&
                 condition_holds(&p->entries[i].excludes, &h, bounding, false);
  for (size_t i = 0; i < p->count; i++) {
    const struct rule *r = &p->rules[i];
    const struct entry *e = &p->entries[r->entry];
    if (!applies[r->entry])
      continue;
    struct sc_rule *o = &out->rules[out->count++];
    *o = (struct sc_rule){.name = r->name, .action = e->action,
                          .nargs = e->nargs, .entry = r->entry};
    memcpy(o->args, e->args, sizeof o->args);
    if (deny_action && !seccomp_action_allows(e->action) &&
        e->action != SCMP_ACT_ERRNO(ENOSYS))
      o->action = *deny_action;
  }
  free(applies);
  /* Architectures: the OCI list, else the archMap entry of this machine,
   * else this machine's alone. */
  const struct strlist *list = &p->architectures;
  const char *first = NULL;
  if (!list->count)
    for (size_t i = 0; i < p->arch_map_count; i++)
      if (strcmp(p->arch_map[i].arch, h.arch_name) == 0) {
        first = p->arch_map[i].arch;
        list = &p->arch_map[i].subs;
      }
  if (!list->count && !first)
    first = h.arch_name;
  if (first)
    out->arches[out->narches++] = first;
  for (size_t i = 0; i < list->count && out->narches < ARRAY_SIZE(out->arches); i++)
    out->arches[out->narches++] = list->items[i];
  for (size_t i = 0; i < p->flags.count && out->nflags < ARRAY_SIZE(out->flags); i++)
    out->flags[out->nflags++] = p->flags.items[i];
  out->listener_path = p->listener_path;
  out->listener_metadata = p->listener_metadata;
  return 0;
}

void sc_filter_clear(struct sc_filter *f) {
  free(f->rules);
  *f = (struct sc_filter){0};
}

/* ---- Writing an OCI section ------------------------------------------------- */

static void set_action(struct jtree *t, struct jnode *obj, const char *key,
                       const char *ret_key, uint32_t action) {
  jt_set(t, obj, key, jt_string(t, seccomp_action_name(action)));
  uint32_t base = action_base(action);
  if (base == SCMP_ACT_ERRNO(0) || base == SCMP_ACT_TRACE(0))
    jt_set(t, obj, ret_key, jt_int(t, action & 0xffff));
}

static bool same_args(const struct sc_rule *a, const struct sc_rule *b) {
  return a->nargs == b->nargs &&
         memcmp(a->args, b->args, a->nargs * sizeof a->args[0]) == 0;
}

static struct jnode *args_node(struct jtree *t, const struct sc_rule *r) {
  struct jnode *args = jt_array(t);
  for (unsigned a = 0; a < r->nargs; a++) {
    struct jnode *arg = jt_append(args, jt_object(t));
    jt_set(t, arg, "index", jt_int(t, r->args[a].arg));
    jt_set(t, arg, "value", jt_int(t, (int64_t)r->args[a].datum_a));
    jt_set(t, arg, "valueTwo", jt_int(t, (int64_t)r->args[a].datum_b));
    jt_set(t, arg, "op", jt_string(t, op_names[r->args[a].op]));
  }
  return args;
}

/* One entry of the syscalls list: the names of rules that share r's
 * action and arguments. */
static void add_entry(struct jtree *t, struct jnode *calls, const struct sc_rule *r,
                      const char *const *names, size_t n) {
  struct jnode *e = jt_append(calls, jt_object(t));
  jt_set(t, e, "names", jt_strings(t, names, n));
  set_action(t, e, "action", "errnoRet", r->action);
  if (r->nargs)
    jt_set(t, e, "args", args_node(t, r));
}

/* Rules are written in order; consecutive rules with the same action and
 * arguments share one entry.  The output depends only on the rules, so
 * hardening a hardened spec writes the same section again. */
int seccomp_to_oci(const struct sc_filter *f, struct jtree *t, struct jnode **out,
                   shim_error *err) {
  struct jnode *doc = jt_object(t);
  set_action(t, doc, "defaultAction", "defaultErrnoRet", f->default_action);
  jt_set(t, doc, "architectures", jt_strings(t, f->arches, f->narches));
  if (f->nflags)
    jt_set(t, doc, "flags", jt_strings(t, f->flags, f->nflags));
  if (f->listener_path)
    jt_set(t, doc, "listenerPath", jt_string(t, f->listener_path));
  if (f->listener_metadata)
    jt_set(t, doc, "listenerMetadata", jt_string(t, f->listener_metadata));
  struct jnode *calls = jt_set(t, doc, "syscalls", jt_array(t));
  _cleanup_free_ const char **names = malloc((f->count + 1) * sizeof *names);
  if (!names)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t n = 0;
  const struct sc_rule *prev = NULL;
  for (size_t i = 0; i < f->count; i++) {
    const struct sc_rule *r = &f->rules[i];
    /* A rule that only repeats the default says nothing (and libseccomp
     * refuses it): left out, so that the section is canonical. */
    if (r->action == f->default_action && !r->nargs)
      continue;
    if (prev && (r->action != prev->action || !same_args(r, prev))) {
      add_entry(t, calls, prev, names, n);
      n = 0;
    }
    names[n++] = r->name;
    prev = r;
  }
  if (prev)
    add_entry(t, calls, prev, names, n);
  if (t->failed)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  *out = doc;
  return 0;
}

/* ---- Combining with the policy's profile ------------------------------------ */

/* One side's rules sorted by name (then by position), so that all the rules
 * of a name are one slice: both sides sorted and walked together once
 * give every name its two slices, with no quadratic string comparisons. */
struct slice {
  const struct sc_rule *const *r;
  size_t n;
};

/* A syscall name's rules on each side. */
struct name_rules {
  struct slice policy, spec;
};

static int by_name_cmp(const void *x, const void *y) {
  const struct sc_rule *a = *(const struct sc_rule *const *)x;
  const struct sc_rule *b = *(const struct sc_rule *const *)y;
  int c = strcmp(a->name, b->name);
  return c ? c : (a > b) - (a < b); /* one array: position order */
}

static const struct sc_rule **by_name(const struct sc_filter *f) {
  const struct sc_rule **sorted = malloc((f->count + 1) * sizeof *sorted);
  if (!sorted)
    return NULL;
  for (size_t i = 0; i < f->count; i++)
    sorted[i] = &f->rules[i];
  qsort(sorted, f->count, sizeof *sorted, by_name_cmp);
  return sorted;
}

/* The slice of sorted[*at..n) named like sorted[*at], advancing *at past
 * it; empty when that name is not name. */
static struct slice take_name(const struct sc_rule **sorted, size_t n, size_t *at,
                              const char *name) {
  size_t start = *at;
  while (*at < n && strcmp(sorted[*at]->name, name) == 0)
    ++*at;
  return (struct slice){sorted + start, *at - start};
}

/* names_at[i]: the rules of each side named like rule i of its side, set
 * at the rule where that name first appears (the policy's rule when both
 * sides have it), empty elsewhere. */
static int group_names(const struct sc_filter *policy, const struct sc_filter *spec,
                       struct name_rules *policy_at, struct name_rules *spec_at,
                       const struct sc_rule ***keep) {
  const struct sc_rule **p = keep[0] = by_name(policy);
  const struct sc_rule **q = keep[1] = by_name(spec);
  if (!p || !q)
    return -SHIM_ERR_NOMEM;
  size_t i = 0, k = 0;
  while (i < policy->count || k < spec->count) {
    int c = i == policy->count   ? 1
            : k == spec->count   ? -1
                                 : strcmp(p[i]->name, q[k]->name);
    const char *name = c <= 0 ? p[i]->name : q[k]->name;
    struct name_rules g = {
        .policy = c <= 0 ? take_name(p, policy->count, &i, name) : (struct slice){0},
        .spec = c >= 0 ? take_name(q, spec->count, &k, name) : (struct slice){0}};
    if (g.policy.n)
      policy_at[g.policy.r[0] - policy->rules] = g;
    else
      spec_at[g.spec.r[0] - spec->rules] = g;
  }
  return 0;
}

/* How one side treats a syscall. */
enum sc_class { SC_ALLOW, SC_DENY, SC_ARGS };

static enum sc_class classify(struct slice rules, uint32_t default_action,
                              uint32_t *action) {
  for (size_t i = 0; i < rules.n; i++)
    if (rules.r[i]->nargs)
      return SC_ARGS;
  *action = rules.n ? rules.r[0]->action : default_action;
  return seccomp_action_allows(*action) ? SC_ALLOW : SC_DENY;
}

/* Whether both sides have the same rules, in the same order. */
static bool same_rules(struct slice a, struct slice b) {
  if (a.n != b.n)
    return false;
  for (size_t i = 0; i < a.n; i++)
    if (a.r[i]->action != b.r[i]->action || !same_args(a.r[i], b.r[i]))
      return false;
  return true;
}

/* The combined filter under construction: rules are appended one syscall
 * name at a time; a rule equal to one already there for the same name is
 * not added again. */
struct builder {
  struct sc_filter *out;
  size_t cap;
  size_t name_start; /* where the current name's rules begin */
  bool nomem;
};

static void push(struct builder *b, const struct sc_rule *r) {
  for (size_t i = b->name_start; i < b->out->count; i++) {
    const struct sc_rule *e = &b->out->rules[i];
    if (e->action == r->action && same_args(e, r) && strcmp(e->name, r->name) == 0)
      return;
  }
  if (b->out->count == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    struct sc_rule *rules = realloc(b->out->rules, cap * sizeof *rules);
    if (!rules) {
      b->nomem = true;
      return;
    }
    b->out->rules = rules;
    b->cap = cap;
  }
  b->out->rules[b->out->count++] = *r;
}

static void copy_rules(struct builder *b, struct slice rules) {
  for (size_t i = 0; i < rules.n; i++)
    push(b, rules.r[i]);
}

static bool arg_matches(const struct scmp_arg_cmp *c, uint64_t v);

/* Two comparisons of one argument as one, which libseccomp requires:
 * equal ones; an EQ and what its value satisfies; two MASKED_EQ that agree
 * on the bits both look at (the masks and values combine).  False when no
 * single comparison says both (or nothing satisfies both). */
static bool merge_cmp(struct scmp_arg_cmp x, struct scmp_arg_cmp y,
                      struct scmp_arg_cmp *out) {
  const struct scmp_arg_cmp *a = &x, *b = &y; /* copies: out may alias */
  if (memcmp(a, b, sizeof *a) == 0) {
    *out = *a;
    return true;
  }
  if (a->op == SCMP_CMP_EQ || b->op == SCMP_CMP_EQ) {
    const struct scmp_arg_cmp *eq = a->op == SCMP_CMP_EQ ? a : b;
    const struct scmp_arg_cmp *other = eq == a ? b : a;
    *out = *eq;
    return arg_matches(other, eq->datum_a);
  }
  if (a->op == SCMP_CMP_MASKED_EQ && b->op == SCMP_CMP_MASKED_EQ) {
    uint64_t common = a->datum_a & b->datum_a;
    if ((a->datum_b & common) != (b->datum_b & common))
      return false;
    *out = *a;
    out->datum_a = a->datum_a | b->datum_a;
    out->datum_b = (a->datum_b & a->datum_a) | (b->datum_b & b->datum_a);
    return true;
  }
  return false;
}

/* Both rules' comparisons at once; false when an argument's two
 * comparisons cannot be said as one (the pair is then left out, which can
 * only deny more). */
static bool merge_args(const struct sc_rule *a, const struct sc_rule *b,
                       struct sc_rule *out) {
  *out = *a;
  for (unsigned i = 0; i < b->nargs; i++) {
    unsigned k = 0;
    while (k < out->nargs && out->args[k].arg != b->args[i].arg)
      k++;
    if (k == out->nargs)
      out->args[out->nargs++] = b->args[i];
    else if (!merge_cmp(out->args[k], b->args[i], &out->args[k]))
      return false;
  }
  return true;
}

/* Both sides decide by arguments and both deny by default: allowed where
 * an allowing rule of each side holds (pairwise conjunctions), plus the
 * policy's own denials, which cannot overlap what it allows.  A spec rule
 * that some allowing policy rule already covers (their conjunction is the
 * spec rule itself) is kept as it is and not paired further: so a combined
 * filter, combined again, stays the same.  Returns whether any allowing
 * rule could be expressed. */
static bool intersect_args(struct builder *b, struct slice policy,
                           struct slice spec) {
  bool any = false;
  for (size_t i = 0; i < policy.n; i++)
    if (!seccomp_action_allows(policy.r[i]->action))
      push(b, policy.r[i]);
  for (size_t k = 0; k < spec.n; k++) {
    const struct sc_rule *q = spec.r[k];
    if (!seccomp_action_allows(q->action))
      continue;
    /* More pairs than this for one spec rule are left out (deny more). */
    struct sc_rule pairs[16];
    size_t npairs = 0;
    bool covered = false;
    for (size_t i = 0; i < policy.n && !covered; i++) {
      const struct sc_rule *p = policy.r[i];
      struct sc_rule m;
      if (!seccomp_action_allows(p->action) || !merge_args(p, q, &m))
        continue;
      /* A spec's log/notify/trace is kept; else the policy's action. */
      m.action = q->action != SCMP_ACT_ALLOW ? q->action : p->action;
      covered = m.nargs == q->nargs && same_args(&m, q);
      if (covered)
        npairs = 0;
      if (npairs < ARRAY_SIZE(pairs))
        pairs[npairs++] = m;
    }
    for (size_t n = 0; n < npairs; n++)
      push(b, &pairs[n]);
    any |= npairs > 0;
  }
  return any;
}

/* The intersection rule (profiles/seccomp/README.md):
 *   a call is allowed only where both profiles allow it.
 * Per syscall, each side allows it, denies it, or decides by arguments:
 *   denied by either          -> denied (the policy's action when it denies)
 *   allowed by both           -> allowed
 *   allowed by one, by arguments in the other -> the other's rules
 *   by arguments in both      -> those rules when they are the same; else,
 *                                when both deny by default, allowed where an
 *                                allowing rule of each holds; else denied
 *                                (noted in *narrowed)
 * The default action is the policy's when it denies, else the spec's. */
int seccomp_intersect(const struct sc_filter *policy, const struct sc_filter *spec,
                      struct sc_filter *out, struct strlist *narrowed,
                      shim_error *err) {
  *out = (struct sc_filter){0};
  struct builder b = {.out = out};
  out->default_action = seccomp_action_allows(policy->default_action)
                            ? spec->default_action
                            : policy->default_action;
  memcpy(out->arches, policy->arches, sizeof out->arches);
  out->narches = policy->narches;
  memcpy(out->flags, policy->flags, sizeof out->flags);
  out->nflags = policy->nflags;
  out->listener_path = spec->listener_path;
  out->listener_metadata = spec->listener_metadata;
  const struct sc_rule **sorted[2] = {NULL, NULL};
  struct name_rules *at[2] = {calloc(policy->count + 1, sizeof *at[0]),
                              calloc(spec->count + 1, sizeof *at[1])};
  if (!at[0] || !at[1] || group_names(policy, spec, at[0], at[1], sorted) < 0)
    b.nomem = true;
  const struct sc_filter *sides[] = {policy, spec};
  /* Each name once, where it first appears: the policy's order, then the
   * names only the spec has. */
  for (size_t s = 0; s < 2 && !b.nomem; s++)
    for (size_t i = 0; i < sides[s]->count && !b.nomem; i++) {
      struct slice ps = at[s][i].policy, ss = at[s][i].spec;
      if (!ps.n && !ss.n)
        continue;
      const char *name = sides[s]->rules[i].name;
      b.name_start = out->count;
      uint32_t pa = 0, sa = 0;
      enum sc_class pc = classify(ps, policy->default_action, &pa);
      enum sc_class sc = classify(ss, spec->default_action, &sa);
      struct sc_rule r = {.name = name, .entry = policy->count + 1};
      if (pc == SC_DENY || sc == SC_DENY) {
        r.action = pc == SC_DENY ? pa : sa;
        push(&b, &r);
      } else if (pc == SC_ALLOW && sc == SC_ALLOW) {
        r.action = seccomp_action_allows(sa) && sa != SCMP_ACT_ALLOW ? sa : pa;
        push(&b, &r);
      } else if (pc == SC_ARGS && sc == SC_ALLOW) {
        copy_rules(&b, ps);
      } else if (sc == SC_ARGS && pc == SC_ALLOW) {
        copy_rules(&b, ss);
      } else if (same_rules(ps, ss)) {
        copy_rules(&b, ps);
      } else if (!seccomp_action_allows(policy->default_action) &&
                 !seccomp_action_allows(spec->default_action) &&
                 intersect_args(&b, ps, ss)) {
        /* pairwise, above */
      } else {
        out->count = b.name_start; /* the policy's denials, if pushed */
        r.action = seccomp_action_allows(out->default_action)
                       ? SCMP_ACT_ERRNO(EPERM)
                       : out->default_action;
        push(&b, &r);
        if (strlist_push(narrowed, name) < 0)
          b.nomem = true;
      }
    }
  for (size_t s = 0; s < 2; s++) {
    free(sorted[s]);
    free(at[s]);
  }
  if (b.nomem)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  return 0;
}

/* ---- Compiling ------------------------------------------------------------------ */

void cleanup_ctxp(scmp_filter_ctx *ctx) {
  if (*ctx)
    seccomp_release(*ctx);
}

int seccomp_compile(const struct sc_filter *f, scmp_filter_ctx *out,
                    shim_error *err) {
  _cleanup_(cleanup_ctxp) scmp_filter_ctx ctx = seccomp_init(f->default_action);
  if (!ctx)
    return error_set(err, SHIM_ERR_INVAL, NULL,
                     "libseccomp refused the default action %s",
                     seccomp_action_name(f->default_action));
  int rc;
  /* The native ABI is in the filter from seccomp_init; keep it only if
   * the profile names it. */
  bool native_listed = false;
  for (size_t i = 0; i < f->narches; i++) {
    uint32_t a = arch_token(f->arches[i]);
    if (a == seccomp_arch_native())
      native_listed = true;
    else if ((rc = seccomp_arch_add(ctx, a)) < 0 && rc != -EEXIST)
      return error_sys(err, SHIM_ERR_INVAL, -rc, NULL,
                       "cannot add architecture %s", f->arches[i]);
  }
  if (f->narches && !native_listed)
    seccomp_arch_remove(ctx, seccomp_arch_native());
  /* Binary tree of syscalls: fewer instructions on the path of common
   * calls (libseccomp 2.5). */
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
    return error_sys(err, SHIM_ERR_INVAL, -rc, NULL, "libseccomp: no optimizer");
  for (size_t i = 0; i < f->nflags; i++)
    if (strcmp(f->flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
      seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
    else if (strcmp(f->flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
      seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
  for (size_t i = 0; i < f->count; i++) {
    const struct sc_rule *r = &f->rules[i];
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR || r->action == f->default_action)
      continue;
    rc = seccomp_rule_add_array(ctx, r->action, nr, r->nargs, r->args);
    if (rc < 0)
      return error_sys(err, SHIM_ERR_INVAL, -rc, NULL,
                       "libseccomp refused the rule for %s (%s)", r->name,
                       seccomp_action_name(r->action));
  }
  *out = steal_ptr(ctx);
  return 0;
}

/* libseccomp 2.5 exports to a file descriptor only. */
int seccomp_export(scmp_filter_ctx ctx, bool pfc, char **out, size_t *len,
                   shim_error *err) {
  _cleanup_close_ int fd = memfd_create("shim-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "memfd_create");
  int rc = pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return error_sys(err, SHIM_ERR_INVAL, -rc, NULL, "libseccomp export failed");
  if (lseek(fd, 0, SEEK_SET) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "lseek");
  return read_fd_limited(fd, out, len, err);
}

/* ---- The policy's profile, and the public API --------------------------------- */

int seccomp_policy_filter(const shim_policy *policy, uint64_t bounding,
                          struct sc_filter *out, shim_error *err) {
  uint32_t deny = 0;
  const uint32_t *replace = NULL;
  if (policy->mode[CONTROL_SECCOMP] == MODE_WARN ||
      (policy->seccomp_deny && strcmp(policy->seccomp_deny, "log") == 0))
    deny = SCMP_ACT_LOG, replace = &deny;
  else if (policy->seccomp_deny && strcmp(policy->seccomp_deny, "kill") == 0)
    deny = SCMP_ACT_KILL_PROCESS, replace = &deny;
  int ret = seccomp_resolve(policy->seccomp, bounding, policy->kernel, replace, out, err);
  if (ret < 0)
    return ret;
  bool has = false;
  for (size_t i = 0; i < out->nflags; i++)
    has |= strcmp(out->flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0;
  if (policy->seccomp_spec_allow && !has && out->nflags < ARRAY_SIZE(out->flags))
    out->flags[out->nflags++] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
  return 0;
}

/* The policy's own profile is resolved as hardening applies it; any other
 * profile as it stands, for a container with the allowed capabilities. */
static int filter_for(const shim_policy *policy, const shim_seccomp *profile,
                      struct sc_filter *out, shim_error *err) {
  if (!policy)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy");
  if (!profile || profile == policy->seccomp)
    return seccomp_policy_filter(policy, policy->caps_allowed, out, err);
  return seccomp_resolve(profile, policy->caps_allowed, policy->kernel, NULL, out, err);
}

void cleanup_filterp(struct sc_filter *f) { sc_filter_clear(f); }

/* The program of profile (as filter_for resolves it) and the seccomp(2)
 * flags its filter asks for. */
static int program(const shim_policy *policy, const shim_seccomp *profile, bool pfc,
                   char **out, size_t *len, unsigned int *flags, shim_error *err) {
  if (!out || !len || !flags)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no output pointer");
  _cleanup_(cleanup_filterp) struct sc_filter f = {0};
  _cleanup_(cleanup_ctxp) scmp_filter_ctx ctx = NULL;
  int ret = filter_for(policy, profile, &f, err);
  if (ret == 0)
    ret = seccomp_compile(&f, &ctx, err);
  if (ret == 0)
    ret = seccomp_export(ctx, pfc, out, len, err);
  *flags = 0;
  for (size_t i = 0; ret == 0 && i < f.nflags; i++)
    for (size_t k = 0; k < ARRAY_SIZE(flag_names); k++)
      if (strcmp(f.flags[i], flag_names[k]) == 0)
        *flags |= flag_values[k];
  return ret;
}

int shim_seccomp_compile(const shim_policy *policy, const shim_seccomp *profile,
                         shim_seccomp_output what, char **out, size_t *len,
                         shim_error *err) {
  unsigned int flags;
  return program(policy, profile, what == SHIM_SECCOMP_PFC, out, len, &flags, err);
}

int shim_seccomp_program(const shim_policy *policy, const shim_seccomp *profile,
                         char **out, size_t *len, unsigned int *flags,
                         shim_error *err) {
  return program(policy, profile, false, out, len, flags, err);
}

static bool arg_matches(const struct scmp_arg_cmp *c, uint64_t v) {
  switch (c->op) {
  case SCMP_CMP_NE: return v != c->datum_a;
  case SCMP_CMP_LT: return v < c->datum_a;
  case SCMP_CMP_LE: return v <= c->datum_a;
  case SCMP_CMP_EQ: return v == c->datum_a;
  case SCMP_CMP_GE: return v >= c->datum_a;
  case SCMP_CMP_GT: return v > c->datum_a;
  case SCMP_CMP_MASKED_EQ: return (v & c->datum_a) == c->datum_b;
  default: return false;
  }
}

int shim_seccomp_explain(const shim_policy *policy, const shim_seccomp *profile,
                         const char *syscall, const unsigned long long *args,
                         size_t nargs, shim_seccomp_decision *out,
                         shim_error *err) {
  if (!syscall || !out || nargs > 6 || (nargs && !args))
    return error_set(err, SHIM_ERR_INVAL, NULL, "bad arguments");
  int nr = seccomp_syscall_resolve_name(syscall);
  if (nr == __NR_SCMP_ERROR)
    return error_set(err, SHIM_ERR_INVAL, NULL,
                     "unknown syscall \"%s\" for this architecture", syscall);
  _cleanup_(cleanup_filterp) struct sc_filter f = {0};
  _cleanup_(cleanup_ctxp) scmp_filter_ctx ctx = NULL;
  _cleanup_free_ char *prog = NULL;
  size_t len = 0;
  int ret = filter_for(policy, profile, &f, err);
  if (ret == 0)
    ret = seccomp_compile(&f, &ctx, err);
  if (ret == 0)
    ret = seccomp_export(ctx, false, &prog, &len, err);
  if (ret < 0)
    return ret;
  struct seccomp_data data = {.nr = nr, .arch = seccomp_arch_native()};
  for (size_t i = 0; i < nargs; i++)
    data.args[i] = args[i];
  uint32_t result;
  ret = bpf_run((const struct sock_filter *)prog, len / sizeof(struct sock_filter),
                &data, &result, err);
  if (ret < 0)
    return ret;
  *out = (shim_seccomp_decision){.action = result, .errno_value = -1};
  snprintf(out->action_name, sizeof out->action_name, "%s",
           seccomp_action_name(result));
  if (action_base(result) == SCMP_ACT_ERRNO(0))
    out->errno_value = (int)(result & 0xffff);
  /* Which rule: the first of this syscall's rules whose comparisons hold;
   * the BPF result above is the authority, this names its source. */
  snprintf(out->rule, sizeof out->rule, "/defaultAction");
  for (size_t i = 0; i < f.count; i++) {
    const struct sc_rule *r = &f.rules[i];
    bool match = strcmp(r->name, syscall) == 0;
    for (unsigned a = 0; match && a < r->nargs; a++)
      match = arg_matches(&r->args[a], data.args[r->args[a].arg]);
    if (match) {
      snprintf(out->rule, sizeof out->rule, "/syscalls/%zu", r->entry);
      break;
    }
  }
  return 0;
}
