/* shimctl: the admin tool's commands and what they share
 * (shimctl_common.c). */
#ifndef SHIMCTL_H
#define SHIMCTL_H

#include <shim/shim.h>
#include <stdbool.h>

/* Exit codes every command uses. */
enum { EXIT_ALLOWED = 0, EXIT_REJECTED = 1, EXIT_BAD_INPUT = 2 };

/* Prints "shimctl: [what: ][pointer: ]message" on stderr and returns
 * EXIT_BAD_INPUT. */
int shimctl_fail(const char *what, const shim_error *err);
/* Prints a usage error and returns EXIT_BAD_INPUT. */
int shimctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --format text|json; a usage error (EXIT_BAD_INPUT) otherwise. */
int shimctl_format(const char *arg, shim_format *out);

/* The command line of a command that reads one spec (check, harden). */
struct shimctl_spec_args {
  const char *policy; /* --policy FILE, NULL for the embedded default */
  shim_format format; /* --format */
  const char *output; /* -o OUT (harden), NULL for stdout */
  bool diff;          /* --diff (harden) */
  const char *spec;   /* CONFIG.json or BUNDLE_DIR */
};
/* Reads argv (argv[0] the command's name) into *args; the options -o and
 * --diff only where writes.  -1 to go on, else the exit status to return
 * (0 after --help prints usage_text). */
int shimctl_spec_args(int argc, char **argv, bool writes, const char *usage_text,
                      struct shimctl_spec_args *args);

/* Loads --policy FILE, or the embedded default when path is NULL. */
int shimctl_load_policy(const char *path, shim_policy **out);
/* What check and harden start from: the spec arg names (CONFIG.json, or
 * BUNDLE/config.json for a directory; its path in path[]), loaded strictly
 * with the node's facts about it, and the policy (--policy FILE or the
 * embedded default).  0, or EXIT_BAD_INPUT after saying why (what was
 * loaded is freed). */
int shimctl_load(const char *arg, const char *policy_path, char *path, size_t size,
                 shim_policy **policy, shim_spec **spec);
/* Writes data to path through a temporary file and rename(2), so that
 * readers never see half a file; "-" is stdout. */
int shimctl_write(const char *path, const char *data);

int cmd_check(int argc, char **argv);
int cmd_harden(int argc, char **argv);
int cmd_seccomp(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_pool(int argc, char **argv);

#endif
