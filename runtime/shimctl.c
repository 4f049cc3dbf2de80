/* shimctl: the admin's tool.  main() only dispatches; each command lives in
 * its own file (cmd_*.c), what they share in shimctl_common.c. */
#include "config.h"
#include "shimctl.h"

#include <stdio.h>
#include <string.h>

static const struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} commands[] = {
    {"check", cmd_check, "check [--policy FILE] [--format text|json] CONFIG.json|BUNDLE"},
    {"harden", cmd_harden,
     "harden [--policy FILE] [--format text|json] [--diff] [-o OUT] CONFIG.json|BUNDLE"},
    {"seccomp", cmd_seccomp,
     "seccomp compile|dump|explain [--policy FILE] PROFILE|sandbox ..."},
    {"policy", cmd_policy, "policy show [--policy FILE]"},
    {"node", cmd_node,
     "node install|uninstall|status|check [--host-root DIR] [--runtime-name NAME] ..."},
    {"metrics", cmd_metrics, "metrics [--host-root DIR] [--audit-log FILE] [--textfile DIR]"},
    {"pool", cmd_pool, "pool [--host-root DIR] [--state-dir DIR] [--json] [--reclaim]"},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: shimctl COMMAND [OPTIONS]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  shimctl %s\n", commands[i].summary);
  fprintf(out,
          "\n  shimctl --help | --version\n\n"
          "Exit status of check and harden: 0 allowed (findings the hardening\n"
          "fixes are listed but do not fail), 1 rejected, 2 bad input or usage.\n"
          "Each command has --help.\n");
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
