/*
 * `shimctl node check`: proof, on a node, that containerd runs shimrun for
 * a runtime class, found the way the kubelet would find out: a canary pod
 * sandbox through containerd's CRI socket.
 *
 *   config     containerd's merged config has the class, with a BinaryName
 *              that is there and executable in the node's root
 *   cri        containerd answers on the CRI socket
 *   canary     RunPodSandbox of a tiny pod with that runtime handler
 *   shimrun    shimrun's audit log has the sandbox's create, by its id:
 *              without it, containerd ran something else (BinaryName
 *              ignored, a drop-in not loaded, another runtime's handler)
 *   hardened   the sandbox's process runs with a seccomp filter, no new
 *              privileges, in a user namespace where the policy gives one,
 *              with the metadata block where the policy asks for one
 * The canary is stopped and removed whatever the outcome.  One line per
 * check on out: "ok <check>: ..." or "FAIL <check>: <cause>".
 */
#ifndef SHIM_NODE_CHECK_H
#define SHIM_NODE_CHECK_H

#include <shim/shim.h>
#include <stdio.h>

struct node_check_opts {
  const char *root;         /* the node's root, "/" or where it is mounted */
  const char *address;      /* containerd's CRI socket, as this process sees it;
                               NULL: where its config (or k3s, rke2) puts it */
  const char *runtime_name; /* the runtime handler, "shim" */
  const char *config;       /* containerd's config file; NULL: as it finds it */
  const char *audit_log;    /* shimrun's, in the root; NULL: its settings' */
  int timeout_ms;           /* per CRI call */
};

/* 0 when every check passed, else -SHIM_ERR_* with the first failure's
 * cause in err. */
int node_check(const struct node_check_opts *o, FILE *out, shim_error *err);

#endif
