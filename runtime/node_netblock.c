/*
 * The network side of the sandbox: inside a container's network namespace,
 * loopback up and the cloud metadata addresses unreachable at once (a
 * "prohibit" route answers connect() with EACCES, no timeout).  The
 * container holds no CAP_NET_ADMIN over its namespace, so it cannot take
 * the routes away.
 */
#include "config.h"
#include "node_netblock.h"
#include "internal.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void cleanup_sockp(struct nl_sock **sk) {
  if (*sk)
    nl_socket_free(*sk);
}

static int nl_fail(shim_error *err, int nlerr, const char *what, const char *arg) {
  return error_set(err, SHIM_ERR_HOST, NULL, "%s%s%s: %s", what, arg ? " " : "",
                   arg ? arg : "", nl_geterror(nlerr));
}

static int loopback_up(struct nl_sock *sk, shim_error *err) {
  struct rtnl_link *lo = NULL, *change = NULL;
  int ret = rtnl_link_get_kernel(sk, 0, "lo", &lo);
  if (ret < 0)
    return nl_fail(err, ret, "cannot find", "lo");
  if (!(rtnl_link_get_flags(lo) & IFF_UP)) {
    change = rtnl_link_alloc();
    if (!change) {
      rtnl_link_put(lo);
      return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
    }
    rtnl_link_set_flags(change, IFF_UP);
    ret = rtnl_link_change(sk, lo, change, 0);
    rtnl_link_put(change);
  }
  rtnl_link_put(lo);
  return ret < 0 ? nl_fail(err, ret, "cannot bring up", "lo") : 0;
}

static bool ipv6_available(void) {
  /* Read in the caller's network namespace: /proc/self/net is per task. */
  return access("/proc/self/net/if_inet6", F_OK) == 0;
}

static int prohibit(struct nl_sock *sk, const char *cidr, shim_error *err) {
  struct nl_addr *dst = NULL;
  int ret = nl_addr_parse(cidr, AF_UNSPEC, &dst);
  if (ret < 0)
    return nl_fail(err, ret, "bad address", cidr);
  if (nl_addr_get_family(dst) == AF_INET6 && !ipv6_available()) {
    nl_addr_put(dst); /* no IPv6 in this namespace: nothing to reach */
    return 0;
  }
  struct rtnl_route *route = rtnl_route_alloc();
  if (!route) {
    nl_addr_put(dst);
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  rtnl_route_set_family(route, (uint8_t)nl_addr_get_family(dst));
  rtnl_route_set_dst(route, dst);
  rtnl_route_set_table(route, RT_TABLE_MAIN);
  rtnl_route_set_type(route, RTN_PROHIBIT);
  rtnl_route_set_protocol(route, RTPROT_STATIC);
  ret = rtnl_route_add(sk, route, NLM_F_EXCL);
  rtnl_route_put(route);
  nl_addr_put(dst);
  /* Already there (a pod's second container, a retried create): fine. */
  if (ret < 0 && ret != -NLE_EXIST)
    return nl_fail(err, ret, "cannot add a prohibit route for", cidr);
  return 0;
}

int node_net_block(const char *const *cidrs, size_t n, shim_error *err) {
  if (n && !cidrs)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no addresses");
  _cleanup_(cleanup_sockp) struct nl_sock *sk = nl_socket_alloc();
  if (!sk)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  int ret = nl_connect(sk, NETLINK_ROUTE);
  if (ret < 0)
    return nl_fail(err, ret, "netlink", NULL);
  if ((ret = loopback_up(sk, err)) < 0)
    return ret;
  for (size_t i = 0; i < n; i++) {
    if (!cidr_is_valid(cidrs[i]))
      return error_set(err, SHIM_ERR_INVAL, NULL, "bad address %s", cidrs[i]);
    if ((ret = prohibit(sk, cidrs[i], err)) < 0)
      return ret;
  }
  return 0;
}
