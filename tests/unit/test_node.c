/*
 * The node library's own tests, on this host as root: the host facts it
 * answers libshim's questions with (namespaces of children of the test's
 * own, a link, a socket, a device node, a hook program, a FIFO), and the
 * metadata block in a network namespace of the test's own.  Without root
 * (unshare, mknod) the program skips, saying so; libshim's unit tests
 * (test_shim) need no privilege.
 */
#include "config.h"
#include "test.h"
#include "node_facts.h"
#include "node_netblock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the metadata block ---------------------------------------------------- */

static const char *const addresses[] = {"169.254.169.254/32", "fd00:ec2::254/128"};

/* In a fresh network namespace: block, then what does connect() say?
 * The child's verdict comes back through a pipe, not its exit status,
 * which valgrind replaces when the child leaves memory behind. */
static char child_verdict(void) {
  shim_error err;
  if (unshare(CLONE_NEWNET) < 0)
    return 'u';
  if (node_net_block(addresses, ARRAY_SIZE(addresses), &err) < 0)
    return 'b';
  /* Twice: a pod's second container, a retried create. */
  if (node_net_block(addresses, ARRAY_SIZE(addresses), &err) < 0)
    return '2';
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
  inet_pton(AF_INET, "169.254.169.254", &sin.sin_addr);
  if (connect(s, (struct sockaddr *)&sin, sizeof sin) == 0 || errno != EACCES)
    return 'c';
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP))
    return 'l';
  return 'y';
}

static void test_block(void) {
  int fds[2];
  CU_ASSERT_FATAL(pipe(fds) == 0);
  pid_t child = fork();
  if (child == 0) {
    char v = child_verdict();
    _exit(write(fds[1], &v, 1) == 1 ? 0 : 1);
  }
  close(fds[1]);
  char v = '?';
  if (read(fds[0], &v, 1) != 1)
    v = '?';
  close(fds[0]);
  CU_ASSERT_FATAL(child > 0 && waitpid(child, NULL, 0) == child);
  if (v != 'y')
    fprintf(stderr, "\n  child: step '%c' failed\n", v);
  CU_ASSERT_EQUAL(v, 'y');
  shim_error err;
  const char *bad[] = {"169.254.169.254"};
  CU_ASSERT_EQUAL(node_net_block(bad, 1, &err), -SHIM_ERR_INVAL);
}

/* ---- host facts ------------------------------------------------------------- */

/* A child in namespaces of its own (unshare flags) until killed; with a
 * user namespace, its maps are "0 165536 65536", written from here. */
static pid_t ns_child(int flags) {
  int fds[2];
  CU_ASSERT_FATAL(pipe(fds) == 0);
  pid_t child = fork();
  CU_ASSERT_FATAL(child >= 0);
  if (child == 0) {
    char ok = unshare(flags) == 0 ? 'y' : 'n';
    if (write(fds[1], &ok, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  char ok = 0;
  CU_ASSERT_FATAL(read(fds[0], &ok, 1) == 1 && ok == 'y');
  close(fds[0]);
  close(fds[1]);
  static const char *const maps[] = {"uid_map", "gid_map"};
  for (size_t i = 0; (flags & CLONE_NEWUSER) && i < ARRAY_SIZE(maps); i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)child, maps[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    CU_ASSERT_FATAL(fd >= 0 && write(fd, "0 165536 65536\n", 15) == 15);
    close(fd);
  }
  return child;
}

static void ns_child_end(pid_t child) {
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
}

/* The answer spec's facts hold about path (of kind; ns_type for
 * namespaces), failing the test when there is none. */
static const shim_fact *fact(const shim_spec *spec, shim_fact_kind kind, const char *path,
                             int ns_type) {
  const shim_fact *f = spec_fact(spec, kind, path, ns_type);
  if (!f)
    fprintf(stderr, "\n  no fact about %s\n", path);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT(f->answered);
  return f;
}

/* Every kind of question, answered from this host. */
static void test_facts(void) {
  pid_t pod = ns_child(CLONE_NEWNET | CLONE_NEWUSER);
  char dir[] = "/tmp/shim-node-XXXXXX", link[64], sock[64], hook[64], fifo[64], dev[64];
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  snprintf(link, sizeof link, "%s/link", dir);
  snprintf(sock, sizeof sock, "%s/api.sock", dir);
  snprintf(hook, sizeof hook, "%s/gpu-hook", dir);
  snprintf(fifo, sizeof fifo, "%s/fifo-hook", dir);
  snprintf(dev, sizeof dev, "/dev/shimtest-%d", (int)getpid());
  CU_ASSERT_FATAL(symlink("/etc", link) == 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
  int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
  CU_ASSERT_FATAL(sfd >= 0 && bind(sfd, (struct sockaddr *)&sa, sizeof sa) == 0);
  FILE *h = fopen(hook, "w");
  CU_ASSERT_FATAL(h && fputs("#!/bin/sh\nexit 0\n", h) >= 0 && fclose(h) == 0);
  CU_ASSERT_FATAL(chmod(hook, 0755) == 0 && mkfifo(fifo, 0755) == 0);
  unlink(dev);
  CU_ASSERT_FATAL(mknod(dev, S_IFCHR | 0600, makedev(240, 7)) == 0);
  /* A mount with flags a user namespace locks, in a mount namespace of
   * this test's own. */
  char locked[64];
  snprintf(locked, sizeof locked, "%s/locked", dir);
  CU_ASSERT_FATAL(mkdir(locked, 0755) == 0 && unshare(CLONE_NEWNS) == 0 &&
                  mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0 &&
                  mount("tmpfs", locked, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        NULL) == 0);

  char doc[4096], policy_doc[1024];
  snprintf(doc, sizeof doc,
           "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
           "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
           "\"mounts\":["
           "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\"]},"
           "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\"]},"
           "{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"%s/none\",\"options\":[\"rbind\"]},"
           "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"%s\",\"options\":[\"rbind\"]}],"
           "\"hooks\":{\"createContainer\":[{\"path\":\"%s\",\"args\":[\"h\"]},"
           "{\"path\":\"%s\",\"args\":[\"h\"]},{\"path\":\"/bin/true\"}]},"
           "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/%d/ns/net\"},"
           "{\"type\":\"user\",\"path\":\"/proc/%d/ns/user\"},"
           "{\"type\":\"ipc\",\"path\":\"/proc/self/ns/ipc\"},"
           "{\"type\":\"uts\",\"path\":\"/proc/self/ns/net\"},"
           "{\"type\":\"pid\",\"path\":\"%s\"},{\"type\":\"mount\"}],"
           "\"devices\":[{\"path\":\"%s\",\"type\":\"c\",\"major\":240,\"minor\":7}]}}",
           link, sock, dir, locked, hook, fifo, (int)pod, (int)pod, dev, dev);
  snprintf(policy_doc, sizeof policy_doc,
           "{\"version\":1,\"controls\":{\"hooks\":{\"allowed\":["
           "{\"path\":\"%s\",\"stages\":[\"createContainer\"],\"args\":[[\"h\"]]},"
           "{\"path\":\"%s\",\"stages\":[\"createContainer\"],\"args\":[[\"h\"]]}]}}}",
           hook, fifo);
  shim_policy *policy = NULL;
  shim_spec *spec = NULL;
  shim_error err;
  CU_ASSERT_FATAL(shim_policy_load_data(policy_doc, strlen(policy_doc), &policy, &err) == 0);
  CU_ASSERT_FATAL(shim_spec_load_data(doc, strlen(doc), &spec, &err) == 0);
  shim_fact joined;
  CU_ASSERT_FATAL(node_facts_fill(policy, spec, &joined, &err) == 0);

  char path[64];
  /* Namespaces: the child's, the host's own, a device, another type. */
  snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pod);
  const shim_fact *f = fact(spec, SHIM_FACT_NAMESPACE, path, CLONE_NEWNET);
  CU_ASSERT(f->ns_found && f->host == 0 && f->ns_id != 0 && !f->error);
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pod);
  f = fact(spec, SHIM_FACT_NAMESPACE, path, CLONE_NEWUSER);
  CU_ASSERT(f->ns_found && f->host == 0 && f->maps_read && f->uid_ranges == 1 &&
            f->gid_ranges == 1 && f->uid.container_id == 0 && f->uid.host_id == 165536 &&
            f->uid.size == 65536 && f->gid.host_id == 165536);
  CU_ASSERT(joined.answered && joined.maps_read && joined.uid.host_id == 165536 &&
            joined.ns_id == f->ns_id && !joined.path);
  f = fact(spec, SHIM_FACT_NAMESPACE, "/proc/self/ns/ipc", CLONE_NEWIPC);
  CU_ASSERT(f->ns_found && f->host == 1);
  f = fact(spec, SHIM_FACT_NAMESPACE, "/proc/self/ns/net", CLONE_NEWUTS);
  CU_ASSERT(!f->ns_found && !f->error);
  f = fact(spec, SHIM_FACT_NAMESPACE, dev, CLONE_NEWPID);
  CU_ASSERT(!f->ns_found && !f->error);
  /* Bind sources: a link resolved, a socket, nothing, a mount's flags. */
  f = fact(spec, SHIM_FACT_FILE, link, 0);
  CU_ASSERT(f->link && f->resolved && strcmp(f->resolved, "/etc") == 0 && S_ISDIR(f->mode));
  f = fact(spec, SHIM_FACT_FILE, sock, 0);
  CU_ASSERT(!f->link && S_ISSOCK(f->mode) && strcmp(f->resolved, sock) == 0);
  snprintf(path, sizeof path, "%s/none", dir);
  CU_ASSERT_EQUAL(fact(spec, SHIM_FACT_FILE, path, 0)->error, ENOENT);
  f = fact(spec, SHIM_FACT_FILE, locked, 0);
  CU_ASSERT((f->mount_flags & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
            (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC));
  /* The device node. */
  f = fact(spec, SHIM_FACT_FILE, dev, 0);
  CU_ASSERT(S_ISCHR(f->mode) && f->major == 240 && f->minor == 7 && !f->link);
  /* Hook programs the policy lists: root's file and its digest; a FIFO is
   * looked at, never opened (it would block); one not listed, not asked. */
  char want[65];
  sha256_hex("#!/bin/sh\nexit 0\n", 17, want);
  f = fact(spec, SHIM_FACT_PROGRAM, hook, 0);
  CU_ASSERT(S_ISREG(f->mode) && f->owner == 0 && strcmp(f->sha256, want) == 0);
  f = fact(spec, SHIM_FACT_PROGRAM, fifo, 0);
  CU_ASSERT(S_ISFIFO(f->mode) && !*f->sha256);
  CU_ASSERT_PTR_NULL(spec_fact(spec, SHIM_FACT_PROGRAM, "/bin/true", 0));

  /* And libshim judges by them: the host's ipc namespace, the link out of
   * the pool's sources, ... */
  shim_report *r = NULL;
  CU_ASSERT_FATAL(shim_check(policy, spec, &r, &err) == 0);
  CU_ASSERT_EQUAL(count_findings(r, "host-namespaces", SHIM_VERDICT_REJECT,
                                 "/linux/namespaces/2"), 1);
  CU_ASSERT_EQUAL(count_findings(r, "runtime-sockets", SHIM_VERDICT_REJECT, "/mounts/1"), 1);
  CU_ASSERT_EQUAL(count_findings(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/0"), 0);
  CU_ASSERT_EQUAL(count_findings(r, "hooks", SHIM_VERDICT_REJECT, "/hooks/createContainer/1"), 1);
  shim_report_free(r);

  CU_ASSERT_EQUAL(node_kernel_tell(policy, &err), 0);
  CU_ASSERT(policy->kernel >= 3u << 16);
  shim_spec_free(spec);
  shim_policy_free(policy);
  close(sfd);
  unlink(sock);
  unlink(link);
  unlink(hook);
  unlink(fifo);
  unlink(dev);
  umount(locked);
  rmdir(locked);
  rmdir(dir);
  ns_child_end(pod);
}

static void register_node_tests(void) {
  static const struct test_case tests[] = {
      {"block in a network namespace", test_block},
      {"host facts from this node", test_facts},
  };
  ADD_SUITE("node", tests);
}

int main(void) {
  if (geteuid() != 0) {
    fprintf(stderr, "test_node: SKIP: the node library's tests need root "
                    "(unshare, mknod, uid maps); libshim's (test_shim) do not\n");
    return 77;
  }
  static void (*const suites[])(void) = {register_node_tests};
  return run_suites(suites, ARRAY_SIZE(suites));
}
