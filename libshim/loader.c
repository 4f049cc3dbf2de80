/*
 * The seccomp loader's form of a spec: how a runtime that loads filters
 * itself (shim_policy_set_seccomp_loader) hands runc a container whose
 * filter runc need not compile, and recognising exactly that form.
 *
 * runc compiles linux.seccomp with libseccomp at every start and exec
 * (12 to 20 ms for the profiles containers get).  In the loader's form the
 * profile moves to the annotation SHIM_SECCOMP_ANNOTATION, where runc does
 * not read it; the runtime compiles it once into a file named by the
 * digest of that text; the spec binds the runtime's static loader and that
 * file read-only into the container, and starts the process through the
 * loader, which installs the filter and execs the process's own argv.
 *
 * Everything the form adds is fixed by the policy (the loader's path, the
 * cache directory) and the profile's text, so the checks can demand it
 * exactly: a spec that names the loader any other way is refused.
 */
#include "config.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* The options of both mounts: read-only, no devices, no set-id; the
 * filter may not be executed either. */
static const char *const loader_options[] = {"bind", "ro", "nosuid", "nodev"};
static const char *const filter_options[] = {"bind", "ro", "nosuid", "nodev", "noexec"};

static int filter_path(const shim_policy *policy, const char *profile, char *out,
                       size_t size) {
  char hex[65];
  sha256_hex(profile, strlen(profile), hex);
  int n = snprintf(out, size, "%s/%s.bpf", policy->filter_dir, hex);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The mount node the form needs at dest, or NULL. */
static const struct jnode *mount_at(const struct jnode *root, const char *dest,
                                    size_t *index) {
  size_t i = 0;
  jv_foreach_i(jv_get(root, "mounts"), i, m) {
    const char *d = jv_str(jv_get(m, "destination"));
    if (d && strcmp(d, dest) == 0) {
      *index = i;
      return m;
    }
  }
  return NULL;
}

static bool mount_is(const struct jnode *m, const char *dest, const char *source,
                     const char *const *options, size_t count) {
  const char *d = jv_str(jv_get(m, "destination"));
  const char *s = jv_str(jv_get(m, "source"));
  const char *type = jv_str(jv_get(m, "type"));
  const struct jnode *opts = jv_get(m, "options");
  size_t members = 0;
  jv_foreach(m, member) { members++; }
  if (members != 4 || !d || !s || !type || strcmp(d, dest) || strcmp(s, source) ||
      strcmp(type, "bind") || jv_count(opts) != count)
    return false;
  size_t i = 0;
  jv_foreach_i(opts, i, o) {
    if (!jv_str(o) || strcmp(jv_str(o), options[i]) != 0)
      return false;
  }
  return true;
}

/* Where a path lies under (or is) SHIM_SECCOMP_DIR: the form's own. */
static bool in_loader_dir(const char *path) {
  size_t n = strlen(SHIM_SECCOMP_DIR);
  return path && strncmp(path, SHIM_SECCOMP_DIR, n) == 0 &&
         (path[n] == '\0' || path[n] == '/');
}

/* A path at, in or above the loader's directory: masking it would hide
 * the loader (the container would fail to start, never run unfiltered). */
static bool covers_loader_dir(const char *path) {
  size_t n = path ? strlen(path) : 0;
  while (n > 1 && path[n - 1] == '/')
    n--;
  return path && (in_loader_dir(path) ||
                  (strncmp(SHIM_SECCOMP_DIR, path, n) == 0 &&
                   (n == 1 || SHIM_SECCOMP_DIR[n] == '/')));
}

void loader_form(const shim_policy *policy, const struct jnode *root,
                 struct loader_form *f) {
  f->profile = jv_str(jv_get(jv_get(root, "annotations"), SHIM_SECCOMP_ANNOTATION));
  f->filter[0] = '\0';
  if (policy->loader && f->profile &&
      filter_path(policy, f->profile, f->filter, sizeof f->filter) < 0)
    f->filter[0] = '\0';
}

bool loader_mount_is_ours(const shim_policy *policy, const struct loader_form *f,
                          const struct jnode *m) {
  if (!policy->loader || !*f->filter)
    return false;
  return mount_is(m, SHIM_SECCOMP_LOADER, policy->loader, loader_options,
                  ARRAY_SIZE(loader_options)) ||
         mount_is(m, SHIM_SECCOMP_FILTER, f->filter, filter_options,
                  ARRAY_SIZE(filter_options));
}

bool loader_named(const struct jnode *root) {
  if (jv_get(jv_get(root, "annotations"), SHIM_SECCOMP_ANNOTATION))
    return true;
  jv_foreach(jv_get(root, "mounts"), m) {
    if (in_loader_dir(jv_str(jv_get(m, "destination"))))
      return true;
  }
  return in_loader_dir(jv_str(jv_first(jv_get(jv_get(root, "process"), "args"))));
}

enum loader_fault loader_check(const shim_policy *policy, const struct jnode *root,
                               const struct loader_form *f, char *why, size_t size) {
  const struct jnode *process = jv_get(root, "process");
  const struct jnode *mounts = jv_get(root, "mounts");
  size_t li = 0, fi = 0, n = jv_count(mounts);
  const struct jnode *lm = mount_at(root, SHIM_SECCOMP_LOADER, &li);
  const struct jnode *fm = mount_at(root, SHIM_SECCOMP_FILTER, &fi);
#define FAULT(...) (snprintf(why, size, __VA_ARGS__), LOADER_WRONG)
  if (!policy->loader)
    return FAULT("the spec names shim's seccomp loader (%s), which this runtime "
                 "does not provide", SHIM_SECCOMP_DIR);
  if (!f->profile)
    return FAULT("the spec uses %s without its profile (annotation %s)",
                 SHIM_SECCOMP_DIR, SHIM_SECCOMP_ANNOTATION);
  if (jv_get(jv_get(root, "linux"), "seccomp"))
    return FAULT("the spec has both linux.seccomp and the loader's profile "
                 "(annotation %s)", SHIM_SECCOMP_ANNOTATION);
  if (!*f->filter)
    return FAULT("the seccomp cache path is too long");
  /* The two mounts, last: nothing mounted after them can cover them. */
  if (!lm || !fm || li + 2 != n || fi + 1 != n ||
      !mount_is(lm, SHIM_SECCOMP_LOADER, policy->loader, loader_options,
                ARRAY_SIZE(loader_options)) ||
      !mount_is(fm, SHIM_SECCOMP_FILTER, f->filter, filter_options,
                ARRAY_SIZE(filter_options)))
    return FAULT("the mounts of %s and %s must be the last two, read-only binds "
                 "of %s and %s", SHIM_SECCOMP_LOADER, SHIM_SECCOMP_FILTER,
                 policy->loader, f->filter);
  jv_foreach(jv_get(jv_get(root, "linux"), "maskedPaths"), p) {
    if (covers_loader_dir(jv_str(p)))
      return FAULT("linux.maskedPaths hides %s, which the loader needs", jv_str(p));
  }
  /* A process joining the container (runc exec) comes as it is: what
   * hardening gives it (no_new_privs, the loader first) is for it to fix. */
  bool nnp = jv_is_true(jv_get(process, "noNewPrivileges"));
  if (!nnp && policy->mode[CONTROL_NO_NEW_PRIVILEGES] != MODE_ENFORCE)
    return FAULT("the loader needs no_new_privs to install the filter");
  const struct jnode *args = jv_get(process, "args");
  const char *first = jv_str(jv_first(args));
  if (!nnp || !first || strcmp(first, SHIM_SECCOMP_LOADER) != 0 || jv_count(args) < 2) {
    snprintf(why, size, "process.args does not start with %s: the process "
             "would run without its seccomp filter", SHIM_SECCOMP_LOADER);
    return LOADER_UNWRAPPED;
  }
#undef FAULT
  return LOADER_OK;
}

bool loader_can_take(const shim_policy *policy, const struct jnode *root) {
  const struct jnode *process = jv_get(root, "process");
  return policy->loader && jv_is_true(jv_get(process, "noNewPrivileges")) &&
         jv_count(jv_get(process, "args")) > 0;
}

int loader_apply(const shim_policy *policy, struct jtree *t, struct jnode *doc,
                 const struct jnode *oci, bool *changed, shim_error *err) {
  _cleanup_free_ char *text = NULL;
  int ret = json_render_tree(oci, false, &text, err);
  if (ret < 0)
    return ret;
  text[strcspn(text, "\n")] = '\0';
  struct loader_form f = {.profile = text};
  if (filter_path(policy, text, f.filter, sizeof f.filter) < 0)
    return error_set(err, SHIM_ERR_LIMIT, NULL, "the seccomp cache path is too long");
  char why[512];
  const char *had = jv_str(jv_get(jv_get(doc, "annotations"), SHIM_SECCOMP_ANNOTATION));
  if (had && strcmp(had, text) == 0 &&
      loader_check(policy, doc, &f, why, sizeof why) == LOADER_OK) {
    *changed = false;
    return 0;
  }
  struct jnode *linux_ = jt_get(doc, "linux");
  if (linux_)
    jt_del(linux_, "seccomp");
  jt_set(t, jt_member(t, doc, "annotations", J_OBJECT), SHIM_SECCOMP_ANNOTATION,
         jt_string(t, text));
  struct jnode *mounts = jt_member(t, doc, "mounts", J_ARRAY);
  jt_foreach(mounts, m) {
    if (in_loader_dir(jv_str(jv_get(m, "destination"))))
      jt_remove(mounts, m);
  }
  static const struct {
    const char *dest;
    const char *const *options;
    size_t count;
  } binds[] = {{SHIM_SECCOMP_LOADER, loader_options, ARRAY_SIZE(loader_options)},
               {SHIM_SECCOMP_FILTER, filter_options, ARRAY_SIZE(filter_options)}};
  for (size_t i = 0; i < ARRAY_SIZE(binds); i++) {
    struct jnode *m = jt_append(mounts, jt_object(t));
    jt_set(t, m, "destination", jt_string(t, binds[i].dest));
    jt_set(t, m, "type", jt_string(t, "bind"));
    jt_set(t, m, "source", jt_string(t, i == 0 ? policy->loader : f.filter));
    jt_set(t, m, "options", jt_strings(t, binds[i].options, binds[i].count));
  }
  struct jnode *args = jt_get(jt_get(doc, "process"), "args");
  const char *first = jv_str(jv_first(args));
  if (!first || strcmp(first, SHIM_SECCOMP_LOADER) != 0 || jv_count(args) < 2) {
    /* Prepended: the process's argv follows the loader's, unchanged. */
    struct jnode *wrapped = jt_array(t);
    jt_append(wrapped, jt_string(t, SHIM_SECCOMP_LOADER));
    jt_foreach(args, a) { jt_append(wrapped, jt_string(t, jv_str(a))); }
    jt_set(t, jt_get(doc, "process"), "args", wrapped);
  }
  if (t->failed)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  *changed = true;
  return 0;
}

int shim_policy_set_seccomp_loader(shim_policy *policy, const char *loader,
                                   const char *filter_dir, shim_error *err) {
  if (!policy || !loader || loader[0] != '/' || !filter_dir || filter_dir[0] != '/')
    return error_set(err, SHIM_ERR_INVAL, NULL, "expected two absolute paths");
  char *l = strdup(loader), *d = strdup(filter_dir);
  if (!l || !d) {
    free(l);
    free(d);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  free(policy->loader);
  free(policy->filter_dir);
  policy->loader = l;
  policy->filter_dir = d;
  return 0;
}

int shim_spec_seccomp_filter(const shim_policy *policy, const shim_spec *spec,
                             const char **profile, char **filter, shim_error *err) {
  if (!policy || !spec || !profile || !filter)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  const struct jnode *root = spec->tree.nodes;
  char why[512];
  if (!policy->loader || !loader_named(root))
    return 0;
  struct loader_form f;
  loader_form(policy, root, &f);
  if (loader_check(policy, root, &f, why, sizeof why) != LOADER_OK)
    return error_set(err, SHIM_ERR_REJECTED, NULL, "%s", why);
  if (!(*filter = strdup(f.filter)))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  *profile = f.profile;
  return 1;
}
