/*
 * Putting shim on a node and taking it off again (`shimctl node`).
 *
 * Everything happens inside a host root: the node's "/", or the directory
 * where an installer pod mounted it.  Paths in these structures are as the
 * node sees them ("/etc/containerd/config.toml"); the root is opened once
 * and every file is reached through it.
 *
 * Life of an install:
 *   node_containerd_find    which containerd, which config file, in which
 *                           form, and the merged config it reads now
 *                           (`containerd config dump`, run in the root)
 *   node_install_plan       the file changes: binaries, the runtime class
 *                           (a drop-in, an edit of the main file, or for
 *                           k3s and rke2 their config template), the
 *                           kubelet's subordinate ids; none when all is in
 *                           place already
 *   node_install_apply      each file written beside and renamed, the
 *                           previous bytes kept under STATE/backup and
 *                           listed in STATE/install.json; then containerd
 *                           reads the result again: if it refuses it, or
 *                           a setting it read before is gone or changed,
 *                           every file is put back as it was
 *   node_uninstall          the files put back byte for byte, or, for a
 *                           file changed since, only what the install
 *                           appended taken out again
 * STATE is /var/lib/shim/node in the root.  The plan also says what it
 * would do (--dry-run) without writing anything.
 */
#ifndef SHIM_NODE_INSTALL_H
#define SHIM_NODE_INSTALL_H

#include "node_containerd.h"

#include <shim/shim.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* One file the install writes: its bytes before (existed false: none) and
 * after, and the text it added to `before` (NULL when the whole file is
 * the install's), which uninstall can take out of a file changed since. */
struct node_change {
  char path[256];
  bool existed;
  char *before, *after, *added;
  size_t before_len, after_len;
  mode_t before_mode, mode;
  char why[128]; /* one line for the plan */
};

struct node_plan {
  struct node_change *changes;
  size_t count;
  char runtime_name[64];
  char binary_name[256]; /* BinaryName: where shimrun goes */
  char form[32];         /* "drop-in", "main file", "k3s template", "in place already" */
  char *preview;         /* k3s, rke2: the config.toml they will write from the
                            template, which containerd is asked to read */
  bool make_default;     /* the class as containerd's default_runtime_name */
};

/* What install needs beside the root. */
struct node_install_opts {
  const char *root;         /* the host root, "/" on the node itself */
  const char *runtime_name; /* the runtime class, "shim" */
  const char *from;         /* the directory with shimrun and shimctl */
  const char *config;       /* containerd's config file, NULL: its own */
  shim_policy *policy;      /* the pool the kubelet's ids must keep clear of */
  bool make_default;        /* --default: pods naming no class get this one */
};

int node_install_plan(const struct node_install_opts *opts,
                      const struct node_containerd *c, struct node_plan *out,
                      shim_error *err);
/* Writes the plan's files and checks containerd's reading of the result
 * against c->dump; on any failure puts every file back. */
int node_install_apply(const struct node_install_opts *opts,
                       const struct node_containerd *c, const struct node_plan *plan,
                       shim_error *err);
void node_plan_clear(struct node_plan *plan);

/* Undoes what STATE/install.json lists, one line per file on out.  A file
 * changed since the install from which its added text cannot be taken out
 * again is refused (and nothing is changed) unless force. */
int node_uninstall(const char *root, bool force, FILE *out, shim_error *err);

/* A file of shim's own on the node, STATE/NAME (the last node check's
 * result: check.json), written atomically or read whole.  Reading one
 * that is not there: -SHIM_ERR_IO with ENOENT in err->sys_errno. */
int node_state_write(const char *root, const char *name, const char *text,
                     shim_error *err);
int node_state_read(const char *root, const char *name, char **text, shim_error *err);

/* What STATE/install.json says, a few lines on out; -SHIM_ERR_IO with
 * ENOENT in err->sys_errno when shim is not installed. */
int node_status(const char *root, FILE *out, shim_error *err);

#endif
