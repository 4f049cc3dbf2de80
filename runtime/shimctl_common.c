/* What shimctl's commands (cmd_*.c) share: error and usage messages, the
 * --format flag, loading a policy and a spec with the node's facts, writing
 * a file whole.  The commands call down into this file; it calls none of
 * them. */
#include "config.h"
#include "shimctl.h"
#include "node_facts.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int shimctl_spec_args(int argc, char **argv, bool writes, const char *usage_text,
                      struct shimctl_spec_args *args) {
  static const struct option options[] = {
      {"policy", required_argument, NULL, 'p'},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"diff", no_argument, NULL, 'd'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  *args = (struct shimctl_spec_args){.format = SHIM_FORMAT_TEXT};
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, writes ? "p:f:o:dh" : "+p:f:h", options,
                            NULL)) != -1) {
    if (!writes && (opt == 'o' || opt == 'd'))
      opt = '?';
    switch (opt) {
    case 'p':
      args->policy = optarg;
      break;
    case 'f':
      if (shimctl_format(optarg, &args->format) != 0)
        return EXIT_BAD_INPUT;
      break;
    case 'o':
      args->output = optarg;
      break;
    case 'd':
      args->diff = true;
      break;
    case 'h':
      fputs(usage_text, stdout);
      return 0;
    default:
      return shimctl_usage("%s: bad option", argv[0]);
    }
  }
  if (optind != argc - 1)
    return shimctl_usage("%s takes one CONFIG.json or BUNDLE directory", argv[0]);
  args->spec = argv[optind];
  return -1;
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
