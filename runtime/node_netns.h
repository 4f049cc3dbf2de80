/* What shimrun does in a pod's network namespace from the host, for a
 * container it put in a user namespace that does not own it. */
#ifndef SHIM_NODE_NETNS_H
#define SHIM_NODE_NETNS_H

#include <shim/shim.h>
#include <stddef.h>

/* Writes the spec's shim_userns_net_sysctl entries in the network
 * namespace it joins by path (verified to be one), from a child that
 * enters it, as runc would: /proc/sys/KEY with dots as slashes.  0 (also
 * when there are none), or -1 with why[] filled. */
int node_netns_sysctls(const shim_spec *spec, char *why, size_t why_size);

#endif
