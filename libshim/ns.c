/* The namespace types a spec names, and what each means for a pod.  Which
 * namespace a path names on the host is a host fact (facts.c): the caller
 * finds it. */
#include "config.h"
#include "internal.h"

#include <sched.h>
#include <string.h>

const struct ns_kind ns_kinds[NS_KINDS] = {
    {"network", "net", CLONE_NEWNET, true, "hostNetwork: true"},
    {"uts", "uts", CLONE_NEWUTS, true, "hostNetwork: true"},
    {"pid", "pid", CLONE_NEWPID, true, "hostPID: true"},
    {"ipc", "ipc", CLONE_NEWIPC, true, "hostIPC: true"},
    {"mount", "mnt", CLONE_NEWNS, true, NULL},
    {"cgroup", "cgroup", CLONE_NEWCGROUP, false, NULL},
    {"user", "user", CLONE_NEWUSER, false, NULL},
    {"time", "time", CLONE_NEWTIME, false, NULL},
};

const struct ns_kind *ns_kind_find(const char *type) {
  for (size_t k = 0; type && k < NS_KINDS; k++)
    if (strcmp(ns_kinds[k].type, type) == 0)
      return &ns_kinds[k];
  return NULL;
}
