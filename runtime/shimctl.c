/* shimctl: the admin's tool.  main() only dispatches; each command lives in
 * its own file (cmd_*.c). */
#include "config.h"
#include "shimctl.h"
#include "node_facts.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
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

int shimctl_format(const char *arg, shim_format *out) {
  if (strcmp(arg, "text") == 0)
    *out = SHIM_FORMAT_TEXT;
  else if (strcmp(arg, "json") == 0)
    *out = SHIM_FORMAT_JSON;
  else
    return shimctl_usage("--format must be text or json");
  return 0;
}

int shimctl_load_policy(const char *path, shim_policy **out) {
  shim_error err;
  *out = NULL;
  int ret = path ? shim_policy_load_file(path, out, &err)
                 : shim_policy_load_default(out, &err);
  if (ret < 0)
    return shimctl_fail(path ? path : "embedded default policy", &err);
  /* Judged as on this node: its kernel decides seccomp's minKernel entries. */
  if (node_kernel_tell(*out, &err) < 0) {
    shim_policy_free(*out);
    *out = NULL;
    return shimctl_fail("uname", &err);
  }
  return 0;
}

int shimctl_load(const char *arg, const char *policy_path, char *path, size_t size,
                 shim_policy **policy, shim_spec **spec) {
  struct stat st;
  if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
    snprintf(path, size, "%s/config.json", arg);
  else
    snprintf(path, size, "%s", arg);
  shim_error err;
  *spec = NULL;
  if (shimctl_load_policy(policy_path, policy) != 0)
    return EXIT_BAD_INPUT;
  if (shim_spec_load_file(path, spec, &err) < 0 ||
      node_facts_fill(*policy, *spec, NULL, &err) < 0) {
    shim_spec_free(*spec);
    shim_policy_free(*policy);
    *spec = NULL;
    *policy = NULL;
    return shimctl_fail(path, &err);
  }
  return 0;
}

int shimctl_write(const char *path, const char *data) {
  if (strcmp(path, "-") == 0)
    return fputs(data, stdout) < 0 ? -1 : 0;
  /* /dev/null and the like cannot be replaced by rename: write to them. */
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    FILE *f = fopen(path, "w");
    int rc = f && fputs(data, f) >= 0 ? 0 : -1;
    if ((f && fclose(f) != 0) || rc < 0) {
      fprintf(stderr, "shimctl: %s: %s\n", path, strerror(errno));
      return -1;
    }
    return 0;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  const char *name = slash ? slash + 1 : path;
  if (slash)
    *slash = '\0';
  int dirfd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = dirfd < 0 ? -1 : atomic_write_at(dirfd, name, data, strlen(data));
  if (rc < 0)
    fprintf(stderr, "shimctl: %s: %s\n", path, strerror(errno));
  if (dirfd >= 0)
    close(dirfd);
  return rc;
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
