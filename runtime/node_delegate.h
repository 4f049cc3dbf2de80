/* What the delegate runtime can do, learnt from it once per binary and
 * told to libshim (which never runs it). */
#ifndef SHIM_NODE_DELEGATE_H
#define SHIM_NODE_DELEGATE_H

#include <shim/shim.h>

/* For a Kubernetes pod's spec (CRI annotations; other specs need nothing):
 * tells policy the delegate's version and features
 * (shim_policy_set_delegate).  They come from STATE/delegate while it
 * describes the same binary (device, inode, size, change times), else
 * from `DELEGATE --version`, whose answer is then cached there: one run
 * per runc installed, none per create.  A delegate that does not answer
 * as runc does is named "unknown" and can do nothing more than runc 1.1.
 * Returns 0, or -1 with err filled when the policy refuses the answer. */
int node_delegate_tell(shim_policy *policy, const shim_spec *spec, const char *state_dir,
                       const char *delegate, shim_error *err);

/* The bundle of container id as the delegate recorded it in its state
 * directory root (runc's ROOT/ID/state.json: the last "bundle=PATH" label
 * of its config, which `runc state` reports): without running the delegate,
 * whose Go start-up costs a few milliseconds (runc 1.3).  0, or -1 when
 * the file is not there or not runc's (the caller asks `DELEGATE state`
 * then). */
int node_delegate_bundle(const char *root, const char *id, char *out, size_t size);

#endif
