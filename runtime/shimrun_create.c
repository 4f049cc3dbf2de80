/*
 * create and run: read the bundle's config.json, check it, harden it, write
 * the hardened spec in its place, then let the delegate run exactly that.
 *
 * The rewrite is atomic (temporary file and rename(2)) and done under an
 * exclusive lock on the bundle directory, so that a retried or concurrent
 * create sees either the original or the hardened spec, never half a file;
 * hardening is idempotent, so both give the same result.  The original is
 * kept beside it as config.json.orig for debugging.
 *
 * With the user-namespace control enforced, the container also gets its
 * user namespace here: a range of host ids claimed from the pool (or its
 * pod's, joined), and a rootfs idmapped to it, so that runc sees an
 * ordinary rootfs path and plain uid/gid mappings.  Whatever was claimed
 * or mounted is given back if the create fails before runc runs; after
 * that, delete (shimrun_delete.c) or the pool's reclaiming does it, and for
 * run, shimrun itself once runc has returned and the container is gone.
 */
#include "config.h"
#include "shimrun.h"
#include "node_delegate.h"
#include "node_facts.h"
#include "node_netns.h"
#include "node_pods.h"
#include "node_pool.h"
#include "node_idmap.h"
#include "node_seccomp.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* config.json read, loaded strictly and given the node's facts; -1 with
 * why set (for the error and the audit record alike) when it cannot be. */
static int load_spec(const struct shimrun *s, shim_policy *policy, int dirfd,
                     const char *bundle, char **data, size_t *len, shim_spec **spec,
                     shim_fact *joined, char *why, size_t why_size) {
  shim_error err;
  if (read_regular_at(dirfd, "config.json", data, len) < 0)
    snprintf(why, why_size, "%s/config.json: %s", bundle,
             errno == EINVAL ? "not a regular file"
             : errno == EFBIG ? "larger than the 4 MiB limit"
             : errno == EIO   ? "changed or unreadable while read"
                              : strerror(errno));
  else if (shim_spec_load_data(*data, *len, spec, &err) < 0)
    snprintf(why, why_size, "%s/config.json: %s%s%s", bundle, err.pointer,
             *err.pointer ? ": " : "", err.message);
  else if (node_delegate_tell(policy, *spec, s->state_dir, s->delegate, &err) < 0 ||
           node_facts_fill(policy, *spec, joined, &err) < 0)
    snprintf(why, why_size, "%s%s%s", err.pointer, *err.pointer ? ": " : "", err.message);
  else
    return 0;
  return -1;
}

/* What a create holds once its spec is hardened and admitted, for the
 * steps that make the node ready for the delegate. */
struct create {
  const struct shimrun *s;
  const shim_policy *policy;
  const char *bundle, *id;
  int dirfd;             /* the bundle, locked */
  const char *data;      /* config.json as read */
  size_t len;
  const char *hardened;  /* what replaces it */
  const shim_spec *spec; /* the checked spec (root.path and mounts as hardened) */
  const shim_userns *claimed;
  char rootfs[PATH_MAX]; /* root.path resolved */
  int host_ns;           /* the host's mount namespace, once binds are idmapped */
  char why[1024];        /* what a failed step reports */
};

/* Each step returns 0, or -1 with c->why set. */
__attribute__((format(printf, 2, 3))) static int step_fail(struct create *c,
                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
  return -1;
}

/* The filter a spec in the seccomp loader's form loads: in the node's
 * cache before runc binds it (compiled now if it is not there). */
static int cache_filter(struct create *c) {
  shim_spec *hardened = NULL;
  shim_error err;
  const char *profile = NULL;
  char *filter = NULL;
  int ret = shim_spec_load_data(c->hardened, strlen(c->hardened), &hardened, &err);
  if (ret == 0)
    ret = shim_spec_seccomp_filter(c->policy, hardened, &profile, &filter, &err);
  if (ret == 1)
    ret = node_seccomp_filter(c->policy, profile, filter, &err);
  free(filter);
  shim_spec_free(hardened);
  if (ret < 0)
    return step_fail(c, "%s: the container's seccomp filter: %s", c->bundle, err.message);
  return 0;
}

static int write_hardened(struct create *c) {
  /* Already hardened (a retried create): nothing to write. */
  if (strlen(c->hardened) == c->len && memcmp(c->hardened, c->data, c->len) == 0)
    return 0;
  if (atomic_write_at(c->dirfd, "config.json.orig", c->data, c->len) < 0 ||
      atomic_write_at(c->dirfd, "config.json", c->hardened, strlen(c->hardened)) < 0)
    return step_fail(c, "%s: cannot write the hardened config.json: %s", c->bundle,
                     strerror(errno));
  return 0;
}

/* The spec's root.path as an absolute, resolved path (hardening leaves
 * root.path as it was, so the checked spec's is the hardened one's: no
 * need to parse the hardened text again). */
static int find_rootfs(struct create *c) {
  const char *path = shim_spec_root_path(c->spec);
  char joined[PATH_MAX * 2];
  bool relative = !path || path[0] != '/';
  snprintf(joined, sizeof joined, "%s%s%s", relative ? c->bundle : "",
           relative ? "/" : "", path ? path : "");
  if (!path || !realpath(joined, c->rootfs))
    return step_fail(c, "%s: the spec's root.path cannot be resolved", c->bundle);
  return 0;
}

/* The rootfs idmapped to the claimed range, where runc will look for it,
 * and the bundle opened for runc, which mounts it from inside the user
 * namespace, as the container's root. */
static int idmap_rootfs(struct create *c) {
  struct node_pool pool = shimrun_pool(c->s);
  shim_error err;
  if (node_pool_mount_rootfs(&pool, c->id, c->bundle, c->rootfs, &err) < 0)
    return step_fail(c, "cannot give the container its user namespace: %s",
                     err.message);
  return 0;
}

/* The binds idmapped in a mount namespace of this process's own, from
 * which the delegate is exec'd (node_idmap_binds); those whose file
 * system refuses keep their host ids, which the user is told. */
static int idmap_binds(struct create *c) {
  size_t left = 0;
  shim_error err;
  if (node_idmap_binds(c->spec, c->claimed, &left, &c->host_ns, &err) < 0)
    return step_fail(c, "cannot give the container's bind mounts its ids: %s",
                     err.message);
  if (left)
    shimrun_warn(c->s, "shimrun: warning: %zu bind mount(s) keep their host ids: "
                       "their file system cannot be idmapped", left);
  return 0;
}

static int set_sysctls(struct create *c) {
  return node_netns_sysctls(c->spec, c->why, sizeof c->why);
}

/* The steps between an admitted spec and the delegate, in order; all but
 * the first only for a container given a claimed user namespace. */
static const struct create_step {
  bool userns_only;
  int (*run)(struct create *c);
  const char *name; /* its fault point, once done */
} create_steps[] = {
    {false, cache_filter, "filter"}, {false, write_hardened, "write"},
    {true, find_rootfs, "rootfs"},   {true, idmap_rootfs, "mount"},
    {true, idmap_binds, "binds"},    {true, set_sysctls, "sysctls"},
};

/* Claims the container's user namespace (plan: shim_userns_plan's), and
 * hardens with it.  claimed->size is 0 unless there is a claim to give
 * back. */
static int harden_in_userns(const struct shimrun *s, const shim_policy *policy,
                            const shim_spec *spec, const char *id, char **hardened,
                            shim_report **report, shim_userns *claimed,
                            shim_error *err) {
  shim_userns userns;
  int plan = shim_userns_plan(policy, spec, &userns, err);
  if (plan == -SHIM_ERR_REJECTED) {
    /* The checks refuse it too (user-namespace): their report, with the
     * finding, is the audit record's; the plan's refusal stands. */
    shim_error e;
    if (shim_harden(policy, spec, hardened, report, &e) == 0) {
      free(*hardened);
      *hardened = NULL;
    }
    return plan;
  }
  if (plan < 0 || plan == SHIM_USERNS_NONE)
    return plan < 0 ? plan : shim_harden(policy, spec, hardened, report, err);
  if (!id) {
    snprintf(err->message, sizeof err->message, "no container id");
    err->pointer[0] = '\0';
    return -SHIM_ERR_INVAL;
  }
  struct node_pool pool = shimrun_pool(s);
  int ret = node_pool_claim(&pool, policy, id, &userns, err);
  if (ret < 0)
    return ret;
  shimrun_fault("claim");
  *claimed = userns;
  return shim_harden_userns(policy, spec, &userns, hardened, report, err);
}

int shimrun_create(struct shimrun *s, int argc, char **argv) {
  const char *bundle_arg, *id;
  shimrun_scan_create(argc, argv, &bundle_arg, &id);
  char bundle[PATH_MAX];
  if (!realpath(bundle_arg, bundle))
    return shimrun_fail(s, "shimrun: bundle %s: %s", bundle_arg, strerror(errno));
  shim_audit_event event = {.command = argv[0], .id = id, .bundle = bundle};

  shim_policy *policy = NULL;
  if (shimrun_load_policy(s, &policy) != 0)
    return 1;
  int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
    int rc = shimrun_fail(s, "shimrun: bundle %s: %s", bundle, strerror(errno));
    shim_policy_free(policy);
    return rc;
  }
  shimrun_fault("lock");
  char *data = NULL, *hardened = NULL;
  size_t len = 0;
  shim_spec *spec = NULL;
  shim_report *report = NULL;
  shim_error err;
  shim_fact joined;
  char why[1024];
  int rc = load_spec(s, policy, dirfd, bundle, &data, &len, &spec, &joined, why, sizeof why);
  shimrun_fault("read");
  shim_userns claimed = {0};
  int admit = -1; /* node_pods_admit's, once hardening passed */
  int host_ns = -1; /* the host's mount namespace, once binds are idmapped */
  int hret = rc == 0 ? harden_in_userns(s, policy, spec, id, &hardened, &report,
                                        &claimed, &err)
                     : 0;
  shimrun_fault("check");
  if (rc != 0) {
    event.decision = "error";
    event.error = why;
    rc = shimrun_fail(s, "shimrun: %s", why);
  } else if (hret == -SHIM_ERR_REJECTED) {
    char msg[4096];
    if (report && shim_report_verdict(report) == SHIM_VERDICT_REJECT)
      shimrun_rejection_text(report, msg, sizeof msg);
    else /* shim_userns_plan's: the namespaces lead nowhere safe */
      snprintf(msg, sizeof msg, "shimrun: rejected: %s [user-namespace]", err.message);
    event.decision = "rejected";
    rc = shimrun_fail(s, "%s", msg);
  } else if (hret < 0) {
    event.decision = "error";
    event.error = err.message;
    rc = shimrun_fail(s, "shimrun: %s/config.json: cannot harden: %s%s%s", bundle,
                      err.pointer, *err.pointer ? ": " : "", err.message);
  } else if ((admit = node_pods_admit(s->state_dir, spec, &joined, &claimed, why,
                                         sizeof why)) != 0) {
    event.decision = admit > 0 ? "rejected" : "error";
    event.error = why;
    rc = admit > 0 ? shimrun_fail(s, "shimrun: rejected: %s [user-namespace]", why)
                   : shimrun_fail(s, "shimrun: %s", why);
  } else {
    event.decision = "hardened";
    struct create c = {.s = s, .policy = policy, .bundle = bundle, .id = id, .dirfd = dirfd,
                       .data = data, .len = len, .hardened = hardened,
                       .spec = spec, .claimed = &claimed, .host_ns = -1};
    for (const struct create_step *st = create_steps;
         rc == 0 && st < create_steps + sizeof create_steps / sizeof create_steps[0]; st++)
      if ((!st->userns_only || claimed.size) && st->run(&c) < 0) {
        event.decision = "error";
        event.error = why;
        snprintf(why, sizeof why, "%s", c.why);
        rc = shimrun_fail(s, "shimrun: %s", why);
      } else {
        shimrun_fault(st->name);
      }
    host_ns = c.host_ns;
  }
  /* Recorded before the delegate runs: a record of every decision, even if
   * the delegate then fails for reasons of its own. */
  if (shimrun_audit(s, policy, spec, report, &event) != 0)
    rc = 1;
  shimrun_fault("audit");
  /* A refused create leaves no range and no mount behind: released from
   * the host's mount namespace, where the rootfs was idmapped (the binds
   * were idmapped in one of this process's own). */
  if (rc != 0 && claimed.size)
    shimrun_release(s, id, host_ns);
  else if (rc != 0 && admit == 0 && id)
    node_pods_release(s->state_dir, id);
  free(data);
  free(hardened);
  shim_report_free(report);
  shim_spec_free(spec);
  shim_policy_free(policy);
  /* run: runc deletes the container when its process exits, and no
   * delete follows to give back what was claimed for it; a create that
   * runc fails leaves no container to delete either: we wait for runc,
   * and give it back when its container is not there. */
  bool release = rc == 0 && id && (claimed.size || node_pods_held(s->state_dir, id));
  /* The lock orders shimruns rewriting this bundle: whatever a later one
   * writes is byte for byte what runc is about to read (hardening is
   * idempotent).  A create that may give back what it claimed holds it
   * until runc's create has ended, so that a concurrent create of the same
   * container, which shares the claim, finds runc's container there and
   * gives back nothing of it. */
  if (!release || strcmp(argv[0], "create") != 0) {
    close(dirfd);
    dirfd = -1;
  }
  if (rc == 0) {
    for (int i = 0; i < argc; i++)
      shimrun_push(s, argv[i]);
    rc = release ? shimrun_delegate_then_release(s, id, host_ns) : shimrun_exec_delegate(s);
  }
  if (dirfd >= 0)
    close(dirfd);
  if (host_ns >= 0)
    close(host_ns);
  return rc;
}
