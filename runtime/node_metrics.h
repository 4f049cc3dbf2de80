/*
 * `shimctl metrics`: what shim did on a node, in Prometheus' text format
 * for node_exporter's textfile collector.
 *
 * Counters come from shimrun's audit log (its decisions per command, its
 * refusals and warnings per control): nothing on a create's path counts,
 * and a rotated log starts them again from zero, which Prometheus reads
 * as a counter reset.  Gauges come from the pool's records (ranges used
 * and free), the install record and the last `shimctl node check`.
 */
#ifndef SHIM_NODE_METRICS_H
#define SHIM_NODE_METRICS_H

#include <shim/shim.h>

/* The metrics of the node at root (audit_log: NULL for shimrun's own
 * setting; policy: the pool's size), malloc'ed in *text. */
int node_metrics(const char *root, const char *audit_log, const shim_policy *policy,
                 char **text, shim_error *err);

#endif
