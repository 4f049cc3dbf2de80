/*
 * shimrun's settings as a node has them (/etc/shim/shimrun.json in its
 * root, else shimrun's defaults): where `shimctl node check` and `shimctl
 * metrics` find its audit log, its state and its policy.
 */
#ifndef SHIM_NODE_SETTINGS_H
#define SHIM_NODE_SETTINGS_H

#include <stddef.h>

/* Paths as the node sees them, all of one size (node_settings_read). */
struct node_settings {
  char audit_log[4096];
  char state_dir[4096];
  char policy[4096];    /* "" for the embedded default */
};

/* Reads them from the node at root; an unreadable or malformed file gives
 * the defaults (shimrun itself would refuse every container then, which
 * node check shows). */
void node_settings_read(const char *root, struct node_settings *out);

#endif
