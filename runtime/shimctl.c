/* shimctl: the admin's tool.  main() only dispatches; each command lives in
 * its own file (cmd_*.c). */
#include "config.h"
#include "shimctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"check", cmd_check, "check [--policy FILE] [--format text|json] CONFIG.json|BUNDLE"},
    {"policy", cmd_policy, "policy show [--policy FILE]"},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: shimctl COMMAND [OPTIONS]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  shimctl %s\n", commands[i].summary);
  fprintf(out,
          "\n  shimctl --help | --version\n\n"
          "Exit status of check: 0 allowed (findings the hardening fixes are\n"
          "listed but do not fail), 1 rejected, 2 bad input or usage.\n");
}

int shimctl_fail(const char *what, const shim_error *err) {
  fprintf(stderr, "shimctl: %s%s%s%s%s\n", what ? what : "", what ? ": " : "",
          err->pointer, *err->pointer ? ": " : "", err->message);
  return EXIT_BAD_INPUT;
}

int shimctl_usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("shimctl: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nTry 'shimctl --help'.\n", stderr);
  va_end(ap);
  return EXIT_BAD_INPUT;
}

int shimctl_load_policy(const char *path, shim_policy **out) {
  shim_error err;
  int ret = path ? shim_policy_load_file(path, out, &err)
                 : shim_policy_load_default(out, &err);
  if (ret < 0)
    return shimctl_fail(path ? path : "embedded default policy", &err);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return shimctl_usage("no command given");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("shimctl %s (libshim %s)\n", PACKAGE_VERSION, shim_version());
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  return shimctl_usage("unknown command '%s'", argv[1]);
}
