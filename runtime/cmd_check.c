/* shimctl check: would this spec be allowed, and why not? */
#include "config.h"
#include "shimctl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_check(int argc, char **argv) {
  struct shimctl_spec_args args;
  int rc = shimctl_spec_args(argc, argv, false,
                             "Usage: shimctl check [--policy FILE] [--format text|json] "
                             "CONFIG.json|BUNDLE_DIR\n",
                             &args);
  if (rc >= 0)
    return rc;
  char path[PATH_MAX];
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  char *text = NULL;
  shim_error err;
  rc = shimctl_load(args.spec, args.policy, path, sizeof path, &policy, &spec);
  if (rc == 0 && (shim_check(policy, spec, &report, &err) < 0 ||
                  shim_report_render(report, args.format, &text, &err) < 0))
    rc = shimctl_fail(path, &err);
  if (rc == 0) {
    fputs(text, stdout);
    rc = shim_report_verdict(report) == SHIM_VERDICT_REJECT ? EXIT_REJECTED
                                                            : EXIT_ALLOWED;
  }
  free(text);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  return rc;
}
