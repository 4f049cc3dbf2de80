/*
 * The metadata-server control's judgement: which addresses are CIDRs, the
 * createRuntime hook hardening adds (the runtime's executable, "hook
 * network", the addresses) and recognising exactly that hook.  The runtime
 * serves the hook (runtime/node_netblock.c).
 */
#include "config.h"
#include "internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

bool cidr_is_valid(const char *cidr) {
  char addr[INET6_ADDRSTRLEN + 8];
  unsigned char buf[sizeof(struct in6_addr)];
  const char *slash = strchr(cidr, '/');
  if (!slash || (size_t)(slash - cidr) >= sizeof addr)
    return false;
  memcpy(addr, cidr, (size_t)(slash - cidr));
  addr[slash - cidr] = '\0';
  char *end;
  long bits = strtol(slash + 1, &end, 10);
  if (*end || end == slash + 1)
    return false;
  if (inet_pton(AF_INET, addr, buf) == 1)
    return bits >= 0 && bits <= 32;
  return inet_pton(AF_INET6, addr, buf) == 1 && bits >= 0 && bits <= 128;
}

/* The hook's command line: the runtime, "hook network", then the
 * addresses, visible in the spec for anyone auditing it. */
struct jnode *metadata_hook(const shim_policy *policy, struct jtree *t) {
  struct jnode *hook = jt_object(t), *args = jt_array(t);
  jt_set(t, hook, "path", jt_string(t, policy->runtime));
  jt_set(t, hook, "args", args);
  jt_append(args, jt_string(t, policy->runtime));
  jt_append(args, jt_string(t, "hook"));
  jt_append(args, jt_string(t, "network"));
  for (size_t i = 0; i < policy->metadata.count; i++)
    jt_append(args, jt_string(t, policy->metadata.items[i]));
  return t->failed ? NULL : hook;
}

bool is_metadata_hook(const shim_policy *policy, const struct jnode *hook) {
  /* Exactly: the runtime with other arguments could be told to do
   * anything (run a delegate of the spec's choosing). */
  const char *path = jv_str(jv_get(hook, "path"));
  const struct jnode *args = jv_get(hook, "args");
  if (!policy->runtime || !path || strcmp(path, policy->runtime) != 0 ||
      jv_get(hook, "env") || jv_get(hook, "timeout") ||
      jv_count(args) != 3 + policy->metadata.count)
    return false;
  size_t i = 0;
  jv_foreach(args, a) {
    const char *want = i == 0 ? policy->runtime
                       : i == 1 ? "hook"
                       : i == 2 ? "network"
                                : policy->metadata.items[i - 3];
    if (strcmp(jv_str(a), want) != 0)
      return false;
    i++;
  }
  return true;
}
