/*
 * shimrun's command line, read without side effects (no output, no exit),
 * so that tests/fuzz/fuzz_cli.c can feed it anything.  runc's flags are Go
 * flags (urfave/cli): "-name" and "--name" alike, values as "--name=v" or
 * "--name v".
 */
#include "config.h"
#include "shimrun.h"

#include <string.h>

const char *shimrun_flag_value(int argc, char **argv, int *i, const char *name,
                               const char *alias) {
  const char *a = argv[*i];
  if (a[0] != '-')
    return NULL;
  a += a[1] == '-' ? 2 : 1;
  for (int k = 0; k < 2; k++) {
    const char *n = k ? alias : name;
    size_t len = n ? strlen(n) : 0;
    if (!n || strncmp(a, n, len) != 0)
      continue;
    if (a[len] == '=')
      return a + len + 1;
    if (a[len] == '\0' && *i + 1 < argc)
      return argv[++*i];
  }
  return NULL;
}

enum shimrun_globals shimrun_parse_globals(struct shimrun *s, int argc,
                                           char **argv, int *next) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *v;
    const char *a = argv[i];
    *next = i;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return SHIMRUN_HELP;
    if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0)
      return SHIMRUN_VERSION;
    if ((v = shimrun_flag_value(argc, argv, &i, "policy", NULL))) {
      s->policy = v;
    } else if ((v = shimrun_flag_value(argc, argv, &i, "delegate", NULL))) {
      s->delegate = v;
    } else if ((v = shimrun_flag_value(argc, argv, &i, "audit-log", NULL))) {
      s->audit_log = v;
    } else {
      /* runc's own: passed on as they came. */
      int first = i;
      static const char *const valued[] = {"root", "log", "log-format", "criu", "rootless"};
      static const char *const booleans[] = {"debug", "systemd-cgroup"};
      bool known = false;
      for (size_t k = 0; !known && k < sizeof valued / sizeof valued[0]; k++)
        if ((v = shimrun_flag_value(argc, argv, &i, valued[k], NULL))) {
          known = true;
          if (strcmp(valued[k], "root") == 0)
            s->root = v;
          else if (strcmp(valued[k], "log") == 0)
            s->log = v;
          else if (strcmp(valued[k], "log-format") == 0)
            s->log_json = strcmp(v, "json") == 0;
        }
      const char *name = a + (a[1] == '-' ? 2 : 1);
      for (size_t k = 0; !known && k < sizeof booleans / sizeof booleans[0]; k++) {
        size_t n = strlen(booleans[k]);
        known = strncmp(name, booleans[k], n) == 0 && (name[n] == '\0' || name[n] == '=');
      }
      if (!known)
        return SHIMRUN_UNKNOWN_FLAG;
      for (int k = first; k <= i; k++)
        shimrun_push(s, argv[k]);
    }
  }
  *next = i;
  return i < argc ? SHIMRUN_COMMAND : SHIMRUN_NO_COMMAND;
}

void shimrun_scan_create(int argc, char **argv, const char **bundle,
                         const char **id) {
  *bundle = ".";
  *id = NULL;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if ((v = shimrun_flag_value(argc, argv, &i, "bundle", "b"))) {
      *bundle = v;
    } else if (argv[i][0] == '-') {
      /* The other flags with a value; the rest are booleans. */
      static const char *const valued[] = {"console-socket", "pid-file", "preserve-fds"};
      for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (shimrun_flag_value(argc, argv, &i, valued[k], NULL))
          break;
    } else if (!*id) {
      *id = argv[i];
    }
  }
}
