/* Idmapped mounts: a container's rootfs and bind sources show the image's
 * and the host's files owned as the container's ids, without a copy or a
 * chown (Linux 5.19+). */
#ifndef SHIM_NODE_IDMAP_H
#define SHIM_NODE_IDMAP_H

#include <shim/shim.h>
#include <stddef.h>
#include <stdint.h>

/* Stacks on rootfs (a directory, or the mount point of an overlay as
 * containerd's snapshotter mounts one) an idmapped view of it mapped to
 * ns: an idmapped clone (open_tree, mount_setattr MOUNT_ATTR_IDMAP), or for
 * an overlay each layer idmapped and a new overlay mounted from them.
 * *mount_id is the stacked mount's.  A file system that refuses gives
 * -SHIM_ERR_HOST. */
int node_idmap_rootfs(const char *rootfs, const shim_userns *ns, uint64_t *mount_id,
                      shim_error *err);

/*
 * Gives the spec's bind mounts the container's ids as node_idmap_rootfs
 * gives its rootfs, so that its root can write a volume and read the files
 * only host root could, and what it writes is owned on the host as it
 * would be without a user namespace (no chown, no copy).  When the spec has
 * such a bind, it moves the calling process into a mount namespace of its
 * own (unshare, then slave propagation: the host's mounts reach it, its own
 * never reach the host), and there stacks an idmapped clone on each bind
 * source, a host directory or regular file outside /proc, /sys and /dev.
 * The runtime, exec'd from that namespace, binds the very paths the spec
 * names and was checked with, and finds the idmapped view; nothing needs
 * undoing, as the stacked mounts go with the namespace.  A source whose
 * file system refuses to be idmapped keeps its host ids (the container
 * sees its files as nobody's: more restrictive, not less) and is counted
 * in *left.  Runs once per process, before the runtime is exec'd.
 * *prev_ns is an fd of the mount namespace the process left (the caller
 * closes it), or -1 when the spec has no bind to idmap: a caller that fails
 * later and has host mounts to undo (node_pool_release) setns()es back to
 * it first.  On error the process is back in its own namespace.
 */
int node_idmap_binds(const shim_spec *spec, const shim_userns *userns, size_t *left,
                     int *prev_ns, shim_error *err);

#endif
