/* Putting shim on a node and taking it off again: see node_install.h. */
#include "config.h"
#include "node_install.h"

#include "files.h"
#include "internal.h"
#include "node_pool.h"
#include "node_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE "/var/lib/shim/node"
#define RECORD STATE "/install.json"
#define BIN_DIR "/usr/local/bin"
#define MAX_PROGRAM (64u * 1024 * 1024)
/* The kubelet's subordinate ids when the node gives it none: 1024 pods of
 * 65536 ids from 2^30, far beyond shimrun's pool (from 100000). */
#define KUBELET_START 1073741824u
#define KUBELET_COUNT 67108864u

static int open_root(const char *root, shim_error *err) {
  int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "host root %s", root);
  return fd;
}

/* ---- The plan ---------------------------------------------------------------- */

static void change_clear(struct node_change *c) {
  free(c->before);
  free(c->after);
  free(c->added);
}

void node_plan_clear(struct node_plan *plan) {
  for (size_t i = 0; i < plan->count; i++)
    change_clear(&plan->changes[i]);
  free(plan->changes);
  free(plan->preview);
  *plan = (struct node_plan){0};
}

/* Adds "path becomes after" to the plan, unless it is so already.  Takes
 * after and added. */
static int plan_file(struct node_plan *plan, int rootfd, const char *path, char *after,
                     size_t after_len, char *added, mode_t mode, const char *why,
                     shim_error *err) {
  struct node_change c = {.after = after, .after_len = after_len, .added = added,
                          .mode = mode};
  snprintf(c.path, sizeof c.path, "%s", path);
  snprintf(c.why, sizeof c.why, "%s", why);
  if (read_in_root(rootfd, path, MAX_PROGRAM, &c.before, &c.before_len) == 0) {
    struct stat st;
    int fd = open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
    c.existed = true;
    c.before_mode = fd >= 0 && fstat(fd, &st) == 0 ? st.st_mode & 07777 : mode;
    if (fd >= 0)
      close(fd);
  } else if (errno != ENOENT) {
    int e = errno;
    change_clear(&c);
    return error_sys(err, SHIM_ERR_IO, e, NULL, "%s", path);
  }
  if (c.existed && c.before_len == after_len && c.before_mode == mode &&
      memcmp(c.before, after, after_len) == 0) {
    change_clear(&c);
    return 0;
  }
  struct node_change *bigger = realloc(plan->changes, (plan->count + 1) * sizeof *bigger);
  if (!bigger) {
    change_clear(&c);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  plan->changes = bigger;
  plan->changes[plan->count++] = c;
  return 0;
}

static int plan_program(struct node_plan *plan, int rootfd, const char *from,
                        const char *name, shim_error *err) {
  char src[PATH_MAX], dst[PATH_MAX], why[128];
  snprintf(src, sizeof src, "%s/%s", from, name);
  snprintf(dst, sizeof dst, BIN_DIR "/%s", name);
  char *data = NULL;
  size_t len = 0;
  if (read_regular_limit_at(AT_FDCWD, src, MAX_PROGRAM, &data, &len) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", src);
  snprintf(why, sizeof why, "%s, from %s", name, from);
  return plan_file(plan, rootfd, dst, data, len, NULL, 0755, why, err);
}

/* The runtime class's tables, in the form of config version `version`. */
static char *runtime_tables(const struct node_plan *plan, int version, bool systemd) {
  const char *rt = node_runtimes_table(version);
  char *text = NULL;
  if (asprintf(&text,
               "[%s.%s]\n"
               "  runtime_type = \"io.containerd.runc.v2\"\n"
               "  [%s.%s.options]\n"
               "    BinaryName = \"%s\"\n"
               "    SystemdCgroup = %s\n",
               rt, plan->runtime_name, rt, plan->runtime_name, plan->binary_name,
               systemd ? "true" : "false") < 0)
    return NULL;
  return text;
}

/* containerd's CRI table saying that pods without a runtime class get ours. */
static char *default_table(const struct node_plan *plan, int version) {
  char *text = NULL;
  if (asprintf(&text, "[%s]\n  default_runtime_name = \"%s\"\n", node_cri_table(version),
               plan->runtime_name) < 0)
    return NULL;
  return text;
}

/* The line of text that opens the table (table written with double
 * quotes; the text's may be single, as k3s's are), or NULL. */
static const char *table_header(const char *text, const char *table) {
  size_t n = strlen(table);
  for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
    const char *p = l + strspn(l, " \t");
    size_t i = 0;
    while (i < n && (p[i + 1] == table[i] || (p[i + 1] == '\'' && table[i] == '"')))
      i++;
    if (p[0] == '[' && i == n && p[n + 1] == ']')
      return l;
  }
  return NULL;
}

/* text with default_runtime_name = "NAME" in the table that opens at hdr:
 * its line replaced, or one added after the header (malloc'ed). */
static char *set_default_in(const char *text, const char *hdr, const char *name) {
  const char *body = hdr + strcspn(hdr, "\n");
  body += *body == '\n';
  const char *line = NULL;
  for (const char *l = body; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
    const char *p = l + strspn(l, " \t");
    if (*p == '[')
      break;
    if (strncmp(p, "default_runtime_name", 20) == 0 && strchr(" \t=", p[20])) {
      line = l;
      break;
    }
  }
  const char *cut = line ? line : body;
  const char *rest = line ? line + strcspn(line, "\n") : body;
  int indent = line ? (int)strspn(line, " \t") : 2;
  char *out = NULL;
  if (asprintf(&out, "%.*s%*sdefault_runtime_name = \"%s\"%s%s", (int)(cut - text), text,
               indent, "", name, line ? "" : "\n", rest) < 0)
    return NULL;
  return out;
}

/* Whether text is empty or ends its last line. */
static bool ends_line(const char *text) {
  size_t n = strlen(text);
  return !n || text[n - 1] == '\n';
}

static const char header[] =
    "# The runtime class of shim (shimrun in front of runc), added by\n"
    "# `shimctl node install`; `shimctl node uninstall` takes it out again.\n";

/* Which runtime a dump table is of: skipped when the main file defines it
 * (1.x keeps it then) or it is ours. */
struct defined {
  const char *main, *prefix, *ours;
};

static bool defined_already(const char *table, const void *arg) {
  const struct defined *d = arg;
  const char *name = table + strlen(d->prefix) + 1;
  size_t n = strcspn(name, ".]");
  char needle[300];
  snprintf(needle, sizeof needle, "runtimes.%.*s", (int)n, name);
  if (strlen(d->ours) == n && strncmp(name, d->ours, n) == 0)
    return true;
  for (const char *p = d->main ? strstr(d->main, needle) : NULL; p;
       p = strstr(p + 1, needle))
    if (p[strlen(needle)] == ']' || p[strlen(needle)] == '.')
      return true;
  return false;
}

/* containerd 1.x: the main file gets the tables appended.  A drop-in would
 * replace the whole CRI section the main file sets (1.6 merges imports per
 * plugin), and any runtime table makes 1.x forget the runtimes it only had
 * by default (runc): those are copied from the dump with ours. */
static int plan_main_file(struct node_plan *plan, int rootfd,
                          const struct node_containerd *c, bool need_class,
                          bool need_default, shim_error *err) {
  _cleanup_free_ char *tables = NULL, *edited = NULL, *def = NULL;
  const char *main = c->text;
  size_t copied_len = 0;
  char *copied = NULL;
  /* The default in the file's own CRI table where it has one (a table may
   * not be opened twice), else in ours. */
  const char *hdr = need_default && main ? table_header(main, node_cri_table(2)) : NULL;
  if ((hdr && !(edited = set_default_in(main, hdr, plan->runtime_name))) ||
      (need_default && !hdr && !(def = default_table(plan, 2))))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  struct defined d = {.main = main, .prefix = node_runtimes_table(c->dump_version),
                      .ours = plan->runtime_name};
  if (need_class &&
      (node_dump_tables(c->dump, d.prefix, defined_already, &d, &copied, &copied_len) < 0 ||
       !(tables = runtime_tables(plan, c->dump_version, c->systemd_cgroup)))) {
    free(copied);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  const char *base = edited ? edited : main ? main : "";
  char *block = NULL, *after = NULL;
  if ((need_class || def)
          ? asprintf(&block, "%s\n%s%s%s%s%s", ends_line(base) ? "" : "\n", header,
                     copied ? "# The runtimes containerd had by default: with a runtime table of\n"
                              "# its own in the file, containerd 1.x would forget them.\n"
                            : "",
                     copied ? copied : "", def ? def : "", tables ? tables : "") < 0
          : !(block = strdup(""))) {
    free(copied);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  free(copied);
  if (asprintf(&after, "%s%s%s", c->text ? "" : "version = 2\n", base, block) < 0) {
    free(block);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  char why[128];
  snprintf(why, sizeof why, "%s%s%s, in containerd's main config file",
           need_class ? "the runtime class " : "", need_class ? plan->runtime_name : "",
           need_default ? need_class ? " (the default)" : "the default runtime class" : "");
  snprintf(plan->form, sizeof plan->form, "main file");
  /* Only what was appended can be taken out of a file changed since. */
  bool appended = c->text && !edited;
  return plan_file(plan, rootfd, c->config, after, strlen(after),
                   appended ? block : (free(block), NULL), 0644, why, err);
}

/* containerd 2.x merges imported files into the main one setting by
 * setting: a drop-in of our own, in the directory the imports read, or
 * in /etc/containerd/conf.d with an imports line added. */
static int plan_dropin(struct node_plan *plan, int rootfd, const struct node_containerd *c,
                       bool need_class, shim_error *err) {
  char dir[256], path[PATH_MAX], why[128];
  snprintf(dir, sizeof dir, "%s", c->dropin_dir[0] ? c->dropin_dir : "/etc/containerd/conf.d");
  if (need_class && !c->dropin_dir[0]) {
    const char *main = c->text;
    /* Our glob goes into the imports line the file has (2.x's default
     * config has `imports = []`), else a line of its own after the
     * version line, or first: the top level either way. */
    const char *line = main ? node_toml_top_level(main, "imports") : NULL;
    const char *at = line ? strchr(line, ']') : NULL;
    bool empty = at && at[-1] == '[';
    if (line && (!at || memchr(line, '\n', (size_t)(at - line))))
      return error_set(err, SHIM_ERR_SCHEMA, NULL,
                       "%s: an imports array over several lines; put \"%s/*.toml\" "
                       "in it, or give --config a simpler file", c->config, dir);
    if (!line) {
      const char *version = main ? node_toml_top_level(main, "version") : NULL;
      at = version ? version + strcspn(version, "\n") + (version[strcspn(version, "\n")] != 0)
                   : main;
    }
    size_t keep = at ? (size_t)(at - main) : 0;
    char *added = NULL, *after = NULL;
    if ((line ? asprintf(&added, "%s\"%s/*.toml\"", empty ? "" : ", ", dir)
              : asprintf(&added, "imports = [\"%s/*.toml\"]\n", dir)) < 0 ||
        asprintf(&after, "%s%.*s%s%s", c->text ? "" : "version = 3\n", (int)keep,
                 main ? main : "", added, main ? main + keep : "") < 0) {
      free(added);
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    }
    snprintf(why, sizeof why, "imports %s/*.toml", dir);
    int ret = plan_file(plan, rootfd, c->config, after, strlen(after),
                        c->text ? added : (free(added), NULL), 0644, why, err);
    if (ret < 0)
      return ret;
  }
  /* In the main file's form: 2.x merges the files before it migrates a
   * version 2 one, so a version 3 drop-in would stand beside, and win
   * over, the CRI settings of a version 2 main file. */
  int version = c->config_version == 2 ? 2 : 3;
  _cleanup_free_ char *tables = runtime_tables(plan, version, c->systemd_cgroup);
  _cleanup_free_ char *def = plan->make_default ? default_table(plan, version) : NULL;
  char *text = NULL;
  if (!tables || (plan->make_default && !def) ||
      asprintf(&text, "%sversion = %d\n\n%s%s", header, version, def ? def : "", tables) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  snprintf(path, sizeof path, "%s/%s.toml", dir, plan->runtime_name);
  snprintf(why, sizeof why, "the runtime class %s%s, a drop-in", plan->runtime_name,
           plan->make_default ? " (the default)" : "");
  snprintf(plan->form, sizeof plan->form, "drop-in");
  return plan_file(plan, rootfd, path, text, strlen(text), NULL, 0644, why, err);
}

/* k3s and rke2 write containerd's config.toml at every start, from the
 * user's template in its directory (config-v3.toml.tmpl first, then
 * config.toml.tmpl) or from their own: the class goes at the end of the
 * user's template, else into a new one that renders theirs first
 * ({{ template "base" . }}, k3s and rke2 since their September 2023
 * releases).  Text added after the template's own is rendered as it is,
 * so the next config.toml is this one's text with the same addition: the
 * preview that containerd is asked to read before anything is kept. */
static int plan_template(struct node_plan *plan, int rootfd, const struct node_containerd *c,
                         bool need_class, bool need_default, shim_error *err) {
  static const char *const names[] = {"config-v3.toml.tmpl", "config.toml.tmpl"};
  int version = c->config_version; /* the form k3s renders */
  if (need_default && table_header(c->text, node_cri_table(version)))
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "%s writes the table [%s] of %s itself, so a template cannot add "
                     "default_runtime_name to it: give %s its own setting instead "
                     "(default-runtime: %s in /etc/rancher/%s/config.yaml), and install "
                     "without --default",
                     c->distro, node_cri_table(version), c->config, c->distro,
                     plan->runtime_name, c->distro);
  char path[PATH_MAX], why[128];
  int dir_len = (int)(strrchr(c->config, '/') - c->config);
  _cleanup_free_ char *existing = NULL;
  size_t len = 0;
  for (size_t i = 0; i < ARRAY_SIZE(names) && !existing; i++) {
    snprintf(path, sizeof path, "%.*s/%s", dir_len, c->config, names[i]);
    if (read_in_root(rootfd, path, SHIM_MAX_DOCUMENT_BYTES, &existing, &len) < 0 &&
        errno != ENOENT)
      return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
  }
  if (!existing)
    snprintf(path, sizeof path, "%.*s/%s", dir_len, c->config, names[version == 3 ? 0 : 1]);
  _cleanup_free_ char *tables = need_class ? runtime_tables(plan, version, c->systemd_cgroup)
                                           : NULL;
  _cleanup_free_ char *def = need_default ? default_table(plan, version) : NULL;
  _cleanup_free_ char *block = NULL;
  char *added = NULL, *after = NULL;
  const char *base = existing ? existing : "{{ template \"base\" . }}\n";
  if ((need_class && !tables) || (need_default && !def) ||
      asprintf(&block, "\n%s%s%s", header, def ? def : "", tables ? tables : "") < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  /* Written already, not rendered yet (k3s not restarted since). */
  bool there = existing && strstr(existing, block);
  if (asprintf(&added, "%s%s", ends_line(base) ? "" : "\n", there ? "" : block) < 0 ||
      asprintf(&after, "%s%s", base, added) < 0 ||
      asprintf(&plan->preview, "%s%s%s", c->text, ends_line(c->text) ? "" : "\n", block) < 0) {
    free(added);
    free(after);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  snprintf(why, sizeof why, "the runtime class %s%s, a %s template", plan->runtime_name,
           need_default ? " (the default)" : "", c->distro);
  snprintf(plan->form, sizeof plan->form, "%s template", c->distro);
  return plan_file(plan, rootfd, path, after, strlen(after),
                   existing && !there ? added : (free(added), NULL), 0644, why, err);
}

static int plan_runtime_class(struct node_plan *plan, int rootfd,
                              const struct node_containerd *c, shim_error *err) {
  char table[512], buf[PATH_MAX], now[128];
  snprintf(table, sizeof table, "%s.%s.options", node_runtimes_table(c->dump_version),
           plan->runtime_name);
  const char *binary = node_dump_get(c->dump, table, "BinaryName", buf, sizeof buf);
  bool class_there = binary && strcmp(binary, plan->binary_name) == 0;
  table[strlen(table) - strlen(".options")] = '\0';
  if (!class_there && (binary || node_dump_get(c->dump, table, "runtime_type", buf, sizeof buf)))
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "containerd already has a runtime class %s (BinaryName \"%s\"): "
                     "choose another --runtime-name, or remove it first",
                     plan->runtime_name, binary ? binary : "");
  const char *def = node_dump_get(c->dump, node_cri_table(c->dump_version),
                                  "default_runtime_name", now, sizeof now);
  bool need_default = plan->make_default && !(def && strcmp(def, plan->runtime_name) == 0);
  if (class_there && !need_default) {
    snprintf(plan->form, sizeof plan->form, "in place already");
    return 0;
  }
  /* k3s and rke2 write the main file themselves; the drop-in directory
   * their rendered file imports serves where 2.x merges setting by
   * setting, their template elsewhere. */
  if (c->distro && !(c->dump_version == 3 && c->dropin_dir[0]))
    return plan_template(plan, rootfd, c, !class_there, need_default, err);
  return c->dump_version == 3 ? plan_dropin(plan, rootfd, c, !class_there, err)
                              : plan_main_file(plan, rootfd, c, !class_there, need_default, err);
}

/* The kubelet's entry of a subordinate id file: start and count, or false. */
static bool kubelet_entry(const char *text, unsigned *start, unsigned *count) {
  for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
    if (sscanf(line, "kubelet:%u:%u", start, count) == 2)
      return true;
  return false;
}

/* The kubelet's own ids for hostUsers: false pods in /etc/subuid and
 * /etc/subgid, where the node has none: one range for both, clear of
 * shimrun's pool (the two must never meet). */
static int plan_kubelet_ids(struct node_plan *plan, int rootfd, shim_policy *policy,
                            shim_error *err) {
  static const char *const files[] = {"/etc/subuid", "/etc/subgid"};
  char *text[2] = {NULL, NULL};
  size_t len[2] = {0, 0};
  unsigned start = KUBELET_START, count = KUBELET_COUNT, s, n;
  bool has[2];
  int ret = 0;
  for (int i = 0; ret == 0 && i < 2; i++) {
    if (read_in_root(rootfd, files[i], SHIM_MAX_DOCUMENT_BYTES, &text[i], &len[i]) < 0 &&
        errno != ENOENT) {
      ret = error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", files[i]);
      break;
    }
    if ((has[i] = text[i] && kubelet_entry(text[i], &s, &n))) {
      start = s;
      count = n;
    }
  }
  if (ret == 0 && (ret = shim_policy_set_kubelet_ids(policy, start, count, err)) < 0) {
    char why[sizeof err->message];
    snprintf(why, sizeof why, "%s", err->message);
    ret = error_set(err, -ret, NULL, "the kubelet's subordinate ids %u..%u: %s", start,
                    start + count - 1, why);
  }
  for (int i = 0; ret == 0 && i < 2; i++) {
    if (has[i])
      continue;
    char *added = NULL, *after = NULL, why[128];
    bool newline = len[i] && text[i][len[i] - 1] != '\n';
    if (asprintf(&added, "%skubelet:%u:%u\n", newline ? "\n" : "", start, count) < 0 ||
        asprintf(&after, "%.*s%s", (int)len[i], text[i] ? text[i] : "", added) < 0) {
      free(added);
      ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
      break;
    }
    snprintf(why, sizeof why, "the kubelet's ids for hostUsers: false pods, %u..%u",
             start, start + count - 1);
    ret = plan_file(plan, rootfd, files[i], after, strlen(after),
                    text[i] ? added : (free(added), NULL), 0644, why, err);
  }
  free(text[0]);
  free(text[1]);
  return ret;
}

int node_install_plan(const struct node_install_opts *opts, const struct node_containerd *c,
                      struct node_plan *plan, shim_error *err) {
  *plan = (struct node_plan){0};
  snprintf(plan->runtime_name, sizeof plan->runtime_name, "%s", opts->runtime_name);
  snprintf(plan->binary_name, sizeof plan->binary_name, BIN_DIR "/shimrun");
  plan->make_default = opts->make_default;
  for (const char *p = opts->runtime_name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return error_set(err, SHIM_ERR_INVAL, NULL,
                       "runtime name \"%s\": lower-case letters, digits and '-' only "
                       "(a Kubernetes RuntimeClass handler)", opts->runtime_name);
  _cleanup_close_ int rootfd = open_root(opts->root, err);
  if (rootfd < 0)
    return rootfd;
  int ret = 0;
  /* shimrun finds the seccomp loader beside itself (built for x86_64). */
  static const char *const programs[] = {"shimrun", "shimctl", "shim-seccomp-loader"};
  for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(programs); i++)
    ret = plan_program(plan, rootfd, opts->from, programs[i], err);
  if (ret == 0)
    ret = plan_runtime_class(plan, rootfd, c, err);
  if (ret == 0)
    ret = plan_kubelet_ids(plan, rootfd, opts->policy, err);
  if (ret < 0)
    node_plan_clear(plan);
  return ret;
}

/* ---- Writing it -------------------------------------------------------------- */

/* The directories above path that are not there yet, shallowest first:
 * uninstall takes away those the install made (if they are empty then). */
static json_t *missing_dirs(int rootfd, const char *path) {
  json_t *dirs = json_array();
  char dir[PATH_MAX];
  for (size_t i = 1; dirs && path[i]; i++) {
    if (path[i] != '/')
      continue;
    snprintf(dir, sizeof dir, "%.*s", (int)i, path);
    int fd = open_in_root(rootfd, dir, O_PATH | O_DIRECTORY);
    if (fd >= 0)
      close(fd);
    else if (json_array_append_new(dirs, json_string(dir)) < 0)
      return json_decref(dirs), NULL;
  }
  return dirs;
}

static void remove_dirs(int rootfd, json_t *dirs) {
  for (size_t i = json_array_size(dirs); i-- > 0;) /* not when something else is there */
    remove_in_root(rootfd, json_string_value(json_array_get(dirs, i)) ?: "", AT_REMOVEDIR);
}

/* The first n changes undone, last first. */
static void put_back(int rootfd, const struct node_plan *plan, size_t n) {
  while (n--) {
    const struct node_change *c = &plan->changes[n];
    if (c->existed)
      write_in_root(rootfd, c->path, c->before, c->before_len, c->before_mode);
    else
      remove_in_root(rootfd, c->path, 0);
  }
}

/* Notes a change in the record: the state before the first install that
 * touched the file (its bytes kept in STATE/backup/N) stays; what this one
 * wrote replaces what an earlier one did. */
static int record_change(int rootfd, json_t *record, const struct node_change *c,
                         shim_error *err) {
  json_t *files = json_object_get(record, "files");
  json_t *f = json_array_find(files, "path", c->path);
  if (!f) {
    char backup[64] = "";
    if (c->existed) {
      snprintf(backup, sizeof backup, "backup/%zu", json_array_size(files));
      char path[PATH_MAX];
      snprintf(path, sizeof path, STATE "/%s", backup);
      if (write_in_root(rootfd, path, c->before, c->before_len, 0600) < 0)
        return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
    }
    f = json_pack("{s:s, s:b, s:s?, s:i, s:o}", "path", c->path, "existed", c->existed,
                  "backup", c->existed ? backup : NULL, "mode", (int)c->before_mode,
                  "dirs", c->existed ? json_array() : missing_dirs(rootfd, c->path));
    if (!f || json_array_append_new(files, f) < 0)
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  char sha[65];
  sha256_hex(c->after, c->after_len, sha);
  if (json_object_set_new(f, "sha256", json_string(sha)) < 0 ||
      json_object_set_new(f, "added", c->added ? json_string(c->added) : json_null()) < 0 ||
      json_object_set_new(f, "why", json_string(c->why)) < 0)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  return 0;
}

static json_t *load_record(int rootfd, shim_error *err) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (read_in_root(rootfd, RECORD, SHIM_MAX_DOCUMENT_BYTES, &text, &len) < 0) {
    if (errno != ENOENT) {
      error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", RECORD);
      return NULL;
    }
    json_t *r = json_pack("{s:o, s:[]}", "stateDirs", missing_dirs(rootfd, STATE "/backup/0"), "files");
    if (!r)
      error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    return r;
  }
  json_error_t jerr;
  json_t *r = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!r || !json_is_array(json_object_get(r, "files"))) {
    json_decref(r);
    error_set(err, SHIM_ERR_SYNTAX, NULL, "%s: not an install record%s%s", RECORD,
              r ? "" : ": ", r ? "" : jerr.text);
    return NULL;
  }
  return r;
}

static int save_record(int rootfd, json_t *record, shim_error *err) {
  _cleanup_free_ char *text = NULL;
  int ret = json_render(record, true, &text, err);
  if (ret == 0 && write_in_root(rootfd, RECORD, text, strlen(text), 0600) < 0)
    ret = error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", RECORD);
  return ret;
}

/* The backups and the directories that the record's entries from first
 * on made, and, once there is no record, the state directory: what a
 * failed install leaves of itself (its new entries), or an uninstall (all
 * of them). */
static void forget(int rootfd, json_t *record, size_t first) {
  json_t *files = json_object_get(record, "files");
  for (size_t i = json_array_size(files); i-- > first;) {
    const char *backup = json_string_value(json_object_get(json_array_get(files, i), "backup"));
    char path[PATH_MAX];
    snprintf(path, sizeof path, STATE "/%s", backup ? backup : "");
    if (backup)
      remove_in_root(rootfd, path, 0);
    remove_dirs(rootfd, json_object_get(json_array_get(files, i), "dirs"));
  }
  int fd = open_in_root(rootfd, RECORD, O_PATH | O_NOFOLLOW);
  if (fd >= 0)
    close(fd);
  else
    remove_dirs(rootfd, json_object_get(record, "stateDirs"));
}

/* What containerd reads now (k3s, rke2: will read once they render the
 * template), against what it read before the install. */
static int verify(const struct node_install_opts *opts, const struct node_containerd *c,
                  const struct node_plan *plan, int rootfd, shim_error *err) {
  _cleanup_free_ char *after = NULL;
  const char *config = plan->preview ? STATE "/preview.toml" : c->config;
  int ret = plan->preview && write_in_root(rootfd, config, plan->preview,
                                           strlen(plan->preview), 0600) < 0
                ? error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", config)
                : node_containerd_dump(opts->root, c, config, &after, err);
  if (plan->preview)
    remove_in_root(rootfd, config, 0);
  if (ret < 0) {
    char why[sizeof err->message];
    snprintf(why, sizeof why, "%s", err->message);
    return error_set(err, -ret, NULL, "after the install, %s", why);
  }
  char lost[1200], table[512], buf[PATH_MAX], changing[300];
  snprintf(changing, sizeof changing, "%s]\ndefault_runtime_name = ",
           node_cri_table(c->dump_version));
  if (node_dump_lost(c->dump, after, plan->make_default ? changing : NULL, lost, sizeof lost))
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "after the install containerd no longer reads a setting it read "
                     "before: %s", lost);
  snprintf(table, sizeof table, "%s.%s.options", node_runtimes_table(c->dump_version),
           plan->runtime_name);
  const char *binary = node_dump_get(after, table, "BinaryName", buf, sizeof buf);
  if (!binary || strcmp(binary, plan->binary_name) != 0)
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "containerd %s does not read the runtime class %s as written "
                     "(BinaryName %s)", c->version, plan->runtime_name,
                     binary ? binary : "missing");
  const char *def = node_dump_get(after, node_cri_table(c->dump_version),
                                  "default_runtime_name", buf, sizeof buf);
  if (plan->make_default && (!def || strcmp(def, plan->runtime_name) != 0))
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "containerd %s does not read %s as its default runtime class "
                     "(default_runtime_name %s)", c->version, plan->runtime_name,
                     def ? def : "missing");
  return 0;
}

int node_install_apply(const struct node_install_opts *opts, const struct node_containerd *c,
                       const struct node_plan *plan, shim_error *err) {
  _cleanup_close_ int rootfd = open_root(opts->root, err);
  if (rootfd < 0)
    return rootfd;
  _cleanup_json_ json_t *record = load_record(rootfd, err);
  if (!record)
    return -err->code;
  size_t done = 0, first_new = json_array_size(json_object_get(record, "files"));
  int ret = 0;
  for (; ret == 0 && done < plan->count; done++) {
    const struct node_change *ch = &plan->changes[done];
    if ((ret = record_change(rootfd, record, ch, err)) < 0)
      break;
    if (write_in_root(rootfd, ch->path, ch->after, ch->after_len, ch->mode) < 0) {
      ret = error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", ch->path);
      break;
    }
  }
  if (ret == 0 && plan->count) {
    time_t now = time(NULL);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *ctrd = json_pack("{s:s, s:s, s:s, s:i, s:s?, s:s?}", "binary", c->binary,
                             "version", c->version, "config", c->config, "configVersion",
                             c->config_version, "distro", c->distro, "unit",
                             c->unit[0] ? c->unit : NULL);
    if (!ctrd || json_object_set_new(record, "containerd", ctrd) < 0 ||
        json_object_set_new(record, "shim", json_string(PACKAGE_VERSION)) < 0 ||
        json_object_set_new(record, "runtimeName", json_string(plan->runtime_name)) < 0 ||
        json_object_set_new(record, "binaryName", json_string(plan->binary_name)) < 0 ||
        json_object_set_new(record, "form", json_string(plan->form)) < 0 ||
        json_object_set_new(record, "default", json_boolean(plan->make_default)) < 0 ||
        json_object_set_new(record, "installed", json_string(when)) < 0)
      ret = error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  if (ret == 0)
    ret = verify(opts, c, plan, rootfd, err);
  if (ret == 0 && plan->count)
    ret = save_record(rootfd, record, err);
  if (ret < 0) {
    put_back(rootfd, plan, done);
    forget(rootfd, record, first_new);
  }
  return ret;
}

/* ---- Taking it off again --------------------------------------------------- */

int node_state_write(const char *root, const char *name, const char *text,
                     shim_error *err) {
  char path[PATH_MAX];
  _cleanup_close_ int rootfd = open_root(root, err);
  snprintf(path, sizeof path, STATE "/%s", name);
  if (rootfd >= 0 && write_in_root(rootfd, path, text, strlen(text), 0644) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
  return rootfd < 0 ? rootfd : 0;
}

int node_state_read(const char *root, const char *name, char **text, shim_error *err) {
  char path[PATH_MAX];
  size_t len;
  _cleanup_close_ int rootfd = open_root(root, err);
  snprintf(path, sizeof path, STATE "/%s", name);
  if (rootfd >= 0 && read_in_root(rootfd, path, SHIM_MAX_DOCUMENT_BYTES, text, &len) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
  return rootfd < 0 ? rootfd : 0;
}

int node_status(const char *root, FILE *out, shim_error *err) {
  _cleanup_close_ int rootfd = open_root(root, err);
  _cleanup_free_ char *probe = NULL;
  size_t len;
  if (rootfd < 0)
    return rootfd;
  if (read_in_root(rootfd, RECORD, SHIM_MAX_DOCUMENT_BYTES, &probe, &len) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", RECORD);
  _cleanup_json_ json_t *r = load_record(rootfd, err);
  if (!r)
    return -err->code;
  json_t *c = json_object_get(r, "containerd");
#define S(o, k) (json_string_value(json_object_get((o), (k))) ?: "?")
  fprintf(out, "shim %s, installed %s\n", S(r, "shim"), S(r, "installed"));
  fprintf(out, "runtime class %s: BinaryName %s, %s of %s (config version %d)\n",
          S(r, "runtimeName"), S(r, "binaryName"), S(r, "form"), S(c, "config"),
          (int)json_integer_value(json_object_get(c, "configVersion")));
  const char *unit = json_string_value(json_object_get(c, "unit"));
  fprintf(out, "containerd %s (%s)%s%s%s\n", S(c, "version"), S(c, "binary"),
          unit ? ", started by " : "", unit ? unit : "",
          json_is_true(json_object_get(r, "default"))
              ? "; the default runtime class: pods that name none run through shimrun"
              : "");
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(r, "files"), i, f)
    fprintf(out, "  %s: %s (%s)\n", S(f, "path"), S(f, "why"),
            json_is_true(json_object_get(f, "existed")) ? "changed, kept its bytes before"
                                                         : "created");
  _cleanup_free_ char *text = NULL;
  shim_error e;
  _cleanup_json_ json_t *check =
      node_state_read(root, "check.json", &text, &e) == 0 ? json_loads(text, 0, NULL) : NULL;
  if (check)
    fprintf(out, "last node check: %s, %s%s%s\n", S(check, "time"),
            json_is_true(json_object_get(check, "ok")) ? "passed" : "failed",
            json_string_value(json_object_get(check, "cause")) ? ": " : "",
            json_string_value(json_object_get(check, "cause")) ?: "");
  else
    fprintf(out, "last node check: none\n");
#undef S
  return 0;
}

/* What uninstall does to one file. */
enum undo { UNDO_RESTORE, UNDO_TAKE_OUT, UNDO_REFUSE };

static enum undo undo_of(json_t *f, const char *now, size_t now_len, bool present) {
  char sha[65];
  const char *added = json_string_value(json_object_get(f, "added"));
  if (present)
    sha256_hex(now, now_len, sha);
  if (present && strcmp(sha, json_string_value(json_object_get(f, "sha256")) ?: "") == 0)
    return UNDO_RESTORE;
  if (!present && !json_is_true(json_object_get(f, "existed")))
    return UNDO_RESTORE; /* the install's own file, gone already: as before */
  if (present && added) {
    const char *at = strstr(now, added);
    if (at && !strstr(at + 1, added))
      return UNDO_TAKE_OUT;
  }
  return UNDO_REFUSE;
}

static int undo_file(int rootfd, json_t *f, enum undo how, const char *now, FILE *out,
                     shim_error *err) {
  const char *path = json_string_value(json_object_get(f, "path"));
  const char *backup = json_string_value(json_object_get(f, "backup"));
  mode_t mode = (mode_t)json_integer_value(json_object_get(f, "mode"));
  if (how == UNDO_TAKE_OUT) {
    const char *added = json_string_value(json_object_get(f, "added"));
    const char *at = strstr(now, added);
    _cleanup_free_ char *text = NULL;
    if (asprintf(&text, "%.*s%s", (int)(at - now), now, at + strlen(added)) < 0)
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    if (write_in_root(rootfd, path, text, strlen(text), mode) < 0)
      return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
    fprintf(out, "took out what the install added to %s (changed since)\n", path);
    return 0;
  }
  if (!backup) {
    if (remove_in_root(rootfd, path, 0) < 0)
      return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
    fprintf(out, "removed %s\n", path);
    return 0;
  }
  char bpath[PATH_MAX];
  _cleanup_free_ char *before = NULL;
  size_t len;
  snprintf(bpath, sizeof bpath, STATE "/%s", backup);
  if (read_in_root(rootfd, bpath, MAX_PROGRAM, &before, &len) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", bpath);
  if (write_in_root(rootfd, path, before, len, mode) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", path);
  fprintf(out, "restored %s as it was before the install\n", path);
  return 0;
}

/* shimrun's state on the node (its pool, pods, the delegate's version) goes
 * with shim, unless a container of shim still holds a range: then it
 * stays (in /run, it goes at the next boot anyway). */
static void release_pool(const char *root, int rootfd, FILE *out) {
  struct node_settings settings;
  node_settings_read(root, &settings);
  char state[PATH_MAX];
  path_in_root(root, settings.state_dir, state, sizeof state);
  struct node_pool pool = {.state_dir = state};
  size_t containers = 0, ranges = 0;
  shim_error e;
  if (node_pool_usage(&pool, NULL, &containers, &ranges, &e) < 0 || containers) {
    fprintf(out, "kept shimrun's state %s: %s\n", settings.state_dir,
             containers ? "containers of shim still hold user-namespace ranges" : e.message);
    return;
  }
  static const struct {
    const char *name;
    int flags;
  } parts[] = {{"userns/lock", 0}, {"userns", AT_REMOVEDIR}, {"pods", AT_REMOVEDIR},
               {"delegate", 0}, {"", AT_REMOVEDIR}};
  for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", settings.state_dir, *parts[i].name ? "/" : "",
             parts[i].name);
    remove_in_root(rootfd, path, parts[i].flags); /* not a directory that holds more */
  }
  fprintf(out, "released shimrun's state %s: no container of shim runs\n", settings.state_dir);
}

int node_uninstall(const char *root, bool force, FILE *out, shim_error *err) {
  _cleanup_close_ int rootfd = open_root(root, err);
  if (rootfd < 0)
    return rootfd;
  _cleanup_free_ char *probe = NULL;
  size_t plen;
  if (read_in_root(rootfd, RECORD, SHIM_MAX_DOCUMENT_BYTES, &probe, &plen) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL,
                     "%s: nothing to uninstall (no install record)", RECORD);
  _cleanup_json_ json_t *record = load_record(rootfd, err);
  if (!record)
    return -err->code;
  json_t *files = json_object_get(record, "files");
  size_t n = json_array_size(files);
  _cleanup_free_ char **now = calloc(n + 1, sizeof *now);
  _cleanup_free_ enum undo *how = calloc(n + 1, sizeof *how);
  if (!now || !how)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  /* Every file judged first: a refusal changes nothing. */
  int ret = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *f = json_array_get(files, i);
    const char *path = json_string_value(json_object_get(f, "path")) ?: "";
    size_t len = 0;
    bool present = read_in_root(rootfd, path, MAX_PROGRAM, &now[i], &len) == 0;
    how[i] = undo_of(f, now[i], len, present);
    if (how[i] == UNDO_REFUSE && !force && ret == 0)
      ret = error_set(err, SHIM_ERR_SCHEMA, NULL,
                      "%s changed since the install and what it added cannot be "
                      "taken out alone; nothing was changed (--force puts back the "
                      "file as it was before the install)", path);
    if (how[i] == UNDO_REFUSE && force)
      how[i] = UNDO_RESTORE;
  }
  for (size_t i = n; ret == 0 && i-- > 0;)
    ret = undo_file(rootfd, json_array_get(files, i), how[i], now[i], out, err);
  for (size_t i = 0; i < n; i++)
    free(now[i]);
  if (ret < 0)
    return ret;
  release_pool(root, rootfd, out);
  if (remove_in_root(rootfd, RECORD, 0) < 0 ||
      remove_in_root(rootfd, STATE "/check.json", 0) < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", STATE);
  forget(rootfd, record, 0);
  return 0;
}
