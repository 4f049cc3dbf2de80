/* The node's cache of compiled seccomp filters: what a container in the
 * seccomp loader's form (libshim's shim_policy_set_seccomp_loader) loads. */
#ifndef SHIM_NODE_SECCOMP_H
#define SHIM_NODE_SECCOMP_H

#include <shim/shim.h>

/* Room for this many filters; the least recently used go beyond it. */
#define NODE_SECCOMP_CACHE_MAX 64

/* Makes sure that path (shim_spec_seccomp_filter's: DIR/<digest of
 * profile>.bpf) holds profile's program for this node (libseccomp, kernel,
 * architecture): kept when it does, compiled and written (atomically)
 * when it is missing, truncated, corrupt or from another node.  DIR must
 * be this user's alone.  0, or a negative shim_errc with err set: the
 * container must not start then. */
int node_seccomp_filter(const shim_policy *policy, const char *profile, const char *path,
                        shim_error *err);

#endif
