/*
 * shimrun's command line, read without side effects (no output, no exit),
 * so that tests/fuzz/fuzz_cli.c can feed it anything.  runc's flags are Go
 * flags (urfave/cli): "-name" and "--name" alike, values as "--name=v" or
 * "--name v".
 *
 * The pass-through path (shimrun_fast.c) runs this before the C library
 * is set up: no library call, no stack protector (BARE).
 */
#include "config.h"
#include "shimrun.h"

/* The commands shimrun hands to the delegate unchanged, one after the
 * other, each ended by a NUL (a string, not an array of pointers: no
 * relocation to apply before the C library starts). */
static const char pass_through[] =
    "start\0state\0kill\0ps\0pause\0resume\0events\0features\0spec\0list\0";

BARE static size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

BARE static bool str_eq(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

/* Whether s begins with the n bytes of prefix. */
BARE static bool has_prefix(const char *s, const char *prefix, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != prefix[i])
      return false;
  return true;
}

/* Appends s to buf (used bytes of size, kept NUL-terminated); false when
 * it does not fit. */
BARE static bool append(char *buf, size_t size, size_t *used, const char *s) {
  for (; *s; s++) {
    if (*used + 1 >= size)
      return false;
    buf[(*used)++] = *s;
  }
  buf[*used] = '\0';
  return true;
}

BARE const char *shimrun_config_path(const char *argv0, const char *env, char *buf,
                                             size_t size, bool *required) {
  const char *base = argv0;
  for (const char *c = argv0; *c; c++)
    if (*c == '/')
      base = c + 1;
  *required = true;
  if (env)
    return env;
  /* Run as shimrun-NAME (the runc shim passes BinaryName no flags). */
  size_t used = 0;
  if (has_prefix(base, "shimrun-", 8) && base[8])
    return append(buf, size, &used, SHIMRUN_CONFIG_DIR "/") && append(buf, size, &used, base) &&
                   append(buf, size, &used, ".json")
               ? buf
               : NULL;
  *required = false;
  return SHIMRUN_DEFAULT_CONFIG;
}

BARE void shimrun_push(struct shimrun *s, const char *arg) {
  /* argv is sized for every argument at start-up (main): no reallocation. */
  s->argv[s->argc++] = (char *)arg;
  s->argv[s->argc] = NULL;
}

BARE bool shimrun_passes_through(const char *command) {
  for (const char *c = pass_through; *c; c += str_len(c) + 1)
    if (str_eq(c, command))
      return true;
  return false;
}

BARE const char *shimrun_flag_value(int argc, char **argv, int *i,
                                            const char *name, const char *alias) {
  const char *a = argv[*i];
  if (a[0] != '-')
    return NULL;
  a += a[1] == '-' ? 2 : 1;
  for (int k = 0; k < 2; k++) {
    const char *n = k ? alias : name;
    size_t len = n ? str_len(n) : 0;
    if (!n || !has_prefix(a, n, len))
      continue;
    if (a[len] == '=')
      return a + len + 1;
    if (a[len] == '\0' && *i + 1 < argc)
      return argv[++*i];
  }
  return NULL;
}

/* runc's global flags: those with a value, then the booleans. */
static const char runc_valued[] = "root\0log\0log-format\0criu\0rootless\0";
static const char runc_booleans[] = "debug\0systemd-cgroup\0";

BARE enum shimrun_globals shimrun_parse_globals(struct shimrun *s, int argc,
                                                        char **argv, int *next) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *v;
    const char *a = argv[i];
    *next = i;
    if (str_eq(a, "--help") || str_eq(a, "-h"))
      return SHIMRUN_HELP;
    if (str_eq(a, "--version") || str_eq(a, "-v"))
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
      bool known = false;
      for (const char *f = runc_valued; !known && *f; f += str_len(f) + 1)
        if ((v = shimrun_flag_value(argc, argv, &i, f, NULL))) {
          known = true;
          if (str_eq(f, "root"))
            s->root = v;
          else if (str_eq(f, "log"))
            s->log = v;
          else if (str_eq(f, "log-format"))
            s->log_json = str_eq(v, "json");
        }
      const char *name = a + (a[1] == '-' ? 2 : 1);
      for (const char *f = runc_booleans; !known && *f; f += str_len(f) + 1) {
        size_t n = str_len(f);
        known = has_prefix(name, f, n) && (name[n] == '\0' || name[n] == '=');
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
