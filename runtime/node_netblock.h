/* The metadata-server block, served by shimrun's createRuntime hook. */
#ifndef SHIM_NODE_NETBLOCK_H
#define SHIM_NODE_NETBLOCK_H

#include <shim/shim.h>
#include <stddef.h>

/* In the calling thread's network namespace (the caller enters the
 * container's first, and never changes this one for anyone else): brings
 * loopback up and adds a "prohibit" route for each of the n CIDRs, so that
 * connecting to them fails at once with EACCES.  Idempotent.
 * -SHIM_ERR_INVAL for an address that is not a CIDR, -SHIM_ERR_HOST when
 * netlink refuses. */
int node_net_block(const char *const *cidrs, size_t n, shim_error *err);

#endif
