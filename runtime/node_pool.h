/* The pool of host id ranges that shimrun gives user namespaces from. */
#ifndef SHIM_NODE_POOL_H
#define SHIM_NODE_POOL_H

#include <shim/shim.h>
#include <stdbool.h>

/*
 * A pool: its records live in state_dir/userns (created 0700), one per
 * container of the delegate's state root, keyed by (root, container id),
 * taken under an exclusive lock on state_dir/userns/lock so parallel
 * creates never collide.  A plain value (both strings borrowed).
 *
 * node_pool_claim records container id.  With inout->join "" it takes the
 * lowest free range of the policy's pool (or the one this container already
 * holds: a retried create); otherwise the container shares inout's range.
 * Before choosing, records of containers that no longer exist (no root/id
 * directory, and the process that claimed is gone) are reclaimed, with
 * their rootfs mounts.  -SHIM_ERR_LIMIT when the pool is exhausted.
 *
 * node_pool_mount_rootfs opens the bundle directory to the container's
 * root (its group and mode, recorded first) unless the rootfs is the
 * bundle itself, idmaps the container's rootfs to its range
 * (node_idmap_rootfs) and records the mount.  Done twice, the second call
 * changes nothing.
 *
 * node_pool_release unmounts what mount_rootfs stacked, puts the bundle's
 * group and mode back (if it is still the directory it opened, as it left
 * it) and drops the record (nothing to do when there is none).
 *
 * node_pool_held returns 1 when container id holds a range, 0 when it does
 * not (nothing to release), a negative shim_errc on error.  It takes no
 * lock: a runtime uses it to skip release's work for the containers that
 * never had a user namespace.
 */
struct node_pool {
  const char *state_dir; /* absolute */
  const char *root;      /* the delegate's state root */
};

int node_pool_claim(const struct node_pool *pool, const shim_policy *policy, const char *id,
                    shim_userns *inout, shim_error *err);
int node_pool_mount_rootfs(const struct node_pool *pool, const char *id, const char *bundle,
                           const char *rootfs, shim_error *err);
int node_pool_held(const struct node_pool *pool, const char *id, shim_error *err);
int node_pool_release(const struct node_pool *pool, const char *id, shim_error *err);

/* One record of the pool, as `shimctl pool` shows it. */
struct node_pool_entry {
  char *root, *id;       /* the delegate's state root and the container */
  unsigned host_id, size;
  long long claimed;     /* when (seconds since the epoch; 0: not recorded) */
  bool alive;            /* its container, or the create claiming for it, is there */
  bool released;         /* reclaimed by this call */
};

/* Every record of the pool (pool->root is not used), read under the lock;
 * with reclaim, those whose container is gone are released as a delete
 * would (the idmapped rootfs, the bundle's group and mode, the record),
 * and never one whose container is there.  An unreadable record fails the
 * whole call (the range it holds is unknown).  Free with
 * node_pool_entries_free. */
int node_pool_list(const struct node_pool *pool, bool reclaim, struct node_pool_entry **out,
                   size_t *count, shim_error *err);
void node_pool_entries_free(struct node_pool_entry *entries, size_t count);

/* How many containers hold a record in the pool, and how many of the
 * pool's ranges they hold (a pod's containers share one), from
 * node_pool_list.  No pool yet: 0 and 0.  Without a policy, only the
 * containers are counted. */
int node_pool_usage(const struct node_pool *pool, const shim_policy *policy,
                    size_t *containers, size_t *ranges, shim_error *err);

#endif
