/*
 * Hooks the admin allows (controls.hooks.allowed): reading the rules from
 * a policy, rendering them, and judging a spec's hook against them and
 * against the program the host really has (a host fact).  Hooks run as host root
 * (prestart, createRuntime, poststart, poststop) or in the container's
 * namespaces before its process (createContainer, startContainer): a hook
 * is the container's way to run host code, so only listed programs with
 * listed arguments pass.
 *
 * A rule: {"path": "/usr/bin/nvidia-cdi-hook",
 *          "stages": ["createContainer"],
 *          "args": [["nvidia-cdi-hook", "update-ldcache", "..."], ...],
 *          "env": ["NVIDIA_CTK_DEBUG=*"],     optional: none by default
 *          "sha256": "<hex>"}                 optional: the file's digest
 * args: alternatives, each a list of fnmatch(3) patterns for argv[0], argv[1],
 * ... in order; a last pattern "..." matches any further arguments.
 * The executable must be a regular file owned by root and writable by no
 * one else: whoever can rewrite it runs code as root at the next start.
 */
#include "config.h"
#include "internal.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const stage_names[] = {"prestart",       "createRuntime",
                                          "createContainer", "startContainer",
                                          "poststart",      "poststop"};

static void rule_clear(void *rule) {
  struct hook_rule *r = rule;
  free(r->path);
  for (size_t i = 0; i < r->nargs; i++)
    strlist_clear(&r->args[i]);
  free(r->args);
  strlist_clear(&r->env);
}

static int parse_stages(const struct jnode *v, struct jptr *p, unsigned *out,
                        shim_error *err) {
  if (!jv_count(v))
    return error_set(err, SHIM_ERR_SCHEMA, p->buf, "expected a non-empty array of stages");
  size_t i = 0;
  jv_foreach_i(v, i, s) {
    size_t mark = jptr_push_index(p, i), k = 0;
    while (k < ARRAY_SIZE(stage_names) &&
           (!jv_str(s) || strcmp(stage_names[k], jv_str(s))))
      k++;
    if (k == ARRAY_SIZE(stage_names))
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "expected prestart, createRuntime, createContainer, "
                       "startContainer, poststart or poststop");
    *out |= 1u << k;
    jptr_pop(p, mark);
  }
  return 0;
}

static int parse_args(const struct jnode *v, struct jptr *p, struct hook_rule *r,
                      shim_error *err) {
  if (!jv_count(v) || jv_count(v) > SHIM_MAX_ARRAY_ITEMS)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "expected a non-empty array of argument lists");
  if (!(r->args = calloc(jv_count(v), sizeof *r->args)))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  size_t i = 0;
  jv_foreach_i(v, i, alt) {
    size_t mark = jptr_push_index(p, i);
    r->nargs++;
    int ret = jv_read_strings(alt, p, NULL, NULL, &r->args[i], err);
    if (ret < 0)
      return ret;
    if (r->args[i].count == 0)
      return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                       "expected at least argv[0]'s pattern");
    for (size_t k = 0; k + 1 < r->args[i].count; k++)
      if (strcmp(r->args[i].items[k], "...") == 0)
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "\"...\" may only come last");
    jptr_pop(p, mark);
  }
  return 0;
}

static bool is_hex64(const char *s) {
  size_t n = 0;
  while (s[n] && strchr("0123456789abcdef", s[n]))
    n++;
  return n == 64 && !s[n];
}

static int parse_rule(const struct jnode *v, struct jptr *p, void *rule, shim_error *err) {
  struct hook_rule *r = rule;
  if (v->type != J_OBJECT)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "expected {\"path\", \"stages\", \"args\", ...}");
  jv_foreach(v, f) {
    const char *key = f->key;
    size_t mark = jptr_push_key(p, key);
    const char *s = jv_str(f);
    int ret = 0;
    if (strcmp(key, "path") == 0) {
      if (!s || !path_is_clean(s))
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected an absolute path without \".\", \"..\" or \"//\"");
      if (!(r->path = strdup(s)))
        return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    } else if (strcmp(key, "sha256") == 0) {
      if (!s || !is_hex64(s))
        return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                         "expected 64 lower-case hex digits");
      snprintf(r->sha256, sizeof r->sha256, "%s", s);
    } else if (strcmp(key, "stages") == 0) {
      ret = parse_stages(f, p, &r->stages, err);
    } else if (strcmp(key, "args") == 0) {
      ret = parse_args(f, p, r, err);
    } else if (strcmp(key, "env") == 0) {
      ret = jv_read_strings(f, p, NULL, NULL, &r->env, err);
    } else {
      return error_set(err, SHIM_ERR_SCHEMA, p->buf, "unknown field");
    }
    if (ret < 0)
      return ret;
    jptr_pop(p, mark);
  }
  if (!r->path || !r->stages || !r->nargs)
    return error_set(err, SHIM_ERR_SCHEMA, p->buf,
                     "a hook rule needs \"path\", \"stages\" and \"args\"");
  return 0;
}

static json_t *strings_json(const struct strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < l->count; i++)
    json_array_append_new(a, json_string(l->items[i]));
  return a;
}

static json_t *rule_render(const void *rule) {
  const struct hook_rule *r = rule;
  json_t *stages = json_array(), *args = json_array();
  for (size_t k = 0; stages && k < ARRAY_SIZE(stage_names); k++)
    if (r->stages & (1u << k))
      json_array_append_new(stages, json_string(stage_names[k]));
  for (size_t k = 0; args && k < r->nargs; k++)
    json_array_append_new(args, strings_json(&r->args[k]));
  json_t *o = json_pack("{s:s, s:o, s:o, s:o}", "path", r->path, "stages", stages,
                        "args", args, "env", strings_json(&r->env));
  if (o && r->sha256[0])
    json_object_set_new(o, "sha256", json_string(r->sha256));
  return o;
}

const struct rule_kind hook_rule_kind = {sizeof(struct hook_rule),
                                         parse_rule, rule_clear, rule_render};

/* argv against one alternative; absent args run as {path} (Go's exec). */
static bool args_match(const struct strlist *pats, const struct jnode *args,
                       const char *path) {
  size_t n = args ? jv_count(args) : 1, i = 0;
  const struct jnode *a = jv_first(args);
  for (; i < pats->count; i++) {
    if (i + 1 == pats->count && strcmp(pats->items[i], "...") == 0)
      return true;
    if (i >= n)
      return false;
    const char *arg = args ? jv_str(a) : path;
    if (fnmatch(pats->items[i], arg, 0) != 0)
      return false;
    if (args)
      a = jv_next(args, a);
  }
  return i == n;
}

static bool env_allowed(const struct strlist *pats, const struct jnode *env,
                        const char **bad) {
  jv_foreach(env, e) {
    size_t k = 0;
    while (k < pats->count && fnmatch(pats->items[k], jv_str(e), 0) != 0)
      k++;
    if (k == pats->count) {
      *bad = jv_str(e);
      return false;
    }
  }
  return true;
}

/* The program as the host has it (a host fact): root's alone, in
 * directories root's alone (as sudo wants of its secure path: runc runs it
 * by path later), and with the rule's digest when it gives one. */
static int host_program(const struct hook_rule *r, const shim_spec *spec, char *why,
                        size_t size) {
  const shim_fact *f = spec_fact(spec, SHIM_FACT_PROGRAM, r->path, 0);
  if (!f)
    snprintf(why, size, "no host facts say what %s is", r->path);
  else if (f->error)
    snprintf(why, size, "%s cannot be read on this host (%s)", r->path, strerror(f->error));
  else if (!S_ISREG(f->mode) || f->owner != 0 || (f->mode & (S_IWGRP | S_IWOTH)))
    snprintf(why, size, "%s is not a regular file owned by root and writable "
                        "by root alone", r->path);
  else if (f->path_writable)
    snprintf(why, size, "a directory on the path of %s may be written by another user "
                        "than root: the program could be replaced after this check",
             r->path);
  else if (r->sha256[0] && strcmp(f->sha256, r->sha256) != 0)
    snprintf(why, size, "%s has sha256 %s, not the policy's %s", r->path,
             *f->sha256 ? f->sha256 : "(none given)", r->sha256);
  else
    return 0;
  return -1;
}

bool hook_rule_names(const struct rules *hooks, const char *path) {
  const struct hook_rule *rules = hooks->items;
  for (size_t i = 0; path && i < hooks->count; i++)
    if (strcmp(rules[i].path, path) == 0)
      return true;
  return false;
}

int hook_judge(const struct rules *hooks, const shim_spec *spec, const char *stage,
               const struct jnode *hook, char *why, size_t size) {
  const struct hook_rule *rules = hooks->items;
  const char *path = jv_str(jv_get(hook, "path"));
  const struct jnode *args = jv_get(hook, "args");
  size_t k = 0;
  while (k < ARRAY_SIZE(stage_names) && strcmp(stage_names[k], stage) != 0)
    k++;
  snprintf(why, size, "not listed in controls.hooks.allowed (it would run "
                      "host code%s)", k < 2 || k > 3 ? " as host root" : "");
  for (size_t i = 0; path && i < hooks->count; i++) {
    const struct hook_rule *r = &rules[i];
    if (strcmp(r->path, path) != 0)
      continue;
    size_t alt = 0;
    while (alt < r->nargs && !args_match(&r->args[alt], args, path))
      alt++;
    const char *bad = NULL;
    if (k == ARRAY_SIZE(stage_names) || !(r->stages & (1u << k)))
      snprintf(why, size, "stage %s is not in controls.hooks.allowed[%zu].stages", stage, i);
    else if (alt == r->nargs)
      snprintf(why, size, "its arguments match none of controls.hooks.allowed[%zu].args", i);
    else if (!env_allowed(&r->env, jv_get(hook, "env"), &bad))
      snprintf(why, size, "environment entry \"%.64s\" matches none of "
                          "controls.hooks.allowed[%zu].env", bad, i);
    else
      return host_program(r, spec, why, size);
  }
  return -1;
}
