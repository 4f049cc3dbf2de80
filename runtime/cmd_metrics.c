/* shimctl metrics: Prometheus' text format (node_metrics.c). */
#include "config.h"
#include "shimctl.h"

#include "files.h"
#include "node_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: shimctl metrics [--host-root DIR] [--audit-log FILE] [--policy FILE]\n"
    "                       [--textfile DIR]\n"
    "Prints what shim did on the node in Prometheus' text format: shimrun's\n"
    "decisions per command and decision, its refusals and warnings per control\n"
    "(counted from its audit log: FILE, else the one /etc/shim/shimrun.json\n"
    "names), the pool's ranges in use and free (of the policy FILE, default\n"
    "the embedded one), the last `shimctl node check`.  With --textfile, writes\n"
    "DIR/shim.prom atomically instead, for node_exporter's textfile collector.\n";

int cmd_metrics(int argc, char **argv) {
  static const struct option longopts[] = {
      {"host-root", required_argument, NULL, 'r'}, {"audit-log", required_argument, NULL, 'l'},
      {"policy", required_argument, NULL, 'p'},    {"textfile", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},            {0}};
  const char *root = "/", *audit_log = NULL, *policy_path = NULL, *textfile = NULL;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case 'r': root = optarg; break;
    case 'l': audit_log = optarg; break;
    case 'p': policy_path = optarg; break;
    case 't': textfile = optarg; break;
    case 'h': fputs(usage_text, stdout); return 0;
    default: return shimctl_usage("metrics: see shimctl metrics --help");
    }
  }
  if (optind != argc)
    return shimctl_usage("metrics: unexpected argument '%s'", argv[optind]);
  shim_policy *policy = NULL;
  if (shimctl_load_policy(policy_path, &policy) != 0)
    return EXIT_BAD_INPUT;
  char *text = NULL;
  shim_error err;
  int ret = node_metrics(root, audit_log, policy, &text, &err);
  shim_policy_free(policy);
  if (ret < 0)
    return shimctl_fail("metrics", &err);
  if (!textfile) {
    fputs(text, stdout);
    free(text);
    return 0;
  }
  int dirfd = open(textfile, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ret = dirfd < 0 ? -1 : atomic_write_at(dirfd, "shim.prom", text, strlen(text));
  int saved = errno;
  if (dirfd >= 0)
    close(dirfd);
  free(text);
  if (ret < 0) {
    fprintf(stderr, "shimctl: metrics: %s/shim.prom: %s\n", textfile, strerror(saved));
    return EXIT_BAD_INPUT;
  }
  return 0;
}
