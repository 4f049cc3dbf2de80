/*
 * A node's containerd as `shimctl node` sees it: its binary and version,
 * its config file and the form that file is in, and the merged config it
 * reads (`containerd config dump`, run inside the host root so that the
 * config's own absolute paths, imports included, mean what they mean on
 * the node).
 *
 * k3s and rke2 run a containerd of their own (their systemd unit names
 * k3s or rke2, not containerd) and write its config.toml at every start,
 * from a template of the user's when their config directory has one
 * (config-v3.toml.tmpl, else config.toml.tmpl) or from their built-in
 * one: an install never edits that file, it adds to a template or to the
 * drop-in directory the rendered file imports.
 */
#ifndef SHIM_NODE_CONTAINERD_H
#define SHIM_NODE_CONTAINERD_H

#include <shim/shim.h>
#include <stdbool.h>
#include <stddef.h>

/* The containerd of a node. */
struct node_containerd {
  char binary[256];   /* as the node sees it */
  char version[64];   /* what `containerd --version` says, e.g. "1.6.20~ds1" */
  int major, minor;
  char config[256];   /* the main config file */
  int config_version; /* the file's `version` (2 or 3); 0 when it has none */
  int dump_version;   /* the form containerd dumps: 2 (1.x) or 3 (2.x) */
  char dropin_dir[256]; /* where the file's imports read *.toml, or "" */
  bool systemd_cgroup;  /* runc's SystemdCgroup in the merged config */
  char *text;           /* the config file as read, malloc'ed; NULL without one */
  const char *distro;   /* "k3s", "rke2": containerd is theirs; NULL: its own */
  char unit[64];        /* the systemd unit that starts it; "" when none names it */
  char address[256];    /* its CRI socket, as the node sees it */
  char *dump;           /* `containerd config dump`, malloc'ed */
};

/* Finds the containerd of the node at root (its binary, the config file
 * config or /etc/containerd/config.toml) and reads the merged config it
 * runs with.  A root without containerd, a config containerd refuses, a
 * config version other than 2 and 3: -SHIM_ERR_* with the cause. */
int node_containerd_find(const char *root, const char *config,
                         struct node_containerd *out, shim_error *err);
void node_containerd_clear(struct node_containerd *c);

/* The top-level line (before the first table) of a TOML text that sets
 * key, or NULL. */
const char *node_toml_top_level(const char *text, const char *key);

/* Reads the merged config of the file config (c->config, or a preview of
 * what k3s will write) in the root. */
int node_containerd_dump(const char *root, const struct node_containerd *c,
                         const char *config, char **out, shim_error *err);

/* The CRI plugin's containerd table (default_runtime_name) in a dump of
 * that version, with double quotes. */
const char *node_cri_table(int version);

/* The CRI plugin's runtimes table in a dump of that version, with double
 * quotes: plugins."io.containerd.grpc.v1.cri".containerd.runtimes (2) or
 * plugins."io.containerd.cri.v1.runtime".containerd.runtimes (3). */
const char *node_runtimes_table(int version);

/* The value of key in table (written with double quotes) of a dump, its
 * quotes taken off, in buf; NULL when the dump has no such key. */
const char *node_dump_get(const char *dump, const char *table, const char *key,
                          char *buf, size_t size);

/* The first line of before (with its table) that after lacks, in lost;
 * false when after keeps every setting of before.  The top-level imports
 * line is left out: an install may add to it; so is the setting changing
 * ("table]\nkey = ", NULL for none), one the install changes on purpose. */
bool node_dump_lost(const char *before, const char *after, const char *changing,
                    char *lost, size_t size);

/* The tables of a dump under prefix (each header with its lines, as TOML)
 * for which skip(table, arg) is false, appended to *out (malloc'ed, grown
 * by *len).  0 or -ENOMEM. */
int node_dump_tables(const char *dump, const char *prefix,
                     bool (*skip)(const char *table, const void *arg), const void *arg,
                     char **out, size_t *len);

#endif
