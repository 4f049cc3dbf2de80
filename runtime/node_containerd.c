/* A node's containerd: found, asked, and its merged config read. */
#include "config.h"
#include "node_containerd.h"

#include "files.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/containerd/config.toml"
#define MAX_OUTPUT (4u * 1024 * 1024)

/* Where service managers keep units: the admin's, a tarball's (rke2's
 * installer), the distribution's. */
static const char *const unit_dirs[] = {
    "/etc/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
    "/lib/systemd/system",
};
/* Where packages and release tarballs put containerd. */
static const char *const binaries[] = {
    "/usr/local/bin/containerd", "/usr/bin/containerd",
    "/usr/local/sbin/containerd", "/usr/sbin/containerd",
};
/* Kubernetes distributions that run a containerd of their own, with the
 * config they render for it and the socket they give it (both fixed
 * unless their data directory is moved). */
static const struct distro {
  const char *name, *units[2], *binary, *config;
} distros[] = {
    {"k3s", {"k3s.service", "k3s-agent.service"},
     "/var/lib/rancher/k3s/data/current/bin/containerd",
     "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"},
    {"rke2", {"rke2-server.service", "rke2-agent.service"},
     "/var/lib/rancher/rke2/bin/containerd",
     "/var/lib/rancher/rke2/agent/etc/containerd/config.toml"},
};
#define DISTRO_ADDRESS "/run/k3s/containerd/containerd.sock"

/* ExecStart= of a unit: the binary, and --config/-c when it names one. */
static void from_unit(const char *text, char *binary, size_t bsize, char *config,
                      size_t csize) {
  const char *line = strstr(text, "\nExecStart=");
  if (!line)
    return;
  line += strlen("\nExecStart=");
  while (*line && strchr("-@!+:", *line)) /* systemd's prefixes */
    line++;
  char words[4][256] = {{0}};
  int n = sscanf(line, "%255s %255s %255s %255s", words[0], words[1], words[2], words[3]);
  if (n >= 1 && words[0][0] == '/')
    snprintf(binary, bsize, "%s", words[0]);
  for (int i = 1; i + 1 < n; i++)
    if (strcmp(words[i], "--config") == 0 || strcmp(words[i], "-c") == 0)
      snprintf(config, csize, "%s", words[i + 1]);
}

/* Reads one pipe into a growing buffer; false at its end. */
static bool drain(int fd, char **buf, size_t *len, size_t *cap) {
  if (*len + 4096 + 1 > *cap) {
    size_t cap2 = *cap ? *cap * 2 : 16384;
    char *bigger = cap2 <= MAX_OUTPUT ? realloc(*buf, cap2) : NULL;
    if (!bigger)
      return false;
    *buf = bigger;
    *cap = cap2;
  }
  ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
  if (n < 0 && errno == EINTR)
    return true;
  if (n <= 0)
    return false;
  *len += (size_t)n;
  (*buf)[*len] = '\0';
  return true;
}

/* Runs argv (argv[0] a path on the node) with root as its root directory,
 * its output in *out and what it said on stderr in *said (both malloc'ed).
 * Returns its exit status, or -SHIM_ERR_* when it could not be run. */
static int run_in_root(const char *root, char *const argv[], char **out, char **said,
                       shim_error *err) {
  int po[2], pe[2];
  if (pipe2(po, O_CLOEXEC) < 0)
    return error_sys(err, SHIM_ERR_HOST, errno, NULL, "pipe");
  if (pipe2(pe, O_CLOEXEC) < 0) {
    close(po[0]);
    close(po[1]);
    return error_sys(err, SHIM_ERR_HOST, errno, NULL, "pipe");
  }
  pid_t pid = fork();
  if (pid == 0) {
    static char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                NULL};
    if (dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0 || chroot(root) < 0 || chdir("/") < 0)
      _exit(126);
    execve(argv[0], argv, env);
    dprintf(2, "%s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int saved = errno;
  close(po[1]);
  close(pe[1]);
  size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
  *out = *said = NULL;
  struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
  while (pid > 0 && (fds[0].fd >= 0 || fds[1].fd >= 0)) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR)
      break;
    if (fds[0].revents && !drain(po[0], out, &olen, &ocap))
      fds[0].fd = -1;
    if (fds[1].revents && !drain(pe[0], said, &elen, &ecap))
      fds[1].fd = -1;
  }
  close(po[0]);
  close(pe[0]);
  int status = 0;
  if (pid < 0)
    return error_sys(err, SHIM_ERR_HOST, saved, NULL, "fork");
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!*out && !(*out = strdup("")))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  if (!*said && !(*said = strdup("")))
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last line of what a program said, for an error message. */
static const char *last_line(char *said) {
  size_t n = strlen(said);
  while (n && said[n - 1] == '\n')
    said[--n] = '\0';
  const char *nl = strrchr(said, '\n');
  return nl ? nl + 1 : said;
}

int node_containerd_dump(const char *root, const struct node_containerd *c,
                         const char *config, char **out, shim_error *err) {
  char *argv[] = {(char *)c->binary, "--config", (char *)config, "config", "dump", NULL};
  /* Without a file containerd runs on its defaults, which 1.x's `config
   * dump` will not show (it insists on reading the file): `config
   * default` then. */
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = rootfd < 0 ? -1 : open_in_root(rootfd, config, O_PATH);
  if (fd >= 0)
    close(fd);
  else if (c->major < 2) {
    argv[1] = "config";
    argv[2] = "default";
    argv[3] = NULL;
  }
  _cleanup_free_ char *said = NULL;
  int status = run_in_root(root, argv, out, &said, err);
  if (status > 0) {
    free(*out);
    *out = NULL;
    return error_set(err, SHIM_ERR_SYNTAX, NULL, "%s refuses %s: %s", c->binary, config,
                     last_line(said));
  }
  return status;
}

const char *node_toml_top_level(const char *text, const char *key) {
  size_t n = strlen(key);
  for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
    const char *p = l + strspn(l, " \t");
    if (*p == '[')
      return NULL;
    if (strncmp(p, key, n) == 0 && strchr(" \t=", p[n]))
      return l;
  }
  return NULL;
}

/* The config file's `version = N`, and the directory of the first `*.toml`
 * glob of its `imports = [...]` line. */
static void read_top_level(const char *text, struct node_containerd *c) {
  const char *version = node_toml_top_level(text, "version");
  if (version)
    sscanf(version + strspn(version, " \t"), "version = %d", &c->config_version);
  const char *line = node_toml_top_level(text, "imports");
  const char *end = line ? strchr(line, ']') : NULL;
  for (const char *q = line ? strchr(line, '"') : NULL; q && (!end || q < end);) {
    const char *close = strchr(q + 1, '"');
    if (!close)
      break;
    size_t n = (size_t)(close - q - 1);
    if (!c->dropin_dir[0] && n > 7 && n < sizeof c->dropin_dir &&
        memcmp(close - 7, "/*.toml", 7) == 0 && q[1] == '/')
      snprintf(c->dropin_dir, sizeof c->dropin_dir, "%.*s", (int)(n - 7), q + 1);
    q = strchr(close + 1, '"');
  }
}

/* A unit file of the node, by name, read from the first unit directory
 * that has it; NULL when none does. */
static char *read_unit(int rootfd, const char *name) {
  char path[PATH_MAX];
  for (size_t i = 0; i < ARRAY_SIZE(unit_dirs); i++) {
    char *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", unit_dirs[i], name);
    if (read_in_root(rootfd, path, SHIM_MAX_DOCUMENT_BYTES, &text, &len) == 0)
      return text;
  }
  return NULL;
}

/* The distribution whose unit is on the node (when config is given: only
 * the one whose rendered config it is); NULL: containerd runs on its own. */
static const struct distro *find_distro(int rootfd, const char *config,
                                        struct node_containerd *c) {
  for (size_t d = 0; d < ARRAY_SIZE(distros); d++) {
    if (config && strcmp(config, distros[d].config) != 0)
      continue;
    for (size_t u = 0; u < ARRAY_SIZE(distros[d].units); u++) {
      _cleanup_free_ char *text = read_unit(rootfd, distros[d].units[u]);
      if (text) {
        snprintf(c->unit, sizeof c->unit, "%s", distros[d].units[u]);
        return &distros[d];
      }
    }
    if (config)
      return &distros[d];
  }
  return NULL;
}

/* Which containerd the node runs, from which config file: a
 * distribution's, else the one containerd's unit starts (its ExecStart,
 * with --config), else the usual paths. */
static int find_binary(int rootfd, const char *root, const char *config,
                       struct node_containerd *c, shim_error *err) {
  const struct distro *d = find_distro(rootfd, config, c);
  if (d) {
    c->distro = d->name;
    snprintf(c->binary, sizeof c->binary, "%s", d->binary);
    snprintf(c->config, sizeof c->config, "%s", d->config);
    snprintf(c->address, sizeof c->address, DISTRO_ADDRESS);
    if (!executable_in_root(rootfd, c->binary))
      return error_set(err, SHIM_ERR_IO, NULL, "%s%s%s runs no containerd at %s in %s",
                       d->name, c->unit[0] ? " (" : "", c->unit, c->binary, root);
    return 0;
  }
  char unit_config[256] = "";
  _cleanup_free_ char *unit = read_unit(rootfd, "containerd.service");
  if (unit) {
    snprintf(c->unit, sizeof c->unit, "containerd.service");
    from_unit(unit, c->binary, sizeof c->binary, unit_config, sizeof unit_config);
  }
  if (c->binary[0] && !executable_in_root(rootfd, c->binary))
    c->binary[0] = '\0';
  for (size_t i = 0; i < ARRAY_SIZE(binaries) && !c->binary[0]; i++)
    if (executable_in_root(rootfd, binaries[i]))
      snprintf(c->binary, sizeof c->binary, "%s", binaries[i]);
  if (!c->binary[0])
    return error_set(err, SHIM_ERR_IO, NULL,
                     "no containerd in %s (looked for k3s and rke2, containerd's "
                     "systemd unit, /usr/local/bin, /usr/bin, /usr/local/sbin, "
                     "/usr/sbin)", root);
  snprintf(c->config, sizeof c->config, "%s",
           config ? config : unit_config[0] ? unit_config : DEFAULT_CONFIG);
  return 0;
}

int node_containerd_find(const char *root, const char *config,
                         struct node_containerd *c, shim_error *err) {
  *c = (struct node_containerd){0};
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "host root %s", root);
  int status = find_binary(rootfd, root, config, c, err);
  if (status < 0)
    return status;

  _cleanup_free_ char *out = NULL, *said = NULL;
  char *version_argv[] = {c->binary, "--version", NULL};
  status = run_in_root(root, version_argv, &out, &said, err);
  if (status < 0)
    return status;
  char name[64], repo[128];
  if (status != 0 || sscanf(out, "%63s %127s %63s", name, repo, c->version) != 3 ||
      sscanf(c->version + (c->version[0] == 'v'), "%d.%d", &c->major, &c->minor) != 2)
    return error_set(err, SHIM_ERR_HOST, NULL, "%s --version: cannot tell its version (%s)",
                     c->binary, status ? last_line(said) : last_line(out));

  size_t len;
  if (read_in_root(rootfd, c->config, SHIM_MAX_DOCUMENT_BYTES, &c->text, &len) == 0) {
    read_top_level(c->text, c);
  } else if (errno != ENOENT) {
    return error_sys(err, SHIM_ERR_IO, errno, NULL, "%s", c->config);
  } else if (c->distro) {
    return error_set(err, SHIM_ERR_IO, NULL,
                     "%s: no such file: %s writes it when it starts; start %s once, "
                     "then install", c->config, c->distro, c->distro);
  } else if (config && strcmp(config, DEFAULT_CONFIG) != 0) {
    return error_set(err, SHIM_ERR_IO, NULL, "%s: no such file", c->config);
  }
  if (c->text && c->config_version != 2 && c->config_version != 3)
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "%s: config version %d: shim installs into versions 2 "
                     "(containerd 1.x) and 3 (2.x) only", c->config, c->config_version);
  if ((status = node_containerd_dump(root, c, c->config, &c->dump, err)) < 0)
    return status;
  if (!c->address[0] &&
      !node_dump_get(c->dump, "grpc", "address", c->address, sizeof c->address))
    snprintf(c->address, sizeof c->address, "/run/containerd/containerd.sock");
  char buf[32];
  c->dump_version = atoi(node_dump_get(c->dump, "", "version", buf, sizeof buf) ?: "0");
  if (c->dump_version != 2 && c->dump_version != 3)
    return error_set(err, SHIM_ERR_SCHEMA, NULL,
                     "containerd %s dumps config version %d: not one shim knows",
                     c->version, c->dump_version);
  char table[256];
  snprintf(table, sizeof table, "%s.runc.options", node_runtimes_table(c->dump_version));
  const char *systemd = node_dump_get(c->dump, table, "SystemdCgroup", buf, sizeof buf);
  c->systemd_cgroup = systemd && strcmp(systemd, "true") == 0;
  return 0;
}

void node_containerd_clear(struct node_containerd *c) {
  free(c->text);
  free(c->dump);
  *c = (struct node_containerd){0};
}

/* ---- Reading a dump ---------------------------------------------------------- */

const char *node_cri_table(int version) {
  return version == 3 ? "plugins.\"io.containerd.cri.v1.runtime\".containerd"
                      : "plugins.\"io.containerd.grpc.v1.cri\".containerd";
}

const char *node_runtimes_table(int version) {
  return version == 3 ? "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes"
                      : "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";
}

/* One line of a dump, trimmed, with single quotes made double (containerd
 * 2.x writes 'x', 1.x "x"): the forms then compare as text. */
struct dump_line {
  const char *next;
  char text[1024];
  bool header;
};

static bool dump_next(struct dump_line *l) {
  const char *p = l->next;
  if (!p || !*p)
    return false;
  while (*p == ' ' || *p == '\t')
    p++;
  const char *end = strchr(p, '\n');
  size_t n = end ? (size_t)(end - p) : strlen(p);
  l->next = end ? end + 1 : NULL;
  if (n >= sizeof l->text)
    n = sizeof l->text - 1;
  for (size_t i = 0; i < n; i++)
    l->text[i] = p[i] == '\'' ? '"' : p[i];
  while (n && (l->text[n - 1] == ' ' || l->text[n - 1] == '\r'))
    n--;
  l->text[n] = '\0';
  l->header = l->text[0] == '[';
  return true;
}

const char *node_dump_get(const char *dump, const char *table, const char *key,
                          char *buf, size_t size) {
  struct dump_line l = {.next = dump};
  char current[1024] = "";
  size_t klen = strlen(key);
  while (dump_next(&l)) {
    if (l.header) {
      snprintf(current, sizeof current, "%.*s", (int)strlen(l.text) - 2, l.text + 1);
      continue;
    }
    if (strcmp(current, table) != 0 || strncmp(l.text, key, klen) != 0 ||
        strncmp(l.text + klen, " = ", 3) != 0)
      continue;
    const char *v = l.text + klen + 3;
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
      v++;
      n -= 2;
    }
    snprintf(buf, size, "%.*s", (int)n, v);
    return buf;
  }
  return NULL;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "table\nline" of a dump, sorted; NULL when out of memory. */
static char **dump_settings(const char *dump, size_t *count) {
  size_t n = 0, cap = 256;
  char **all = malloc(cap * sizeof *all);
  struct dump_line l = {.next = dump};
  char current[1024] = "";
  while (all && dump_next(&l)) {
    if (l.header) {
      snprintf(current, sizeof current, "%s", l.text);
      continue;
    }
    if (!l.text[0] || l.text[0] == '#' ||
        (!current[0] && strncmp(l.text, "imports = ", 10) == 0))
      continue;
    char **bigger = n == cap ? realloc(all, (cap *= 2) * sizeof *all) : all;
    char *entry = NULL;
    if (!bigger || asprintf(&entry, "%s\n%s", current, l.text) < 0) {
      for (size_t i = 0; i < n; i++)
        free((bigger ? bigger : all)[i]);
      free(bigger ? bigger : all);
      return NULL;
    }
    all = bigger;
    all[n++] = entry;
  }
  if (all)
    qsort(all, n, sizeof *all, cmp_str);
  *count = n;
  return all;
}

static void free_settings(char **all, size_t n) {
  for (size_t i = 0; all && i < n; i++)
    free(all[i]);
  free(all);
}

bool node_dump_lost(const char *before, const char *after, const char *changing,
                    char *lost, size_t size) {
  size_t nb = 0, na = 0;
  char **b = dump_settings(before, &nb), **a = dump_settings(after, &na);
  bool gone = !a || !b;
  snprintf(lost, size, "%s", gone ? "out of memory" : "");
  for (size_t i = 0; !gone && i < nb; i++)
    if (!(changing && strncmp(b[i] + 1, changing, strlen(changing)) == 0) &&
        !bsearch(&b[i], a, na, sizeof *a, cmp_str)) {
      gone = true;
      char *nl = strchr(b[i], '\n');
      snprintf(lost, size, "%.*s %s", (int)(nl - b[i]), b[i], nl + 1);
    }
  free_settings(a, na);
  free_settings(b, nb);
  return gone;
}

int node_dump_tables(const char *dump, const char *prefix,
                     bool (*skip)(const char *table, const void *arg), const void *arg,
                     char **out, size_t *len) {
  struct dump_line l = {.next = dump};
  size_t plen = strlen(prefix);
  bool copying = false;
  while (dump_next(&l)) {
    if (l.header) {
      const char *table = l.text + 1;
      copying = strncmp(table, prefix, plen) == 0 && table[plen] == '.' &&
                !skip(table, arg);
    }
    if (!copying || !l.text[0])
      continue;
    size_t n = strlen(l.text);
    char *bigger = realloc(*out, *len + n + 2);
    if (!bigger)
      return -ENOMEM;
    *out = bigger;
    memcpy(*out + *len, l.text, n);
    *len += n;
    (*out)[(*len)++] = '\n';
    (*out)[*len] = '\0';
  }
  return 0;
}
