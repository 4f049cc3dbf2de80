/*
 * User namespaces: which one a container gets (judged from the spec, the
 * policy and the facts the caller found); the pool that hands out the
 * ranges is the runtime's (runtime/node_pool.c).
 */
#include "config.h"
#include "internal.h"

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

bool userns_in_pool(const shim_policy *policy, int64_t host_id, int64_t size) {
  int64_t end = policy->userns_start + policy->userns_range_size * policy->userns_ranges;
  return size > 0 && host_id >= policy->userns_start && host_id + size <= end;
}

/* The PID of a /proc/PID/ns/NAME path; 0 for any other path. */
static int proc_ns_pid(const char *path) {
  int pid = 0, used = 0;
  char name[16];
  if (sscanf(path, "/proc/%d/ns/%15[a-z_]%n", &pid, name, &used) != 2 ||
      (size_t)used != strlen(path))
    return 0;
  return pid;
}

/* The user entry's path, else the one process whose namespaces the spec
 * joins by /proc/PID/ns/... paths (*owner: its pid, -1 when there are
 * two); NULL for neither. */
static const char *joined_user_path(const shim_spec *spec, int *owner) {
  const char *user_path = NULL;
  *owner = 0;
  jv_foreach(jv_get(jv_get(spec->tree.nodes, "linux"), "namespaces"), ns) {
    const char *type = jv_str(jv_get(ns, "type"));
    const char *path = jv_str(jv_get(ns, "path"));
    if (!path || !*path)
      continue;
    if (type && strcmp(type, "user") == 0)
      user_path = path;
    int pid = proc_ns_pid(path);
    if (pid && *owner && pid != *owner)
      *owner = -1;
    else if (pid && *owner == 0)
      *owner = pid;
  }
  return user_path;
}

bool userns_for_pods(const shim_policy *policy) {
  return (policy->delegate_features & SHIM_DELEGATE_POD_USERNS) &&
         !(policy->pod_userns && strcmp(policy->pod_userns, "never") == 0);
}

int shim_userns_joined_path(const shim_policy *policy, const shim_spec *spec, char *buf,
                            size_t size) {
  int owner = 0;
  const char *path = spec ? joined_user_path(spec, &owner) : NULL;
  /* A pod's container joins its sandbox's user namespace only when pods
   * are given one, and a sandbox never does: otherwise nothing to learn. */
  const char *type = spec ? shim_spec_annotation(spec, "io.kubernetes.cri.container-type") : NULL;
  if (!path && type && (strcmp(type, "container") != 0 || !(policy && userns_for_pods(policy))))
    owner = 0;
  int n = path ? snprintf(buf, size, "%s", path)
          : owner > 0 ? snprintf(buf, size, "/proc/%d/ns/user", owner)
                      : -1;
  if (n < 0)
    return 0;
  return (size_t)n >= size ? -SHIM_ERR_LIMIT : path ? 1 : 2;
}

/* Kubernetes leaves host ids below 65536 to the node's own users, and
 * gives a pod 65536 ids. */
enum { POD_IDS = 65536 };

const char *const idmap_lists[2] = {"uidMappings", "gidMappings"};

shim_idmap idmap_read(const struct jnode *entry) {
  return (shim_idmap){.container_id = (unsigned)jv_int(jv_get(entry, "containerID")),
                      .host_id = (unsigned)jv_int(jv_get(entry, "hostID")),
                      .size = (unsigned)jv_int(jv_get(entry, "size"))};
}

/* Whether a spec's own uidMappings or gidMappings are exactly map. */
static bool spec_maps_are(const struct jnode *list, const shim_idmap *map) {
  shim_idmap m = idmap_read(jv_first(list));
  return jv_count(list) == 1 && m.container_id == map->container_id &&
         m.host_id == map->host_id && m.size == map->size;
}

int userns_judge_joined(const shim_policy *policy, const shim_spec *spec,
                        const char *path, shim_userns *out, char *why, size_t why_size) {
  const shim_fact *f = spec_fact(spec, SHIM_FACT_NAMESPACE, path, CLONE_NEWUSER);
  static const shim_idmap none;
  const shim_idmap *u = f ? &f->uid : &none;
  *out = (shim_userns){.host_id = u->host_id, .size = u->size};
  snprintf(out->join, sizeof out->join, "%s", path);
  int64_t end = (int64_t)u->host_id + u->size;
  int64_t pool_end = policy->userns_start + policy->userns_range_size * policy->userns_ranges;
  int64_t kubelet_end = policy->kubelet_id_start + policy->kubelet_ids;
  const struct jnode *linux_ = jv_get(spec->tree.nodes, "linux");
#define WHY(...) (snprintf(why, why_size, __VA_ARGS__), USERNS_JOINED_BAD)
  if (!fact_namespace_ok(f, path, "user", why, why_size))
    return USERNS_JOINED_BAD;
  if (!f->maps_read)
    return WHY("its uid_map and gid_map cannot be read");
  if (f->uid_ranges != 1 || f->gid_ranges != 1)
    return WHY("its uid_map and gid_map hold %u and %u ranges, not the one "
               "\"0 HOST SIZE\" of a pod", f->uid_ranges, f->gid_ranges);
  if (u->container_id != 0 || memcmp(u, &f->gid, sizeof *u) != 0)
    return WHY("its uid_map and gid_map are not one and the same range "
               "\"0 HOST SIZE\"");
  /* A pod's sandbox is given a range of the pool, never joins one: a
   * sandbox on pool ids would share another workload's.  Its containers
   * join the sandbox's (the runtime checks that it is their own
   * sandbox's). */
  const char *type = shim_spec_annotation(spec, "io.kubernetes.cri.container-type");
  bool pod = type != NULL;
  bool may_share = !pod || (strcmp(type, "container") == 0 && userns_for_pods(policy));
  if (may_share && userns_in_pool(policy, u->host_id, u->size))
    return USERNS_JOINED_POOL;
  if (u->host_id < pool_end && end > policy->userns_start)
    return WHY("its host ids %u..%lld overlap the pool (%lld..%lld), which "
               "shimrun gives to other containers", u->host_id, (long long)end - 1,
               (long long)policy->userns_start, (long long)pool_end - 1);
  if (!pod)
    return WHY("its ids (host %u, %u ids) lie outside the pool", u->host_id, u->size);
  if (u->host_id < POD_IDS)
    return WHY("it maps container root to host id %u%s: the node's own ids "
               "(below %d) are never a pod's", u->host_id,
               u->host_id == 0 ? " (host root)" : "", POD_IDS);
  if (u->size < POD_IDS)
    return WHY("it maps %u ids, fewer than the %d of a pod", u->size, POD_IDS);
  if (policy->kubelet_ids &&
      (u->host_id < policy->kubelet_id_start || end > kubelet_end))
    return WHY("its host ids %u..%lld lie outside the kubelet's (%lld..%lld, "
               "user-namespace.kubeletIDStart and kubeletIDs, or /etc/subuid)",
               u->host_id, (long long)end - 1, (long long)policy->kubelet_id_start,
               (long long)kubelet_end - 1);
  for (size_t k = 0; k < ARRAY_SIZE(idmap_lists); k++)
    if (jv_get(linux_, idmap_lists[k]) && !spec_maps_are(jv_get(linux_, idmap_lists[k]), u))
      return WHY("the spec's uidMappings or gidMappings differ from its maps "
               "(host %u, %u ids)", u->host_id, u->size);
#undef WHY
  return USERNS_JOINED_POD;
}

int shim_userns_plan(const shim_policy *policy, const shim_spec *spec,
                     shim_userns *out, shim_error *err) {
  if (!policy || !spec || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no policy, spec or output pointer");
  *out = (shim_userns){0};
  /* Kubernetes pods: with hostUsers: false (containerd 2.x), the pod's
   * user namespace is the kubelet's, which the checks verify; otherwise
   * the sandbox gets a range of the pool and its containers join it, where
   * the delegate can (userns_for_pods: runc 1.1 joins a user namespace
   * before the other namespaces, after which it may no longer enter the
   * pod's network namespace, owned by the host's).  Their user-namespace
   * finding stays in the report. */
  const char *type = shim_spec_annotation(spec, "io.kubernetes.cri.container-type");
  if (policy->mode[CONTROL_USER_NAMESPACE] != MODE_ENFORCE)
    return SHIM_USERNS_NONE;
  int owner;
  const char *user_path = joined_user_path(spec, &owner);
  if (type && !user_path && !userns_for_pods(policy))
    return SHIM_USERNS_NONE;
  if (type && !user_path && strcmp(type, "sandbox") == 0)
    return SHIM_USERNS_NEW;
  if (owner < 0)
    return error_set(err, SHIM_ERR_REJECTED, "/linux/namespaces",
                     "joins namespaces of two processes: no one user namespace "
                     "to share");
  char why[512] = "", want[PATH_MAX];
  shim_userns found;
  if (shim_userns_joined_path(policy, spec, want, sizeof want) > 0 &&
      userns_judge_joined(policy, spec, want, &found, why, sizeof why) ==
          USERNS_JOINED_POOL) {
    *out = found;
    return SHIM_USERNS_JOIN;
  }
  if (type && user_path) /* the kubelet's (hostUsers: false): the checks judge it */
    return SHIM_USERNS_NONE;
  if (type)
    return error_set(err, SHIM_ERR_REJECTED, "/linux/namespaces",
                     "its pod sandbox is in no user namespace of the pool: %s",
                     *why ? why : "it joins no sandbox's namespaces by /proc path");
  if (user_path)
    return error_set(err, SHIM_ERR_REJECTED, "/linux/namespaces",
                     "the joined user namespace %s may not be used: %s", user_path,
                     *why ? why : "no host facts say what it is");
  /* A new user namespace owns none of the namespaces the container joins:
   * runc would join them, then fail to mount its /proc, /dev/mqueue or
   * rootfs there (EPERM).  The network namespace alone works: the host's
   * /sys stands in for the sysfs its owner would mount. */
  size_t at = 0;
  jv_foreach(jv_get(jv_get(spec->tree.nodes, "linux"), "namespaces"), ns) {
    const char *ns_type = jv_str(jv_get(ns, "type"));
    const char *path = jv_str(jv_get(ns, "path"));
    if (path && *path && ns_type && strcmp(ns_type, "network") != 0) {
      char ptr[64];
      snprintf(ptr, sizeof ptr, "/linux/namespaces/%zu", at);
      return error_set(err, SHIM_ERR_REJECTED, ptr,
                       "joins the %s namespace %s, which no user namespace of the pool "
                       "owns: a container in a user namespace of its own cannot use it",
                       ns_type, path);
    }
    at++;
  }
  return SHIM_USERNS_NEW;
}

const char *userns_joined_netns(const struct jnode *root) {
  jv_foreach(jv_get(jv_get(root, "linux"), "namespaces"), ns) {
    const char *type = jv_str(jv_get(ns, "type"));
    const char *path = jv_str(jv_get(ns, "path"));
    if (type && strcmp(type, "network") == 0 && path && *path)
      return path;
  }
  return NULL;
}

bool sysctl_is_net(const char *key) {
  return strncmp(key, "net.", 4) == 0 || strncmp(key, "net/", 4) == 0;
}

int shim_userns_net_sysctl(const shim_spec *spec, size_t i, const char **netns,
                           const char **key, const char **value) {
  const char *path = spec ? userns_joined_netns(spec->tree.nodes) : NULL;
  size_t k = 0;
  jv_foreach(path ? jv_get(jv_get(spec->tree.nodes, "linux"), "sysctl") : NULL, v) {
    if (!sysctl_is_net(v->key) || k++ != i)
      continue;
    *netns = path;
    *key = v->key;
    *value = jv_str(v) ? jv_str(v) : "";
    return 1;
  }
  return 0;
}
