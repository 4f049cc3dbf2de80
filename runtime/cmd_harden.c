/* shimctl harden: rewrite a spec into the sandboxed one runc will run. */
#include "config.h"
#include "shimctl.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: shimctl harden [--policy FILE] [--format text|json] [--diff]\n"
    "                      [-o OUT] CONFIG.json|BUNDLE_DIR\n"
    "Writes the hardened spec to OUT (atomically) or stdout, and the report\n"
    "(findings and changes) to stdout with -o, else to stderr.  --diff shows\n"
    "the change as a unified diff instead of the report.\n";

/* diff -u of the two texts, through temporary files. */
static int show_diff(const char *before, const char *after) {
  char a[] = "/tmp/shimctl-before.XXXXXX", b[] = "/tmp/shimctl-after.XXXXXX";
  int fa = mkstemp(a), fb = mkstemp(b);
  int rc = -1;
  if (fa >= 0 && fb >= 0 &&
      write(fa, before, strlen(before)) == (ssize_t)strlen(before) &&
      write(fb, after, strlen(after)) == (ssize_t)strlen(after)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      execlp("diff", "diff", "-u", "--label", "original", "--label", "hardened",
             a, b, (char *)NULL);
      _exit(127);
    }
    int status;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) <= 1)
      rc = 0;
  }
  if (rc < 0)
    fprintf(stderr, "shimctl: cannot run diff\n");
  if (fa >= 0)
    close(fa), unlink(a);
  if (fb >= 0)
    close(fb), unlink(b);
  return rc;
}

int cmd_harden(int argc, char **argv) {
  static const struct option options[] = {
      {"policy", required_argument, NULL, 'p'},
      {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'},
      {"diff", no_argument, NULL, 'd'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *policy_path = NULL, *output = NULL;
  shim_format format = SHIM_FORMAT_TEXT;
  bool diff = false;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "p:f:o:dh", options, NULL)) != -1) {
    switch (opt) {
    case 'p':
      policy_path = optarg;
      break;
    case 'f':
      if (shimctl_format(optarg, &format) != 0)
        return EXIT_BAD_INPUT;
      break;
    case 'o':
      output = optarg;
      break;
    case 'd':
      diff = true;
      break;
    case 'h':
      fputs(usage_text, stdout);
      return 0;
    default:
      return shimctl_usage("harden: bad option");
    }
  }
  if (optind != argc - 1)
    return shimctl_usage("harden takes one CONFIG.json or BUNDLE directory");
  char path[PATH_MAX];

  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  char *hardened = NULL, *text = NULL, *original = NULL;
  shim_error err;
  int rc = shimctl_load(argv[optind], policy_path, path, sizeof path, &policy, &spec);
  int hret = rc == 0 ? shim_harden(policy, spec, &hardened, &report, &err) : 0;
  if (hret < 0 && hret != -SHIM_ERR_REJECTED)
    rc = shimctl_fail(path, &err);
  if (rc == 0 && shim_report_render(report, format, &text, &err) < 0)
    rc = shimctl_fail(path, &err);
  FILE *report_out = output ? stdout : stderr;
  if (rc == 0 && hret == -SHIM_ERR_REJECTED) {
    fputs(text, report_out);
    rc = EXIT_REJECTED;
  } else if (rc == 0) {
    if (diff && shim_spec_render(spec, &original, &err) < 0)
      rc = shimctl_fail(path, &err);
    else if (diff)
      rc = show_diff(original, hardened) < 0 ? EXIT_BAD_INPUT : 0;
    else
      fputs(text, report_out);
    if (rc == 0 && (output || !diff) &&
        shimctl_write(output ? output : "-", hardened) < 0)
      rc = EXIT_BAD_INPUT;
  }
  free(original);
  free(text);
  free(hardened);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}
