/* The pods shimrun let in with a user namespace, the kubelet's (hostUsers:
 * false) or one of the pool: node state kept beside the pool, so that no
 * two pods share host ids and every container of a pod joins its
 * sandbox's. */
#ifndef SHIM_NODE_PODS_H
#define SHIM_NODE_PODS_H

#include <shim/shim.h>
#include <stdbool.h>
#include <stddef.h>

/* For a Kubernetes sandbox or container (CRI annotations) in a user
 * namespace: the one it joins, which joined describes (node_facts_fill's,
 * its maps read), or the new one the pool gives it, given (size 0: none).  A
 * sandbox is recorded in STATE/pods/SANDBOX-ID unless its ids overlap
 * another pod's; a container must join the very namespace its sandbox's
 * record names.  0: admitted (or not such a spec); 1: refused, why[]
 * says why; -1: the record could not be read or written, why[] says why. */
int node_pods_admit(const char *state_dir, const shim_spec *spec,
                    const shim_fact *joined, const shim_userns *given, char *why,
                    size_t why_size);

/* Whether STATE/pods holds a record for id, and dropping it (none: 0). */
bool node_pods_held(const char *state_dir, const char *id);
int node_pods_release(const char *state_dir, const char *id);

#endif
