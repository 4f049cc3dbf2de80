/*
 * shimrun: main only reads the global flags, the environment and the config
 * file, then dispatches on the command.  create/run, exec and update are
 * judged (shimrun_create.c, shimrun_exec.c, shimrun_update.c); checkpoint
 * and restore are refused; every other runc command goes to the delegate
 * unchanged.
 *
 * Settings, strongest first: flags (--policy, --delegate, --audit-log),
 * environment (SHIMRUN_POLICY, SHIMRUN_DELEGATE, SHIMRUN_AUDIT_LOG,
 * SHIMRUN_STATE_DIR), the config file (SHIMRUN_CONFIG, default
 * /etc/shim/shimrun.json, or /etc/shim/shimrun-NAME.json when run as
 * shimrun-NAME), defaults (embedded policy, runc from PATH,
 * /var/log/shimrun/audit.log, /run/shimrun).
 */
#include "config.h"
#include "shimrun.h"
#include "node_netblock.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_AUDIT_LOG "/var/log/shimrun/audit.log"
#define DEFAULT_STATE_DIR "/run/shimrun"

/* ---- Settings --------------------------------------------------------------- */

/* What the config file and the environment can set, one row each. */
static const struct setting {
  const char *key; /* in the config file */
  const char *env; /* in the environment, which wins over the file */
  size_t offset;   /* of the string in struct shimrun */
} settings[] = {
    {"policy", "SHIMRUN_POLICY", offsetof(struct shimrun, policy)},
    {"delegate", "SHIMRUN_DELEGATE", offsetof(struct shimrun, delegate)},
    {"auditLog", "SHIMRUN_AUDIT_LOG", offsetof(struct shimrun, audit_log)},
    {"stateDir", "SHIMRUN_STATE_DIR", offsetof(struct shimrun, state_dir)},
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static const char **setting_field(struct shimrun *s, const struct setting *st) {
  return (const char **)((char *)s + st->offset);
}

/* The config file: {"policy": ..., "delegate": ..., "auditLog": ...}.  An
 * unknown key is an error: a misspelt "policy" must not silently leave the
 * embedded default in charge. */
static int load_config(struct shimrun *s, const char *argv0, json_t **keep) {
  /* Run as shimrun-NAME (a link, one per runtime class), shimrun reads
   * /etc/shim/shimrun-NAME.json, and must find it. */
  char named[PATH_MAX];
  bool required;
  const char *path = shimrun_config_path(argv0, getenv("SHIMRUN_CONFIG"), named,
                                         sizeof named, &required);
  if (!path)
    return shimrun_fail(s, "shimrun: %s: too long a name for a config file", argv0);
  if (!required && access(path, F_OK) != 0)
    return 0;
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc || !json_is_object(doc)) {
    json_decref(doc);
    return shimrun_fail(s, "shimrun: config %s: %s", path,
                        doc ? "expected an object" : jerr.text);
  }
  *keep = doc;
  const char *key;
  json_t *v;
  json_object_foreach(doc, key, v) {
    const struct setting *st = settings;
    while (st < settings + N_SETTINGS && strcmp(st->key, key) != 0)
      st++;
    if (st == settings + N_SETTINGS || !json_is_string(v))
      return shimrun_fail(s, "shimrun: config %s: /%s: %s", path, key,
                          st == settings + N_SETTINGS ? "unknown setting"
                                                      : "expected a string");
    *setting_field(s, st) = json_string_value(v);
  }
  return 0;
}

/* The delegate as an absolute path, never shimrun itself (installed as
 * "runc", shimrun would otherwise run itself for ever). */
static int resolve_delegate(struct shimrun *s, char *buf, size_t size) {
  const char *name = s->delegate;
  if (!strchr(name, '/')) {
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    buf[0] = '\0';
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
      char cand[PATH_MAX], real[PATH_MAX], self[PATH_MAX];
      snprintf(cand, sizeof cand, "%s/%s", d, name);
      if (access(cand, X_OK) != 0 || !realpath(cand, real))
        continue;
      if (realpath("/proc/self/exe", self) && strcmp(real, self) == 0)
        continue;
      snprintf(buf, size, "%s", cand);
      break;
    }
    if (!buf[0])
      return shimrun_fail(s, "shimrun: delegate runtime \"%s\" not found in PATH", name);
  } else {
    snprintf(buf, size, "%s", name);
    if (access(buf, X_OK) != 0)
      return shimrun_fail(s, "shimrun: delegate runtime %s: %s", buf, strerror(errno));
  }
  s->delegate = buf;
  return 0;
}

/* ---- Commands --------------------------------------------------------------- */

static int pass_through(struct shimrun *s, int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    shimrun_push(s, argv[i]);
  return shimrun_exec_delegate(s);
}

static int refuse(struct shimrun *s, int argc, char **argv) {
  (void)argc;
  return shimrun_fail(s, "shimrun: %s is refused: a checkpoint restored "
                         "elsewhere would run without the checks", argv[0]);
}

/* `shimrun hook network CIDR...`: the createRuntime hook hardening adds.
 * runc runs it on the host after creating the container's namespaces and
 * before the container's process starts, with the container's state (its
 * pid) on stdin; a failure fails the create. */
static int hook(struct shimrun *s, int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "network") != 0)
    return shimrun_fail(s, "shimrun: hook: unknown hook");
  json_error_t jerr;
  json_t *state = json_loadf(stdin, 0, &jerr);
  json_int_t pid = json_integer_value(json_object_get(state, "pid"));
  json_decref(state);
  if (pid <= 0)
    return shimrun_fail(s, "shimrun: hook network: no container pid in the state on stdin");
  char path[64];
  snprintf(path, sizeof path, "/proc/%lld/ns/net", (long long)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
    return shimrun_fail(s, "shimrun: hook network: cannot enter %s: %s", path,
                        strerror(errno));
  close(fd);
  shim_error err;
  if (node_net_block((const char *const *)argv + 2, (size_t)argc - 2, &err) < 0)
    return shimrun_fail(s, "shimrun: hook network: %s", err.message);
  return 0;
}

/* The commands shimrun acts on; those that pass through are listed in
 * shimrun_args.c (shimrun_passes_through). */
static const struct {
  const char *name;
  shimrun_command run;
} commands[] = {
    {"create", shimrun_create}, {"run", shimrun_create},
    {"exec", shimrun_exec},     {"update", shimrun_update},
    {"checkpoint", refuse},     {"restore", refuse},
    {"delete", shimrun_delete},
};

static void usage(void) {
  printf("Usage: shimrun [runc global flags] [--policy FILE] [--delegate PATH]\n"
         "               [--audit-log FILE] COMMAND [ARGS...]\n\n"
         "A runc-compatible runtime: create and run check and harden the\n"
         "bundle's config.json with libshim before the delegate (runc) runs\n"
         "it; exec processes get the container's restrictions; update is\n"
         "judged against the policy as create is; checkpoint\n"
         "and restore are refused; other commands go to the delegate.\n\n"
         "Environment: SHIMRUN_POLICY, SHIMRUN_DELEGATE, SHIMRUN_AUDIT_LOG,\n"
         "SHIMRUN_STATE_DIR, SHIMRUN_CONFIG (default " SHIMRUN_DEFAULT_CONFIG ",\n"
         "or " SHIMRUN_CONFIG_DIR "/shimrun-NAME.json when run as shimrun-NAME).\n");
}

/* Settings, global flags, dispatch (on most paths the delegate execs in
 * our place); main releases what it leaves in s->argv and *config. */
static int run(struct shimrun *s, int argc, char **argv, json_t **config) {
  /* The delegate's argv never has more entries than ours, plus room for
   * what commands add (one each at most) and the final NULL. */
  s->argv = calloc((size_t)argc + 8, sizeof *s->argv);
  if (!s->argv)
    return 1;
  shimrun_push(s, "runc"); /* argv[0], replaced once the delegate is known */
  if (load_config(s, argv[0], config) != 0)
    return 1;
  for (const struct setting *st = settings; st < settings + N_SETTINGS; st++)
    if (getenv(st->env))
      *setting_field(s, st) = getenv(st->env);

  /* Global flags: runc's are passed on, shimrun's own are not. */
  int i = 1;
  switch (shimrun_parse_globals(s, argc, argv, &i)) {
  case SHIMRUN_HELP:
    usage();
    return 0;
  case SHIMRUN_VERSION:
    printf("shimrun %s (libshim %s)\n", PACKAGE_VERSION, shim_version());
    fflush(stdout);
    s->argc = 1; /* the delegate's version follows */
    shimrun_push(s, "--version");
    break;
  case SHIMRUN_UNKNOWN_FLAG:
    return shimrun_fail(s, "shimrun: unknown global flag %s", argv[i]);
  case SHIMRUN_COMMAND:
  case SHIMRUN_NO_COMMAND:
    break;
  }
  char delegate[PATH_MAX];
  if (resolve_delegate(s, delegate, sizeof delegate) != 0)
    return 1;
  s->argv[0] = (char *)s->delegate;
  if (s->argc == 2 && strcmp(s->argv[1], "--version") == 0)
    return shimrun_exec_delegate(s);
  if (i >= argc) {
    usage();
    return shimrun_fail(s, "shimrun: no command given");
  }
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
    if (strcmp(argv[i], commands[k].name) == 0)
      return commands[k].run(s, argc - i, argv + i);
  if (shimrun_passes_through(argv[i]))
    return pass_through(s, argc - i, argv + i);
  return shimrun_fail(s, "shimrun: unknown command \"%s\"", argv[i]);
}

int main(int argc, char **argv) {
  struct shimrun s = {.delegate = "runc", .audit_log = DEFAULT_AUDIT_LOG,
                      .state_dir = DEFAULT_STATE_DIR};
  /* The hook needs no delegate and no settings: it runs in every create,
   * with the environment runc gives hooks (none). */
  if (argc > 1 && strcmp(argv[1], "hook") == 0)
    return hook(&s, argc - 1, argv + 1);
  json_t *config = NULL;
  int rc = run(&s, argc, argv, &config);
  json_decref(config);
  free(s.argv);
  return rc;
}
