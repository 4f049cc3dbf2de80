/* shimctl pool: the user namespace ranges shimrun's containers hold
 * (node_pool.c), and the release of those whose containers are gone. */
#include "config.h"
#include "shimctl.h"

#include "files.h"
#include "node_pool.h"
#include "node_settings.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "Usage: shimctl pool [--host-root DIR] [--state-dir DIR] [--json] [--reclaim]\n"
    "Lists the user namespace ranges that shimrun's containers hold: the\n"
    "container, the delegate's state root, the host ids, since when, and\n"
    "whether the container (or the create claiming for it) is still there.\n"
    "--reclaim releases the ranges whose containers are gone, as delete would\n"
    "(the idmapped rootfs, the bundle's group and mode, the record); a range\n"
    "whose container is there is never touched.  DIR: the state directory,\n"
    "default the one /etc/shim/shimrun.json in the root names.\n";

static const char *state_of(const struct node_pool_entry *e) {
  return e->released ? "released" : e->alive ? "running" : "gone";
}

static void print_table(const struct node_pool_entry *e, size_t n) {
  printf("%-24s %-23s %-20s %-8s %s\n", "CONTAINER", "HOST IDS", "SINCE", "STATE", "ROOT");
  for (size_t i = 0; i < n; i++) {
    char ids[32], since[32] = "-";
    time_t when = (time_t)e[i].claimed;
    snprintf(ids, sizeof ids, "%u-%u", e[i].host_id, e[i].host_id + e[i].size - 1);
    if (when)
      strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
    printf("%-24s %-23s %-20s %-8s %s\n", e[i].id, ids, since, state_of(&e[i]), e[i].root);
  }
}

static int print_json(const struct node_pool_entry *e, size_t n) {
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "id", e[i].id,
                                              "root", e[i].root, "hostID",
                                              (json_int_t)e[i].host_id, "size",
                                              (json_int_t)e[i].size, "claimed",
                                              (json_int_t)e[i].claimed, "state",
                                              state_of(&e[i]))) < 0)
      break;
  char *text = list ? json_dumps(list, JSON_INDENT(2)) : NULL;
  json_decref(list);
  if (!text) {
    fprintf(stderr, "shimctl: pool: out of memory\n");
    return EXIT_BAD_INPUT;
  }
  puts(text);
  free(text);
  return 0;
}

int cmd_pool(int argc, char **argv) {
  static const struct option longopts[] = {
      {"host-root", required_argument, NULL, 'r'}, {"state-dir", required_argument, NULL, 's'},
      {"json", no_argument, NULL, 'j'},            {"reclaim", no_argument, NULL, 'R'},
      {"help", no_argument, NULL, 'h'},            {0}};
  const char *root = "/", *state_dir = NULL;
  bool json = false, reclaim = false;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case 'r': root = optarg; break;
    case 's': state_dir = optarg; break;
    case 'j': json = true; break;
    case 'R': reclaim = true; break;
    case 'h': fputs(usage_text, stdout); return 0;
    default: return shimctl_usage("pool: see shimctl pool --help");
    }
  }
  if (optind != argc)
    return shimctl_usage("pool: unexpected argument '%s'", argv[optind]);
  char dir[PATH_MAX];
  struct node_settings settings;
  if (!state_dir) {
    node_settings_read(root, &settings);
    path_in_root(root, settings.state_dir, dir, sizeof dir);
    state_dir = dir;
  }
  struct node_pool pool = {.state_dir = state_dir};
  struct node_pool_entry *entries = NULL;
  size_t n = 0;
  shim_error err;
  if (node_pool_list(&pool, reclaim, &entries, &n, &err) < 0)
    return shimctl_fail("pool", &err);
  int rc = json ? print_json(entries, n) : (print_table(entries, n), 0);
  node_pool_entries_free(entries, n);
  return rc;
}
