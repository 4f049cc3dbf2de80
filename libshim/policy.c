/*
 * The policy: loading (embedded default, then an optional overlay file),
 * strict validation, and rendering the effective policy.
 *
 * Format (profiles/policy/README.md has the long version):
 *   {"version": 1, "name": "...",
 *    "controls": {"<control id>": {"mode": "enforce"|"warn"|"off",
 *                                  <the control's settings>...}, ...}}
 * Settings are listed in the table below; a setting given in a file replaces
 * the default's value as a whole.
 */
#include "config.h"
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const control_ids[CONTROL_COUNT] = {
#define X(name, id) [CONTROL_##name] = id,
    SHIM_CONTROLS(X)
#undef X
};

static const char *const mode_names[] = {
    [MODE_OFF] = "off", [MODE_WARN] = "warn", [MODE_ENFORCE] = "enforce"};

enum setting_kind {
  S_CAPS,  /* uint64_t bit set, from capability names */
  S_PATHS, /* struct strlist of clean absolute paths */
  S_NAMES, /* struct strlist of non-empty names */
  S_COUNT, /* int64_t, at least 1 */
  S_IDS,   /* int64_t, 0 (none) or more */
  S_BOOL,  /* bool */
  S_WORD,  /* char *, one of the setting's choices (any string if none) */
  S_RLIMITS, /* policy->rlimits: {"RLIMIT_X": {"soft": N, "hard": N}} */
  S_CIDRS, /* struct strlist of "address/prefix" */
  S_PROFILE, /* char *: "sandbox" (embedded) or the absolute path of a
              * seccomp profile, loaded into policy->seccomp */
  S_RULES,   /* struct rules of the setting's rule kind */
};

static const char *const deny_actions[] = {"errno", "kill", "log", NULL};
static const char *const pod_userns_choices[] = {"auto", "require", "never", NULL};

/* Every setting a control takes besides "mode". */
static const struct setting {
  enum control control;
  const char *name;
  enum setting_kind kind;
  size_t offset;
  const void *arg; /* S_WORD: its choices (const char *const *, NULL-ended);
                    * S_RULES: its const struct rule_kind * */
} settings[] = {
    {CONTROL_CAPABILITIES, "privileged", S_CAPS,
     offsetof(struct shim_policy, caps_privileged), NULL},
    {CONTROL_CAPABILITIES, "allowed", S_CAPS,
     offsetof(struct shim_policy, caps_allowed), NULL},
    {CONTROL_CAPABILITIES, "allowAmbient", S_BOOL,
     offsetof(struct shim_policy, allow_ambient), NULL},
    {CONTROL_HOST_MOUNTS, "allowedSources", S_PATHS,
     offsetof(struct shim_policy, bind_sources), NULL},
    {CONTROL_HOST_MOUNTS, "readOnlySources", S_PATHS,
     offsetof(struct shim_policy, ro_sources), NULL},
    {CONTROL_HOST_DEVICES, "allowed", S_RULES, offsetof(struct shim_policy, devices),
     &device_rule_kind},
    {CONTROL_HOST_DEVICES, "netDevices", S_NAMES,
     offsetof(struct shim_policy, net_devices), NULL},
    {CONTROL_HOOKS, "allowed", S_RULES, offsetof(struct shim_policy, hooks),
     &hook_rule_kind},
    {CONTROL_RUNTIME_SOCKETS, "paths", S_PATHS,
     offsetof(struct shim_policy, sockets), NULL},
    {CONTROL_PROC_UNMASKED, "maskedPaths", S_PATHS,
     offsetof(struct shim_policy, masked_paths), NULL},
    {CONTROL_PROC_UNMASKED, "readonlyPaths", S_PATHS,
     offsetof(struct shim_policy, readonly_paths), NULL},
    {CONTROL_SYSCTLS, "allowed", S_NAMES, offsetof(struct shim_policy, sysctls), NULL},
    {CONTROL_PIDS_LIMIT, "default", S_COUNT,
     offsetof(struct shim_policy, pids_default), NULL},
    {CONTROL_SECCOMP, "profile", S_PROFILE,
     offsetof(struct shim_policy, seccomp_profile), NULL},
    {CONTROL_SECCOMP, "denyAction", S_WORD,
     offsetof(struct shim_policy, seccomp_deny), deny_actions},
    {CONTROL_SECCOMP, "specAllow", S_BOOL,
     offsetof(struct shim_policy, seccomp_spec_allow), NULL},
    {CONTROL_RLIMITS, "limits", S_RLIMITS,
     offsetof(struct shim_policy, rlimits), NULL},
    {CONTROL_METADATA_SERVER, "addresses", S_CIDRS,
     offsetof(struct shim_policy, metadata), NULL},
    {CONTROL_USER_NAMESPACE, "hostIDStart", S_COUNT,
     offsetof(struct shim_policy, userns_start), NULL},
    {CONTROL_USER_NAMESPACE, "rangeSize", S_COUNT,
     offsetof(struct shim_policy, userns_range_size), NULL},
    {CONTROL_USER_NAMESPACE, "ranges", S_COUNT,
     offsetof(struct shim_policy, userns_ranges), NULL},
    {CONTROL_USER_NAMESPACE, "kubeletIDStart", S_IDS,
     offsetof(struct shim_policy, kubelet_id_start), NULL},
    {CONTROL_USER_NAMESPACE, "kubeletIDs", S_IDS,
     offsetof(struct shim_policy, kubelet_ids), NULL},
    {CONTROL_USER_NAMESPACE, "pods", S_WORD,
     offsetof(struct shim_policy, pod_userns), pod_userns_choices},
    {CONTROL_APPARMOR, "profile", S_WORD,
     offsetof(struct shim_policy, apparmor_profile), NULL},
};

void shim_policy_free(shim_policy *policy) {
  if (!policy)
    return;
  for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
    if (settings[i].kind == S_PATHS || settings[i].kind == S_NAMES ||
        settings[i].kind == S_CIDRS)
      strlist_clear((struct strlist *)((char *)policy + settings[i].offset));
    else if (settings[i].kind == S_WORD || settings[i].kind == S_PROFILE)
      free(*(char **)((char *)policy + settings[i].offset));
    else if (settings[i].kind == S_RULES)
      rules_clear(settings[i].arg, (struct rules *)((char *)policy + settings[i].offset));
  shim_seccomp_free(policy->seccomp);
  free(policy->rlimits);
  free(policy->runtime);
  free(policy->loader);
  free(policy->filter_dir);
  free(policy->name);
  free(policy);
}

static void cleanup_policyp(shim_policy **p) { shim_policy_free(*p); }

void rules_clear(const struct rule_kind *kind, struct rules *rules) {
  for (size_t i = 0; i < rules->count; i++)
    kind->clear((char *)rules->items + i * kind->size);
  free(rules->items);
  *rules = (struct rules){0};
}

int rules_parse(const struct rule_kind *kind, const struct jnode *v, struct jptr *p,
                struct rules *out, shim_error *err) {
  int ret = jv_expect_array(v, p, err);
  if (ret < 0)
    return ret;
  struct rules read = {calloc(v->count + 1, kind->size), 0};
  if (!read.items)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t i = 0;
  jv_foreach_i(v, i, item) {
    size_t mark = jptr_push_index(p, i);
    /* counted first, so that a half-read rule is cleared with the rest */
    ret = kind->parse(item, p, (char *)read.items + read.count++ * kind->size, err);
    if (ret < 0) {
      rules_clear(kind, &read);
      return ret;
    }
    jptr_pop(p, mark);
  }
  rules_clear(kind, out);
  *out = read;
  return 0;
}

json_t *rules_render(const struct rule_kind *kind, const struct rules *rules) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < rules->count; i++)
    json_array_append_new(a, kind->render((const char *)rules->items + i * kind->size));
  return a;
}

static int parse_word(shim_policy *policy, const struct setting *s,
                      const struct jnode *v, struct jptr *p, shim_error *err) {
  const char *word = jv_str(v);
  if (!word)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected a string");
  if (s->offset == offsetof(struct shim_policy, apparmor_profile) &&
      strcmp(word, "unconfined") == 0)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "\"unconfined\" confines nothing: name a profile, or "
                     "\"\" for none");
  if (s->arg) {
    const char *const *c = s->arg;
    while (*c && strcmp(*c, word) != 0)
      c++;
    if (!*c)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "unknown value \"%s\"", word);
  }
  if (s->kind == S_PROFILE) {
    /* Fail closed: a policy whose profile does not load is no policy. */
    shim_seccomp *profile = NULL;
    int ret = strcmp(word, "sandbox") == 0
                  ? shim_seccomp_load_default(&profile, err)
                  : word[0] == '/' ? shim_seccomp_load_file(word, &profile, err)
                  : error_set(err, SHIM_ERR_SCHEMA, p->buf,
                              "expected \"sandbox\" or an absolute path");
    if (ret < 0 && err) {
      /* Say which policy field named the profile, and where in it. */
      char inner[sizeof err->pointer + sizeof err->message + 2];
      snprintf(inner, sizeof inner, "%s%s%s", err->pointer,
               *err->pointer ? ": " : "", err->message);
      return error_set(err, -ret, p->buf, "seccomp profile %s: %s", word, inner);
    }
    if (ret < 0)
      return ret;
    shim_seccomp_free(policy->seccomp);
    policy->seccomp = profile;
  }
  char *copy = strdup(word);
  if (!copy)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  char **field = (char **)((char *)policy + s->offset);
  free(*field);
  *field = copy;
  return 0;
}

/* The resource limits runc knows (setrlimit names). */
static const char *const rlimit_names[] = {
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
};

static int parse_rlimits(shim_policy *policy, const struct jnode *v, struct jptr *p,
                         shim_error *err) {
  if (v->type != J_OBJECT || v->count > ARRAY_SIZE(rlimit_names))
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "expected an object of limits by name");
  struct rlimit_setting *list = calloc(v->count + 1, sizeof *list);
  if (!list)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t n = 0;
  jv_foreach(v, lim) {
    const char *name = lim->key;
    size_t mark = jptr_push_key(p, name);
    size_t k = 0;
    while (k < ARRAY_SIZE(rlimit_names) && strcmp(rlimit_names[k], name) != 0)
      k++;
    const struct jnode *soft = jv_get(lim, "soft"), *hard = jv_get(lim, "hard");
    const char *why = k == ARRAY_SIZE(rlimit_names) ? "unknown limit (RLIMIT_NOFILE, ...)"
                      : lim->type != J_OBJECT || lim->count != 2 || !soft ||
                              soft->type != J_INT || !hard || hard->type != J_INT ||
                              soft->v.num < 0 || soft->v.num > hard->v.num
                          ? "expected {\"soft\": N, \"hard\": N} with 0 <= soft <= hard"
                          : NULL;
    if (why) {
      free(list);
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "%s", why);
    }
    snprintf(list[n].type, sizeof list[n].type, "%s", name);
    list[n].soft = (uint64_t)soft->v.num;
    list[n].hard = (uint64_t)hard->v.num;
    n++;
    jptr_pop(p, mark);
  }
  free(policy->rlimits);
  policy->rlimits = list;
  policy->rlimit_count = n;
  return 0;
}

static int parse_setting(shim_policy *policy, const struct setting *s,
                         const struct jnode *v, struct jptr *p, shim_error *err) {
  void *field = (char *)policy + s->offset;
  switch (s->kind) {
  case S_CAPS:
    return jv_read_caps(v, p, field, err);
  case S_PATHS:
    return jv_read_strings(v, p, path_is_clean,
                             "expected an absolute path without \".\", \"..\" or \"//\"",
                             field, err);
  case S_NAMES:
    return jv_read_strings(v, p, NULL, NULL, field, err);
  case S_CIDRS:
    return jv_read_strings(v, p, cidr_is_valid,
                             "expected an address and prefix such as 169.254.169.254/32",
                             field, err);
  case S_COUNT:
  case S_IDS:
    if (v->type != J_INT || v->v.num < (s->kind == S_IDS ? 0 : 1))
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, s->kind == S_IDS
                           ? "expected an integer, 0 or more"
                           : "expected a positive integer");
    *(int64_t *)field = v->v.num;
    return 0;
  case S_BOOL:
    if (v->type != J_TRUE && v->type != J_FALSE)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected true or false");
    *(bool *)field = v->type == J_TRUE;
    return 0;
  case S_WORD:
  case S_PROFILE:
    return parse_word(policy, s, v, p, err);
  case S_RLIMITS:
    return parse_rlimits(policy, v, p, err);
  case S_RULES:
    return rules_parse(s->arg, v, p, field, err);
  }
  return error_set(err, SHIM_ERR_INVAL, p->buf, "unhandled setting");
}

static int parse_mode(const struct jnode *v, struct jptr *p, enum mode *out,
                      shim_error *err) {
  const char *s = jv_str(v);
  for (size_t m = 0; s && m < ARRAY_SIZE(mode_names); m++)
    if (strcmp(s, mode_names[m]) == 0) {
      *out = (enum mode)m;
      return 0;
    }
  return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                   "expected \"enforce\", \"warn\" or \"off\"");
}

static int parse_control(shim_policy *policy, enum control c, const struct jnode *obj,
                         struct jptr *p, bool *has_mode, shim_error *err) {
  if (obj->type != J_OBJECT)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected an object");
  jv_foreach(obj, v) {
    const char *key = v->key;
    size_t mark = jptr_push_key(p, key);
    const struct setting *s = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
      if (settings[i].control == c && strcmp(settings[i].name, key) == 0)
        s = &settings[i];
    int ret;
    if (strcmp(key, "mode") == 0) {
      ret = parse_mode(v, p, &policy->mode[c], err);
      *has_mode = true;
    } else if (s) {
      ret = parse_setting(policy, s, v, p, err);
    } else {
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "unknown setting for control \"%s\"", control_ids[c]);
    }
    if (ret < 0)
      return ret;
    jptr_pop(p, mark);
  }
  return 0;
}

static int find_control(const char *id) {
  for (int c = 0; c < CONTROL_COUNT; c++)
    if (strcmp(control_ids[c], id) == 0)
      return c;
  return -1;
}

/* Applies a policy document on top of what policy already holds.
 * has_mode[c] is set for each control the document gives a mode.  The
 * digest chain takes the document's sha256: digest when known (the
 * embedded default's, computed at build time), else computed here. */
static int policy_apply(shim_policy *policy, const char *data, size_t len,
                        const char *digest, bool has_mode[CONTROL_COUNT],
                        shim_error *err) {
  _cleanup_(jtree_free) struct jtree tree = {0};
  int ret = jtree_parse(data, len, &tree, err);
  if (ret < 0)
    return ret;
  const struct jnode *doc = tree.nodes;
  char hex[65];
  if (!digest)
    sha256_hex(data, len, hex);
  if (sha256_chain(policy->chain, digest ? digest : hex, 64) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  struct jptr p = {0};
  const struct jnode *version = jv_get(doc, "version");
  if (!version || version->type != J_INT || version->v.num != 1)
    return error_set(err, SHIM_ERR_SCHEMA, "/version",
                     "expected 1 (the only policy format version)");
  jv_foreach(doc, v) {
    const char *key = v->key;
    size_t mark = jptr_push_key(&p, key);
    if (strcmp(key, "version") == 0) {
      /* checked above */
    } else if (strcmp(key, "name") == 0) {
      if (!jv_str(v))
        return error_set(err, SHIM_ERR_SCHEMA, p.buf, "expected a string");
      char *name = strdup(jv_str(v));
      if (!name)
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
      free(policy->name);
      policy->name = name;
    } else if (strcmp(key, "controls") == 0) {
      if (v->type != J_OBJECT)
        return error_set(err, SHIM_ERR_SCHEMA, p.buf, "expected an object");
      jv_foreach(v, ctl) {
        const char *id = ctl->key;
        size_t cmark = jptr_push_key(&p, id);
        int c = find_control(id);
        if (c < 0)
          return error_set(err, SHIM_ERR_SCHEMA, p.buf, "unknown control");
        ret = parse_control(policy, (enum control)c, ctl, &p, &has_mode[c], err);
        if (ret < 0)
          return ret;
        jptr_pop(&p, cmark);
      }
    } else {
      return error_set(err, SHIM_ERR_SCHEMA, p.buf, "unknown field");
    }
    jptr_pop(&p, mark);
  }
  return 0;
}

/* The kubelet's ids for pods (hostUsers: false) and the pool must never
 * meet: two workloads on one host id are not isolated from each other. */
static int kubelet_ids_check(const shim_policy *policy, int64_t start, int64_t count,
                             const char *what, shim_error *err) {
  int64_t pool_end = policy->userns_start + policy->userns_range_size * policy->userns_ranges;
  if (count && start + count > (int64_t)UINT32_MAX)
    return error_set(err, SHIM_ERR_SCHEMA, "/controls/user-namespace",
                     "the kubelet's ids (%s) must end below host id 4294967295", what);
  if (count && start < pool_end && start + count > policy->userns_start)
    return error_set(err, SHIM_ERR_SCHEMA, "/controls/user-namespace",
                     "the kubelet's ids %lld..%lld (%s) overlap the pool %lld..%lld: "
                     "pods and containers would share host ids",
                     (long long)start, (long long)(start + count - 1), what,
                     (long long)policy->userns_start, (long long)pool_end - 1);
  return 0;
}

/* Once all overlays are in: checks the settings that constrain each
 * other, and seals the digest that names the policy in audit records (its
 * inputs, in order). */
static int policy_finish(shim_policy *policy, shim_error *err) {
  /* Host id 4294967295 is (uid_t)-1, "no id": the pool must end below. */
  if (policy->userns_range_size > UINT32_MAX || policy->userns_ranges > UINT32_MAX ||
      policy->userns_start + policy->userns_range_size * policy->userns_ranges >=
          (int64_t)UINT32_MAX)
    return error_set(err, SHIM_ERR_SCHEMA, "/controls/user-namespace",
                     "the pool (hostIDStart + rangeSize * ranges) must end "
                     "below host id 4294967295");
  int ret = kubelet_ids_check(policy, policy->kubelet_id_start, policy->kubelet_ids,
                              "kubeletIDStart and kubeletIDs", err);
  if (ret < 0)
    return ret;
  char hex[65];
  memcpy(hex, policy->chain, sizeof hex);
  const char *profile = policy->seccomp ? seccomp_digest(policy->seccomp) : "";
  if (sha256_chain(hex, profile, strlen(profile)) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  snprintf(policy->digest, sizeof policy->digest, "sha256:%s", hex);
  return 0;
}

int shim_policy_load_default(shim_policy **out, shim_error *err) {
  if (!out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no output pointer");
  _cleanup_(cleanup_policyp) shim_policy *policy = calloc(1, sizeof *policy);
  if (!policy)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  bool has_mode[CONTROL_COUNT] = {0};
  int ret = policy_apply(policy, default_policy_json, default_policy_json_len,
                         default_policy_json_sha256, has_mode, err);
  if (ret < 0)
    return ret;
  for (int c = 0; c < CONTROL_COUNT; c++)
    if (!has_mode[c])
      return error_set(err, SHIM_ERR_SCHEMA, "/controls",
                       "no mode for control \"%s\"",
                       control_ids[c]);
  if ((ret = policy_finish(policy, err)) < 0)
    return ret;
  *out = steal_ptr(policy);
  return 0;
}

int shim_policy_load_data(const void *data, size_t len, shim_policy **out,
                          shim_error *err) {
  _cleanup_(cleanup_policyp) shim_policy *policy = NULL;
  int ret = shim_policy_load_default(&policy, err);
  if (ret < 0)
    return ret;
  bool has_mode[CONTROL_COUNT] = {0};
  ret = policy_apply(policy, data, len, NULL, has_mode, err);
  if (ret == 0)
    ret = policy_finish(policy, err);
  if (ret < 0)
    return ret;
  *out = steal_ptr(policy);
  return 0;
}

int shim_policy_digest(const shim_policy *policy, char **out, shim_error *err) {
  if (!policy || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy or output pointer");
  if (!(*out = strdup(policy->digest)))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  return 0;
}

int shim_policy_set_runtime(shim_policy *policy, const char *path,
                            shim_error *err) {
  if (!policy || !path || path[0] != '/')
    return error_set(err, SHIM_ERR_INVAL, NULL, "expected an absolute path");
  char *copy = strdup(path);
  if (!copy)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  free(policy->runtime);
  policy->runtime = copy;
  return 0;
}

int shim_policy_set_kubelet_ids(shim_policy *policy, unsigned int start,
                                unsigned int count, shim_error *err) {
  if (!policy)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy");
  if (policy->kubelet_ids) /* the policy's own settings win */
    return 0;
  int ret = kubelet_ids_check(policy, start, count, "/etc/subuid's kubelet entry", err);
  if (ret < 0)
    return ret;
  policy->kubelet_id_start = start;
  policy->kubelet_ids = count;
  return 0;
}

int shim_policy_set_delegate(shim_policy *policy, const char *version,
                             unsigned int features, shim_error *err) {
  if (!policy || !version)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy or version");
  if (strlen(version) >= sizeof policy->delegate)
    return error_set(err, SHIM_ERR_LIMIT, NULL, "delegate version longer than %zu bytes",
                     sizeof policy->delegate - 1);
  snprintf(policy->delegate, sizeof policy->delegate, "%s", version);
  policy->delegate_features = features;
  return 0;
}

int shim_policy_set_kernel(shim_policy *policy, const char *release, shim_error *err) {
  if (!policy || !release)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy or kernel release");
  unsigned kernel = seccomp_parse_kernel(release);
  if (!kernel)
    return error_set(err, SHIM_ERR_INVAL, NULL,
                     "kernel release \"%.64s\" does not start with MAJOR.MINOR", release);
  policy->kernel = kernel;
  return 0;
}

int shim_policy_load_file(const char *path, shim_policy **out,
                          shim_error *err) {
  return LOAD_FILE(path, shim_policy_load_data, out, err);
}

static json_t *render_setting(const shim_policy *policy,
                              const struct setting *s) {
  const void *field = (const char *)policy + s->offset;
  switch (s->kind) {
  case S_CAPS: {
    json_t *a = json_array();
    for (int cap = 0; a && cap < 64; cap++)
      if (*(const uint64_t *)field & (UINT64_C(1) << cap)) {
        char name[64];
        cap_to_name(cap, name, sizeof name);
        json_array_append_new(a, json_string(name));
      }
    return a;
  }
  case S_PATHS:
  case S_NAMES:
  case S_CIDRS: {
    const struct strlist *l = field;
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->count; i++)
      json_array_append_new(a, json_string(l->items[i]));
    return a;
  }
  case S_COUNT:
  case S_IDS:
    return json_integer(*(const int64_t *)field);
  case S_BOOL:
    return json_boolean(*(const bool *)field);
  case S_WORD:
  case S_PROFILE:
    return json_string(*(char *const *)field ? *(char *const *)field : "");
  case S_RLIMITS: {
    json_t *o = json_object();
    for (size_t i = 0; o && i < policy->rlimit_count; i++)
      json_object_set_new(o, policy->rlimits[i].type,
                          json_pack("{s:I, s:I}", "soft",
                                    (json_int_t)policy->rlimits[i].soft, "hard",
                                    (json_int_t)policy->rlimits[i].hard));
    return o;
  }
  case S_RULES:
    return rules_render(s->arg, field);
  }
  return NULL;
}

int shim_policy_render(const shim_policy *policy, char **out,
                       shim_error *err) {
  if (!policy || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy or output pointer");
  _cleanup_json_ json_t *doc = json_object();
  json_t *controls = json_object();
  if (!doc || !controls || json_object_set_new(doc, "version", json_integer(1)) ||
      json_object_set_new(doc, "name", json_string(policy->name ? policy->name : "")) ||
      json_object_set_new(doc, "controls", controls))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  for (int c = 0; c < CONTROL_COUNT; c++) {
    json_t *ctl = json_object();
    if (!ctl || json_object_set_new(controls, control_ids[c], ctl) ||
        json_object_set_new(ctl, "mode", json_string(mode_names[policy->mode[c]])))
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
      if (settings[i].control == (enum control)c &&
          json_object_set_new(ctl, settings[i].name,
                              render_setting(policy, &settings[i])))
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  return json_render(doc, true, out, err);
}
