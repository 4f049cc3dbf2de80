/* shimctl harden: rewrite a spec into the sandboxed one runc will run. */
#include "config.h"
#include "shimctl.h"

#include <limits.h>
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
  struct shimctl_spec_args args;
  int rc = shimctl_spec_args(argc, argv, true, usage_text, &args);
  if (rc >= 0)
    return rc;
  char path[PATH_MAX];

  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  char *hardened = NULL, *text = NULL, *original = NULL;
  shim_error err;
  rc = shimctl_load(args.spec, args.policy, path, sizeof path, &policy, &spec);
  int hret = rc == 0 ? shim_harden(policy, spec, &hardened, &report, &err) : 0;
  if (hret < 0 && hret != -SHIM_ERR_REJECTED)
    rc = shimctl_fail(path, &err);
  if (rc == 0 && shim_report_render(report, args.format, &text, &err) < 0)
    rc = shimctl_fail(path, &err);
  FILE *report_out = args.output ? stdout : stderr;
  if (rc == 0 && hret == -SHIM_ERR_REJECTED) {
    fputs(text, report_out);
    rc = EXIT_REJECTED;
  } else if (rc == 0) {
    if (args.diff && shim_spec_render(spec, &original, &err) < 0)
      rc = shimctl_fail(path, &err);
    else if (args.diff)
      rc = show_diff(original, hardened) < 0 ? EXIT_BAD_INPUT : 0;
    else
      fputs(text, report_out);
    if (rc == 0 && (args.output || !args.diff) &&
        shimctl_write(args.output ? args.output : "-", hardened) < 0)
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
