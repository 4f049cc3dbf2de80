/* shimctl policy show: the effective policy, defaults merged in. */
#include "config.h"
#include "shimctl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_policy(int argc, char **argv) {
  static const struct option options[] = {
      {"policy", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  if (argc < 2 || strcmp(argv[1], "show") != 0)
    return shimctl_usage("usage: shimctl policy show [--policy FILE]");
  const char *policy_path = NULL;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc - 1, argv + 1, "+p:h", options, NULL)) != -1) {
    if (opt == 'p')
      policy_path = optarg;
    else if (opt == 'h') {
      printf("Usage: shimctl policy show [--policy FILE]\n");
      return 0;
    } else
      return shimctl_usage("policy show: bad option");
  }
  if (optind != argc - 1)
    return shimctl_usage("policy show takes no arguments");
  shim_policy *policy = NULL;
  int rc = shimctl_load_policy(policy_path, &policy);
  if (rc != 0)
    return rc;
  char *text = NULL;
  shim_error err;
  if (shim_policy_render(policy, &text, &err) < 0)
    rc = shimctl_fail("policy", &err);
  else
    fputs(text, stdout);
  free(text);
  shim_policy_free(policy);
  return rc;
}
