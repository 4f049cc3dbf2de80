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

/* Probes the user namespace at path: that it is one (nsfs, NS_GET_NSTYPE),
 * which (its inode), and its uid_map and gid_map, read from a child that
 * entered it.  Always fills *out; out->verified says whether it is one. */
void node_userns_facts(const char *path, shim_userns_facts *out);

/* Gives spec the facts its checks need: the user namespace it joins by
 * path, if any (shim_userns_joined_path: a pod's delegate must be known
 * first, node_delegate_tell) (also in *joined unless NULL; all zero for none), and then
 * the kubelet's ids for pods from /etc/subuid and /etc/subgid, when the
 * policy names none.  Returns 0, or a negative shim_errc with err filled
 * when the node's answer must stop the caller (the kubelet's ids overlap
 * the pool; subuid and subgid disagree). */
int node_facts_fill(shim_policy *policy, shim_spec *spec, shim_userns_facts *joined,
                    shim_error *err);

#endif
