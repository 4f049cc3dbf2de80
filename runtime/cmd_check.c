/* shimctl check: would this spec be allowed, and why not? */
#include "config.h"
#include "shimctl.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_check(int argc, char **argv) {
  static const struct option options[] = {
      {"policy", required_argument, NULL, 'p'},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *policy_path = NULL;
  shim_format format = SHIM_FORMAT_TEXT;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "+p:f:h", options, NULL)) != -1) {
    switch (opt) {
    case 'p':
      policy_path = optarg;
      break;
    case 'f':
      if (shimctl_format(optarg, &format) != 0)
        return EXIT_BAD_INPUT;
      break;
    case 'h':
      printf("Usage: shimctl check [--policy FILE] [--format text|json] "
             "CONFIG.json|BUNDLE_DIR\n");
      return 0;
    default:
      return shimctl_usage("check: bad option");
    }
  }
  if (optind != argc - 1)
    return shimctl_usage("check takes one CONFIG.json or BUNDLE directory");

  char path[PATH_MAX];

  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  char *text = NULL;
  shim_error err;
  int rc = shimctl_load(argv[optind], policy_path, path, sizeof path, &policy, &spec);
  if (rc == 0 && (shim_check(policy, spec, &report, &err) < 0 ||
                  shim_report_render(report, format, &text, &err) < 0))
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
