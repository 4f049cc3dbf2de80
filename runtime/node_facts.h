/* The host facts libshim's checks need, found on this node (libshim never
 * looks at the host itself): shared by shimrun and shimctl. */
#ifndef SHIM_NODE_FACTS_H
#define SHIM_NODE_FACTS_H

#include <shim/shim.h>
#include <stddef.h>

/* Opens the namespace at path for reading (setns, ioctls) when it is one
 * of type clone_flag (CLONE_NEWUSER, ...), never anything else: an fd, or
 * -1 with why[] saying what path is instead ("... is not a KIND
 * namespace").  why[] must start empty. */
int node_ns_open(const char *path, int clone_flag, const char *kind, char *why,
                 size_t why_size);

/* Answers every question libshim's checks ask about spec on this node
 * (shim_spec_questions: the namespaces it joins by path, its bind sources,
 * device nodes and hook programs) and gives spec the answers; a pod's
 * delegate must be known first (node_delegate_tell).  The answer about
 * the user namespace the spec joins (shim_userns_joined_path) also goes to
 * *joined unless NULL (all zero for none; its strings NULL).  Then the
 * kubelet's ids for pods from /etc/subuid and /etc/subgid, when the
 * policy names none.  Returns 0, or a negative shim_errc with err filled
 * when the node's answer must stop the caller (the kubelet's ids overlap
 * the pool; subuid and subgid disagree). */
int node_facts_fill(shim_policy *policy, shim_spec *spec, shim_fact *joined,
                    shim_error *err);

/* Tells the policy this node's kernel release (uname), for seccomp
 * profiles' minKernel. */
int node_kernel_tell(shim_policy *policy, shim_error *err);

#endif
