/* escape: tries, from inside a container, the primitives behind known
 * container escapes and kernel attacks, and prints one line for each:
 *
 *   NAME BLOCKED errno=EPERM -- note
 *   NAME ALLOWED -- note                the call did what it asks
 *   NAME ALLOWED errno=EFAULT -- note    it reached the kernel's own
 *                                       argument checks: no filter and no
 *                                       permission check stopped it
 *   NAME UNKNOWN errno=ETIMEDOUT -- note  neither (e.g. the metadata
 *                                       address is unreachable here, but
 *                                       nothing blocks it)
 *
 *   escape              every primitive, in order
 *   escape NAME...      only those
 *   escape --list       the names, one a line
 *
 * tests/security/run.sh runs it under runc, runc with containerd's seccomp
 * profile, gVisor and shimrun, and compares.  Linked statically: the
 * container's root has no libc.  Raw syscall(2) for the probed calls, so
 * that the answer is the kernel's (or the seccomp filter's), not a libc
 * wrapper's.
 *
 * SAFE by construction, also where nothing blocks it (run as root on a
 * host, it must not harm that host):
 *  - where the kernel checks permission before it looks at the arguments,
 *    the arguments are invalid, so that an allowed call fails with EINVAL
 *    or EFAULT having done nothing: reboot with a bad magic, kexec_load
 *    with an unknown flag, init_module of nothing, pivot_root of NULL;
 *  - every probe runs in a throwaway child (namespaces it enters die with
 *    it) under alarm(); the children it needs in turn die with it
 *    (PR_SET_PDEATHSIG) and are killed and reaped;
 *  - mounts and device nodes go only into fresh directories it made in
 *    the container's /tmp and /dev; mounts are read-only where possible
 *    and undone at once; no file it opens on a device, /proc or /sys is
 *    ever written or read;
 *  - the audit socket is only asked for the audit status (no record); the
 *    metadata probe opens a TCP connection and sends nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>

#include "../lib/errname.h"

/* Calls that older C libraries have no number for: the numbers of the
 * calls added since Linux 5.0 are the same on every architecture. */
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x1
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

/* How long one probe may take before its child is killed (SIGALRM). */
#define PROBE_SECONDS 5
/* The link-local address of the cloud providers' metadata servers. */
#define METADATA_ADDR "169.254.169.254"

enum verdict { BLOCKED, ALLOWED, UNKNOWN };
static const char *const verdict_name[] = {"BLOCKED", "ALLOWED", "UNKNOWN"};

/* What a probe found; its child sends it to the parent through a pipe. */
struct result {
	enum verdict verdict;
	int err; /* the deciding errno; 0: none */
	char note[240];
};

/* The write end of that pipe, which grandchildren close. */
static int result_fd = -1;


static void note(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the result's note ("; " between parts). */
static void note(struct result *r, const char *fmt, ...)
{
	size_t len = strlen(r->note);
	va_list ap;
	if (len && len + 2 < sizeof r->note) {
		memcpy(r->note + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->note + len, sizeof r->note - len, fmt, ap);
	va_end(ap);
}

/* The answers that mean "not here": a seccomp filter's (EPERM, ENOSYS, or
 * whatever errno it was given), a missing capability's (EPERM, EACCES),
 * a kernel without the call (ENOSYS); MORE (0-terminated) adds a probe's
 * own, e.g. EAFNOSUPPORT for a socket family the kernel lacks. */
static int refused(int e, const int *more)
{
	if (e == EPERM || e == EACCES || e == ENOSYS)
		return 1;
	for (; more && *more; more++)
		if (*more == e)
			return 1;
	return 0;
}

/* The verdict on a raw call: success, or any error that is not a refusal
 * (the kernel's argument checks: EFAULT, EINVAL, ...), means the call got
 * past the filter and the permission checks. */
static void judge(struct result *r, long rc, int e, const int *more)
{
	if (rc >= 0) {
		r->verdict = ALLOWED;
		r->err = 0;
	} else {
		r->verdict = refused(e, more) ? BLOCKED : ALLOWED;
		r->err = e;
	}
}

static void set(struct result *r, enum verdict v, int e)
{
	r->verdict = v;
	r->err = e;
}

/* ---- helpers -------------------------------------------------------------- */

/* A throwaway child that only waits to be looked at: its parent kills it
 * with SIGKILL, and the kernel does when that parent dies. */
static pid_t spawn_idle(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		if (result_fd >= 0)
			close(result_fd);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	return pid;
}

static void kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Waits for a child that exits with 0 or with its own probe's errno. */
static int reap_errno(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return ECHILD;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return ECHILD;
}

/* A fresh directory for a mount or a node to go in; NULL (errno set) if
 * BASE is not writable. */
static char *temp_dir(char *buf, size_t size, const char *base)
{
	snprintf(buf, size, "%s/escape.XXXXXX", base);
	if (!mkdtemp(buf))
		return NULL;
	chmod(buf, 0755); /* reachable from a new user namespace, too */
	return buf;
}

/* ---- namespaces ------------------------------------------------------------ */

/* A new user namespace hands full capabilities over new namespaces to an
 * unprivileged process and so opens netfilter, mounts and much more to it:
 * the first step of CVE-2022-0185, CVE-2022-0492, CVE-2023-32233 and most
 * recent kernel escalations. */
static void p_unshare_user(struct result *r)
{
	long rc = syscall(SYS_unshare, CLONE_NEWUSER);
	judge(r, rc, errno, NULL);
}

/* A private mount namespace needs CAP_SYS_ADMIN: with it, mounts are
 * the container's to rearrange (the base of the mount-based escapes). */
static void p_unshare_mnt(struct result *r)
{
	long rc = syscall(SYS_unshare, CLONE_NEWNS);
	judge(r, rc, errno, NULL);
}

/* A network namespace of our own makes us CAP_NET_ADMIN over its
 * netfilter: nf_tables bugs (CVE-2022-1015, CVE-2023-32233) need that. */
static void p_unshare_net(struct result *r)
{
	long rc = syscall(SYS_unshare, CLONE_NEWNET);
	judge(r, rc, errno, NULL);
}

/* The same user namespace through clone, which a filter must check on
 * its own (its flags are an argument seccomp can see). */
static void p_clone_newuser(struct result *r)
{
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0L, NULL, NULL, 0L);
	if (pid == 0)
		_exit(0);
	int e = errno;
	if (pid > 0) {
		e = reap_errno((pid_t)pid);
		judge(r, e ? -1 : 0, e, NULL);
		return;
	}
	judge(r, pid, e, NULL);
}

/* clone3 passes its flags in memory, where seccomp cannot look: a filter
 * that allows it lets namespace flags through whatever its clone rules
 * say.  Only ENOSYS (what libc falls back to clone on) counts as blocked;
 * any other answer, success or the kernel's own EPERM, means the call got
 * through.  Here with CLONE_NEWUSER, the flag the clone rules refuse. */
static void p_clone3(struct result *r)
{
	/* struct clone_args as of Linux 5.3 (CLONE_ARGS_SIZE_VER0, 64 bytes),
	 * spelt out: <linux/sched.h> clashes with <sched.h>. */
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
			stack, stack_size, tls;
	} args;
	memset(&args, 0, sizeof args);
	args.flags = CLONE_NEWUSER;
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		_exit(0);
	int e = errno;
	if (pid > 0) {
		e = reap_errno((pid_t)pid);
		if (e == 0) {
			set(r, ALLOWED, 0);
			return;
		}
	}
	set(r, e == ENOSYS ? BLOCKED : ALLOWED, e);
}

/* ---- mounts ---------------------------------------------------------------- */

/* mount(2) is how most escapes of a privileged container start: mounting
 * the host's disk, cgroupfs, procfs over something (CVE-2019-16884). */
static void p_mount_tmpfs(struct result *r)
{
	char dir[64];
	if (!temp_dir(dir, sizeof dir, "/tmp")) {
		set(r, UNKNOWN, errno);
		note(r, "cannot make a directory under /tmp to mount on");
		return;
	}
	long rc = syscall(SYS_mount, "escape", dir, "tmpfs",
			  (unsigned long)(MS_NOSUID | MS_NODEV | MS_NOEXEC), "size=64k");
	judge(r, rc, errno, NULL);
	if (rc == 0) {
		note(r, "tmpfs mounted on %s (unmounted again)", dir);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
}

/* The new mount API: fsopen + fsconfig reached the heap overflow of
 * CVE-2022-0185 (legacy_parse_param); an fd, no mount, if allowed. */
static void p_fsopen(struct result *r)
{
	long fd = syscall(SYS_fsopen, "tmpfs", (unsigned long)FSOPEN_CLOEXEC);
	judge(r, fd, errno, NULL);
	if (fd >= 0)
		close((int)fd);
}

/* pivot_root swaps the root file system; the kernel checks CAP_SYS_ADMIN
 * before it reads the paths, so NULLs give EFAULT where allowed. */
static void p_pivot_root(struct result *r)
{
	long rc = syscall(SYS_pivot_root, NULL, NULL);
	judge(r, rc, errno, NULL);
}

/* ---- kernel attack surface ------------------------------------------------- */

/* The kernel keyrings are not namespaced: other containers' keys, and
 * the refcount overflow of CVE-2016-0728.  Only looks up a keyring. */
static void p_keyctl(struct result *r)
{
	long rc = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0L);
	judge(r, rc, errno, NULL);
}

/* add_key: the other way into the keyrings (key type parsers, e.g.
 * CVE-2017-15299's; a NULL type gives EFAULT, no key, where allowed). */
static void p_add_key(struct result *r)
{
	long rc = syscall(SYS_add_key, NULL, NULL, NULL, 0L, KEY_SPEC_SESSION_KEYRING);
	judge(r, rc, errno, NULL);
}

/* eBPF programs run in the kernel behind a verifier whose bugs are
 * escalations (CVE-2021-3490, CVE-2021-31440, CVE-2022-23222).  A zeroed
 * attr: no instructions, so nothing can load. */
static void p_bpf(struct result *r)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
	judge(r, fd, errno, NULL);
	if (fd >= 0)
		close((int)fd);
}

/* perf events: CVE-2013-2094 (perf_swevent_init), CVE-2022-1729, and
 * side channels on the host.  Counts our own user-space time only. */
static void p_perf_event_open(struct result *r)
{
	static const int more[] = {ENODEV, ENOENT, EOPNOTSUPP, 0};
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	judge(r, fd, errno, more);
	if (fd >= 0)
		close((int)fd);
}

/* userfaultfd stalls the kernel on a page fault of our choosing: the
 * classic way to win a kernel race in an exploit.  User-mode-only faults
 * need no privilege even with vm.unprivileged_userfaultfd=0. */
static void p_userfaultfd(struct result *r)
{
	long fd = syscall(SYS_userfaultfd, (unsigned long)(O_CLOEXEC | UFFD_USER_MODE_ONLY));
	judge(r, fd, errno, NULL);
	if (fd >= 0)
		close((int)fd);
}

/* io_uring: a large, fast-moving subsystem behind many escalations
 * (CVE-2022-29582, CVE-2023-2598); 0 entries gives EINVAL, no ring. */
static void p_io_uring_setup(struct result *r)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	long fd = syscall(SYS_io_uring_setup, 0U, &p);
	judge(r, fd, errno, NULL);
	if (fd >= 0)
		close((int)fd);
}

/* ---- other processes ------------------------------------------------------- */

/* PTRACE_TRACEME: CVE-2019-13272 (ptrace_link kept a privileged parent's
 * credentials).  In a grandchild, which makes the child its tracer. */
static void p_ptrace_traceme(struct result *r)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (result_fd >= 0)
			close(result_fd);
		_exit(syscall(SYS_ptrace, PTRACE_TRACEME, 0L, 0L, 0L) == 0 ? 0 : errno);
	}
	if (pid < 0) {
		set(r, UNKNOWN, errno);
		note(r, "fork failed");
		return;
	}
	int e = reap_errno(pid);
	judge(r, e ? -1 : 0, e, NULL);
}

/* Attaching to another process of the container: code injection, e.g.
 * into a `runc exec` process not yet confined (CVE-2016-9962). */
static void p_ptrace_attach(struct result *r)
{
	pid_t pid = spawn_idle();
	if (pid < 0) {
		set(r, UNKNOWN, errno);
		note(r, "fork failed");
		return;
	}
	long rc = syscall(SYS_ptrace, PTRACE_ATTACH, (long)pid, 0L, 0L);
	judge(r, rc, errno, NULL);
	if (rc == 0)
		note(r, "attached to a sibling process");
	kill_reap(pid);
}

/* process_vm_readv reads another process's memory without stopping it. */
static volatile char secret[] = "escape-probe-secret";
static void p_process_vm_readv(struct result *r)
{
	char buf[sizeof secret];
	pid_t pid = spawn_idle();
	if (pid < 0) {
		set(r, UNKNOWN, errno);
		note(r, "fork failed");
		return;
	}
	struct iovec local = {buf, sizeof buf};
	struct iovec remote = {(void *)secret, sizeof secret};
	long n = syscall(SYS_process_vm_readv, (long)pid, &local, 1UL, &remote, 1UL, 0UL);
	judge(r, n, errno, NULL);
	if (n > 0)
		note(r, "read %ld bytes of another process", n);
	kill_reap(pid);
}

/* open_by_handle_at: "shocker" (2014) opened host files by brute-forced
 * handles with CAP_DAC_READ_SEARCH.  The kernel checks permission before
 * it reads the (NULL) handle: EFAULT where allowed.  EOPNOTSUPP, which it
 * cannot answer before reading the handle, is gVisor's: no file handles. */
static void p_open_by_handle_at(struct result *r)
{
	static const int more[] = {EOPNOTSUPP, 0};
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		set(r, UNKNOWN, errno);
		note(r, "cannot open /");
		return;
	}
	long fd = syscall(SYS_open_by_handle_at, root, NULL, O_RDONLY | O_CLOEXEC);
	judge(r, fd, errno, more);
	if (fd >= 0)
		close((int)fd);
	close(root);
}

/* ---- host administration --------------------------------------------------- */

/* A kernel module is kernel code: game over.  Nothing to load (ENOEXEC
 * or EFAULT where allowed; ENOSYS where the kernel has no modules). */
static void p_init_module(struct result *r)
{
	long rc = syscall(SYS_init_module, NULL, 0UL, NULL);
	judge(r, rc, errno, NULL);
}

/* The same from a file descriptor: -1 gives EBADF where allowed. */
static void p_finit_module(struct result *r)
{
	long rc = syscall(SYS_finit_module, -1, "", 0);
	judge(r, rc, errno, NULL);
}

/* kexec replaces the running kernel.  Permission is checked first, then
 * the flags: an unknown flag and too many segments give EINVAL where
 * allowed (never 0 segments, which would unload a loaded kernel). */
static void p_kexec_load(struct result *r)
{
	long rc = syscall(SYS_kexec_load, 0UL, ~0UL, NULL, 0x100UL);
	judge(r, rc, errno, NULL);
}

/* reboot(2) with CAP_SYS_BOOT (in a pid namespace, kills its init); the
 * magic numbers are checked after permission: bad ones give EINVAL. */
static void p_reboot(struct result *r)
{
	long rc = syscall(SYS_reboot, 0xdeadbeefL, 0x1234L, 0xdeadbeefL, NULL);
	judge(r, rc, errno, NULL);
}

/* ---- network ---------------------------------------------------------------- */

static const int no_family[] = {EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, 0};

/* AF_PACKET with CAP_NET_RAW: CVE-2017-7308 and CVE-2020-14386 (packet
 * ring overflows), and sniffing the pod network. */
static void p_socket_packet(struct result *r)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	judge(r, fd, errno, no_family);
	if (fd >= 0)
		close(fd);
}

/* Raw IP: spoofing on the node's network, e.g. IPv6 router
 * advertisements that rerouted a node's traffic (CVE-2020-10749). */
static void p_socket_raw_inet(struct result *r)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	judge(r, fd, errno, no_family);
	if (fd >= 0)
		close(fd);
}

#if defined(__x86_64__)
/* The same socket through the 32-bit ABI: int $0x80 from this 64-bit
 * process, socketcall(SYS_SOCKET), whose arguments are in memory where
 * seccomp cannot look, so that a filter on socket's arguments alone is
 * bypassed.  In a grandchild (a kernel or gVisor without the 32-bit ABI
 * may kill it), which exits with 0 (opened), the errno, or 255 (the call
 * returned something that is not such a socket). */
static int ia32_audit_socket(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (result_fd >= 0)
			close(result_fd);
		/* int $0x80 takes 32-bit pointers: arguments below 4 GiB. */
		uint32_t *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		long ret;
		if (args == MAP_FAILED)
			_exit(ENOMEM);
		args[0] = AF_NETLINK;
		args[1] = SOCK_RAW;
		args[2] = NETLINK_AUDIT;
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(102L /* i386 __NR_socketcall */), "b"(1L /* SYS_SOCKET */), "c"(args)
				 : "memory", "r8", "r9", "r10", "r11");
		if ((int)ret < 0)
			_exit(-(int)ret);
		/* A socket?  gVisor's ptrace platform, for one, takes int $0x80
		 * for a 64-bit call of the same number (102: getuid). */
		int dom = -1, proto = -1;
		socklen_t len = sizeof dom;
		getsockopt((int)ret, SOL_SOCKET, SO_DOMAIN, &dom, &len);
		len = sizeof proto;
		getsockopt((int)ret, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
		_exit(dom == AF_NETLINK && proto == NETLINK_AUDIT ? 0 : 255);
	}
	if (pid < 0)
		return -1;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
#endif

/* The audit netlink socket reaches the host's audit subsystem, which has
 * no namespaces: with CAP_AUDIT_WRITE (Docker's and the baseline's) a
 * container writes records into the host's audit log.  Blocked means the
 * socket cannot be opened, whichever way: socket(); socket() with the
 * upper halves of its int arguments set (the kernel reads the low 32 bits,
 * a filter comparing all 64 misses them); the 32-bit ABI's socketcall
 * (x86-64).  An opened one asks only for the audit status (AUDIT_GET:
 * reads, writes no record) and notes the answer. */
static void p_netlink_audit(struct result *r)
{
	long fd = syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	judge(r, fd, errno, no_family);
	note(r, "socket(): %s", fd >= 0 ? "opened" : errname(r->err));
#if __SIZEOF_LONG__ == 8
	if (fd < 0) {
		const long high = 1L << 32;
		fd = syscall(SYS_socket, high | AF_NETLINK, (long)(SOCK_RAW | SOCK_CLOEXEC), high | NETLINK_AUDIT);
		int e = errno;
		if (fd >= 0)
			set(r, ALLOWED, 0);
		else if (!refused(e, no_family))
			set(r, ALLOWED, e);
		note(r, "with the upper 32 bits set: %s", fd >= 0 ? "opened" : errname(e));
	}
#endif
#if defined(__x86_64__)
	int e32 = ia32_audit_socket();
	if (e32 < 0) {
		note(r, "int $0x80 socketcall: died (no 32-bit ABI)");
	} else if (e32 == 255) {
		note(r, "int $0x80 socketcall: no socket (no 32-bit ABI)");
	} else if (e32 == 0) {
		set(r, ALLOWED, 0);
		note(r, "int $0x80 socketcall: opened");
	} else {
		if (!refused(e32, no_family))
			set(r, ALLOWED, e32);
		note(r, "int $0x80 socketcall: %s", errname(e32));
	}
#endif
	if (fd < 0)
		return;
	struct {
		struct nlmsghdr h;
		char pad[16];
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = NLMSG_LENGTH(0);
	req.h.nlmsg_type = AUDIT_GET;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	struct timeval tv = {1, 0};
	setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (sendto((int)fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		note(r, "AUDIT_GET not sent: %s", errname(errno));
	} else {
		union {
			struct nlmsghdr h;
			char buf[1024];
		} ans;
		ssize_t n = recv((int)fd, &ans, sizeof ans, 0);
		if (n < 0)
			note(r, "AUDIT_GET: no answer: %s", errname(errno));
		else if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && ans.h.nlmsg_type == NLMSG_ERROR &&
			 ((struct nlmsgerr *)NLMSG_DATA(&ans.h))->error != 0)
			note(r, "AUDIT_GET: %s", errname(-((struct nlmsgerr *)NLMSG_DATA(&ans.h))->error));
		else
			note(r, "AUDIT_GET answered: the host's audit status is readable");
	}
	close((int)fd);
}

/* ---- devices, /proc, cgroups ----------------------------------------------- */

/* mknod c 1 1 (/dev/mem) and opening it: the device cgroup is what keeps a
 * container with CAP_MKNOD off the host's devices.  Made under /dev (a
 * tmpfs without nodev, so the device cgroup decides, not the mount);
 * opened read-only and closed at once, never read. */
static void p_mknod_mem(struct result *r)
{
	char dir[64], node[80];
	if (!temp_dir(dir, sizeof dir, "/dev") && !temp_dir(dir, sizeof dir, "/tmp")) {
		set(r, UNKNOWN, errno);
		note(r, "no writable /dev or /tmp to make a node in");
		return;
	}
	snprintf(node, sizeof node, "%s/mem", dir);
	if (mknod(node, S_IFCHR | 0600, makedev(1, 1)) < 0) {
		judge(r, -1, errno, NULL);
		note(r, "mknod refused");
		rmdir(dir);
		return;
	}
	int fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	judge(r, fd, errno, NULL);
	if (fd >= 0) {
		note(r, "mknod %s c 1 1 and opened it: host memory", node);
		close(fd);
	} else if (r->verdict == BLOCKED) {
		note(r, "mknod allowed, open refused");
	} else {
		/* ENXIO, ENODEV: past the permission checks, no driver behind
		 * the number here; another number would open. */
		note(r, "mknod allowed, open got past the permission checks");
	}
	unlink(node);
	rmdir(dir);
}

/* CAP_MKNOD: device nodes of any number, the first step of escapes that
 * reach a host disk or memory where the device cgroup is loose (the open
 * is mknod-mem's question; this one is whether nodes can be made at all):
 * a block node for the first disk (8:0), never opened. */
static void p_mknod(struct result *r)
{
	char dir[64], node[80];
	if (!temp_dir(dir, sizeof dir, "/tmp")) {
		set(r, UNKNOWN, errno);
		note(r, "no writable /tmp to make a node in");
		return;
	}
	snprintf(node, sizeof node, "%s/sda", dir);
	long rc = mknod(node, S_IFBLK | 0600, makedev(8, 0));
	judge(r, rc, errno, NULL);
	note(r, rc == 0 ? "mknod %s b 8 0: made (not opened)" : "mknod refused", node);
	unlink(node);
	rmdir(dir);
}

/* CAP_SYS_CHROOT: chroot, the tool of the classic escape from a chroot
 * (chroot into a subdirectory, then walk up past the old root); in the
 * throwaway child only, into a fresh directory of /tmp. */
static void p_chroot(struct result *r)
{
	char dir[64];
	if (!temp_dir(dir, sizeof dir, "/tmp")) {
		set(r, UNKNOWN, errno);
		note(r, "no writable /tmp to chroot into");
		return;
	}
	int tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	long rc = syscall(SYS_chroot, dir);
	judge(r, rc, errno, NULL);
	note(r, rc == 0 ? "chroot %s: done" : "chroot refused", dir);
	/* Through /tmp's descriptor: after a chroot, dir's name leads nowhere. */
	unlinkat(tmp, dir + strlen("/tmp/"), AT_REMOVEDIR);
	close(tmp);
}

/* Opens a /proc file and judges: refused or absent (ENOENT: this kernel,
 * or gVisor, has none) is blocked, and so is a file masked by a device
 * node (runtimes bind /dev/null over it); a real one is allowed.  Only
 * opened, never read or written. */
static void open_proc(struct result *r, const char *path, int flags)
{
	static const int more[] = {ENOENT, EROFS, 0};
	struct stat st;
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	judge(r, fd, errno, more);
	if (fd < 0) {
		if (errno == ENOENT)
			note(r, "absent");
		else if (errno == EROFS)
			note(r, "read-only");
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		set(r, BLOCKED, 0);
		note(r, "masked (a device node over it)");
	} else {
		note(r, "opened");
	}
	close(fd);
}

/* /proc/kcore: the host kernel's memory as an ELF core image. */
static void p_open_kcore(struct result *r) { open_proc(r, "/proc/kcore", O_RDONLY); }

/* /proc/sysrq-trigger: one byte crashes or reboots the host. */
static void p_sysrq_trigger(struct result *r) { open_proc(r, "/proc/sysrq-trigger", O_WRONLY); }

/* The mount options of a cgroup v1 hierarchy the container is in (e.g.
 * "cpu,cpuacct" or "none,name=systemd"), from /proc/self/cgroup; "" when
 * there is none (cgroup v2 only). */
static void v1_hierarchy(char *out, size_t size)
{
	char line[512], *a, *b;
	FILE *f = fopen("/proc/self/cgroup", "re");
	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (!(a = strchr(line, ':')) || !(b = strchr(a + 1, ':')) || b == a + 1)
			continue;
		*b = '\0';
		a++;
		if (strncmp(a, "name=", 5) == 0) {
			if (!out[0])
				snprintf(out, size, "none,%s", a);
			continue;
		}
		snprintf(out, size, "%s", a); /* a real controller: best */
		break;
	}
	fclose(f);
}

/* Mounts cgroup v1 OPTS read-only on a fresh directory and unmounts it;
 * returns 0 or an errno. */
static int try_cgroup_mount(const char *dir, const char *opts)
{
	if (syscall(SYS_mount, "cgroup", dir, "cgroup",
		    (unsigned long)(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), opts) < 0)
		return errno;
	umount2(dir, MNT_DETACH);
	return 0;
}

/* cgroup v1's release_agent runs a program as host root when a cgroup
 * empties: CVE-2022-0492 wrote it after `unshare -UrmC` + mounting a v1
 * hierarchy; privileged containers write it directly.  Blocked when no
 * release_agent is writable and neither a direct mount nor one in a new
 * user + cgroup namespace works.  Files are opened for writing but never
 * written; mounts are read-only, on a temp dir, and undone. */
static void p_cgroup_release_agent(struct result *r)
{
	glob_t g;
	size_t i;
	char opts[128], dir[64];
	int writable = 0;

	memset(&g, 0, sizeof g);
	glob("/sys/fs/cgroup/release_agent", 0, NULL, &g);
	glob("/sys/fs/cgroup/*/release_agent", GLOB_APPEND, NULL, &g);
	for (i = 0; i < g.gl_pathc; i++) {
		int fd = open(g.gl_pathv[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			note(r, "%s is writable", g.gl_pathv[i]);
			writable = 1;
			break;
		}
	}
	if (!writable)
		note(r, "%zu release_agent files, none writable", g.gl_pathc);
	globfree(&g);
	set(r, writable ? ALLOWED : BLOCKED, 0);

	v1_hierarchy(opts, sizeof opts);
	if (!temp_dir(dir, sizeof dir, "/tmp")) {
		note(r, "no directory under /tmp: mounts not tried");
		if (!writable)
			set(r, UNKNOWN, errno);
		return;
	}
	/* Directly, only onto a hierarchy that exists (never creating one). */
	if (opts[0]) {
		int e = try_cgroup_mount(dir, opts);
		if (e == 0) {
			set(r, ALLOWED, 0);
			note(r, "cgroup v1 (%s) mounted", opts);
		} else {
			if (r->verdict == BLOCKED)
				r->err = e;
			note(r, "mount cgroup v1 (%s): %s", opts, errname(e));
		}
	} else {
		note(r, "no cgroup v1 hierarchy");
	}
	/* CVE-2022-0492's way, in a grandchild whose namespaces die with it.
	 * In a new cgroup namespace the kernel creates no new hierarchy, so
	 * a named one is safe to ask for where no v1 hierarchy exists. */
	pid_t pid = fork();
	if (pid == 0) {
		if (result_fd >= 0)
			close(result_fd);
		/* Exit status: the mount's errno (0: mounted), or 150 + the
		 * unshare's (errnos that matter here are all below 100). */
		if (syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) < 0)
			_exit(errno < 100 ? 150 + errno : 250);
		_exit(try_cgroup_mount(dir, opts[0] ? opts : "none,name=escape-probe"));
	}
	if (pid > 0) {
		int e = reap_errno(pid);
		if (e == 0) {
			set(r, ALLOWED, 0);
			note(r, "unshare -UmC + mount cgroup v1: mounted");
		} else if (e >= 150) {
			if (r->verdict == BLOCKED)
				r->err = e - 150;
			note(r, "unshare -UmC: %s", errname(e - 150));
		} else {
			if (r->verdict == BLOCKED)
				r->err = e;
			note(r, "unshare -UmC allowed, mount cgroup v1: %s", errname(e));
		}
	}
	rmdir(dir);
}

/* ---- the container's identity ---------------------------------------------- */

/* Capabilities that are escapes of their own (mount, netfilter, modules,
 * ptrace of host-visible processes, raw I/O, raw sockets, shocker). */
static void p_capabilities(struct result *r)
{
	static const struct {
		int bit;
		const char *name;
	} bad[] = {
		{21, "SYS_ADMIN"}, {12, "NET_ADMIN"}, {19, "SYS_PTRACE"}, {16, "SYS_MODULE"},
		{13, "NET_RAW"}, {17, "SYS_RAWIO"}, {2, "DAC_READ_SEARCH"},
	};
	char line[256], eff[32] = "", bnd[32] = "";
	size_t i;
	FILE *f = fopen("/proc/self/status", "re");
	if (!f) {
		set(r, UNKNOWN, errno);
		note(r, "cannot read /proc/self/status");
		return;
	}
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "CapEff: %31s", eff);
		sscanf(line, "CapBnd: %31s", bnd);
	}
	fclose(f);
	if (!eff[0]) {
		set(r, UNKNOWN, 0);
		note(r, "no CapEff in /proc/self/status");
		return;
	}
	unsigned long long e = strtoull(eff, NULL, 16);
	set(r, BLOCKED, 0);
	note(r, "CapEff=%s CapBnd=%s", eff, bnd[0] ? bnd : "?");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (e & (1ULL << bad[i].bit)) {
			set(r, ALLOWED, 0);
			note(r, "has CAP_%s", bad[i].name);
		}
}

/* no_new_privs: without it a setuid or file-capability binary in the
 * image regains what the runtime dropped. */
static void p_no_new_privs(struct result *r)
{
	int v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (v < 0) {
		set(r, UNKNOWN, errno);
		return;
	}
	set(r, v == 1 ? BLOCKED : ALLOWED, 0);
	note(r, "NoNewPrivs=%d", v);
}

/* Root in the container is host root unless a user namespace maps it
 * elsewhere: every other escape then lands as host root (CVE-2019-5736). */
static void p_uid_map(struct result *r)
{
	unsigned long in, out, count;
	int found = 0;
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f) {
		set(r, UNKNOWN, errno);
		note(r, "cannot read /proc/self/uid_map");
		return;
	}
	while (fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		if (in == 0 && count > 0) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found) {
		set(r, BLOCKED, 0);
		note(r, "uid 0 is not mapped");
	} else {
		set(r, out == 0 ? ALLOWED : BLOCKED, 0);
		note(r, "uid 0 -> host uid %lu", out);
	}
}

/* The host's processes (a shared pid namespace): signals, /proc/PID/root
 * and /proc/PID/environ of host processes. */
static void p_host_processes(struct result *r)
{
	char comm[64] = "?";
	int n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	FILE *f;
	if (!dir) {
		set(r, UNKNOWN, errno);
		note(r, "cannot read /proc");
		return;
	}
	while ((d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
		    strspn(d->d_name, "0123456789") == strlen(d->d_name))
			n++;
	closedir(dir);
	if ((f = fopen("/proc/1/comm", "re"))) {
		if (fgets(comm, sizeof comm, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	set(r, n <= 10 ? BLOCKED : ALLOWED, 0);
	note(r, "%d processes visible, pid 1 is %s", n, comm);
}

/* Whether the container has any IPv4 route but loopback's (the local
 * table, not listed in /proc/net/route); -1: cannot tell. */
static int has_route(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		n++;
	fclose(f);
	return n > 1; /* the first line is the header */
}

/* The cloud metadata server hands out the node's credentials (on GKE
 * and EKS the kubelet's): a classic pod-to-node escalation.  Blocked
 * when the connection is refused at once locally (EACCES, EPERM, or
 * ENETUNREACH from a routing table that leaves it out); a timeout,
 * ECONNREFUSED or EHOSTUNREACH is unreachable here but not blocked:
 * UNKNOWN.  So is ENETUNREACH from a container with loopback only. */
static void p_metadata(struct result *r)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		judge(r, -1, errno, no_family);
		note(r, "no TCP socket");
		return;
	}
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(80);
	inet_pton(AF_INET, METADATA_ADDR, &a.sin_addr);
	int at_once = 1, e = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd p = {fd, POLLOUT, 0};
			socklen_t len = sizeof e;
			at_once = 0;
			if (poll(&p, 1, 1000) <= 0)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	close(fd);
	if (e == 0) {
		set(r, ALLOWED, 0);
		note(r, "connected to %s:80", METADATA_ADDR);
	} else if (at_once && (e == EACCES || e == EPERM)) {
		set(r, BLOCKED, e);
	} else if (at_once && e == ENETUNREACH) {
		int routes = has_route();
		set(r, routes == 1 ? BLOCKED : UNKNOWN, e);
		note(r, routes == 1 ? "no route to it" :
			routes == 0 ? "the container has loopback only: nothing to block" :
				      "no /proc/net/route");
	} else {
		set(r, UNKNOWN, e);
		note(r, "unreachable, not blocked");
	}
}

/* ---- the driver ------------------------------------------------------------- */

static const struct probe {
	const char *name;
	void (*fn)(struct result *);
} probes[] = {
	{"unshare-user", p_unshare_user},
	{"unshare-mnt", p_unshare_mnt},
	{"unshare-net", p_unshare_net},
	{"clone-newuser", p_clone_newuser},
	{"clone3", p_clone3},
	{"mount-tmpfs", p_mount_tmpfs},
	{"fsopen", p_fsopen},
	{"pivot-root", p_pivot_root},
	{"keyctl", p_keyctl},
	{"add-key", p_add_key},
	{"bpf-prog-load", p_bpf},
	{"perf-event-open", p_perf_event_open},
	{"userfaultfd", p_userfaultfd},
	{"io-uring-setup", p_io_uring_setup},
	{"ptrace-traceme", p_ptrace_traceme},
	{"ptrace-attach", p_ptrace_attach},
	{"process-vm-readv", p_process_vm_readv},
	{"open-by-handle-at", p_open_by_handle_at},
	{"init-module", p_init_module},
	{"finit-module", p_finit_module},
	{"kexec-load", p_kexec_load},
	{"reboot", p_reboot},
	{"socket-packet", p_socket_packet},
	{"socket-raw-inet", p_socket_raw_inet},
	{"netlink-audit", p_netlink_audit},
	{"mknod", p_mknod},
	{"mknod-mem", p_mknod_mem},
	{"chroot", p_chroot},
	{"open-kcore", p_open_kcore},
	{"sysrq-trigger", p_sysrq_trigger},
	{"cgroup-release-agent", p_cgroup_release_agent},
	{"capabilities", p_capabilities},
	{"no-new-privs", p_no_new_privs},
	{"uid-map-host-root", p_uid_map},
	{"host-processes", p_host_processes},
	{"metadata-reachable", p_metadata},
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static size_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Runs one probe in a throwaway child and prints its line.  A child
 * killed by SIGSYS met a seccomp filter that kills: blocked. */
static void run_probe(const struct probe *p)
{
	struct result r;
	int fds[2], st = 0;
	pid_t pid;

	memset(&r, 0, sizeof r);
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		set(&r, UNKNOWN, errno);
		note(&r, "cannot start the probe's child");
		goto print;
	}
	if (pid == 0) {
		close(fds[0]);
		result_fd = fds[1];
		alarm(PROBE_SECONDS);
		p->fn(&r);
		_exit(write_all(fds[1], &r, sizeof r) == 0 ? 0 : 1);
	}
	close(fds[1]);
	size_t got = read_all(fds[0], &r, sizeof r);
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof r) {
		memset(&r, 0, sizeof r);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
			set(&r, BLOCKED, 0);
			note(&r, "killed by SIGSYS (a seccomp filter)");
		} else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
			set(&r, UNKNOWN, ETIMEDOUT);
			note(&r, "no answer in %d s", PROBE_SECONDS);
		} else {
			set(&r, UNKNOWN, 0);
			note(&r, "the probe's child died (status 0x%x)", (unsigned)st);
		}
	}
	r.note[sizeof r.note - 1] = '\0';
	if ((unsigned)r.verdict > UNKNOWN)
		r.verdict = UNKNOWN;
print:
	printf("%s %s", p->name, verdict_name[r.verdict]);
	if (r.err)
		printf(" errno=%s", errname(r.err));
	if (r.note[0])
		printf(" -- %s", r.note);
	putchar('\n');
	fflush(stdout);
}

/* A comment line for the log: how the process is confined, as
 * /proc/self/status tells (not a verdict: run.sh skips '#' lines). */
static void status_line(void)
{
	static const char *const keys[] = {"Seccomp:", "NoNewPrivs:", "CapEff:", "CapBnd:"};
	char line[256], out[256] = "";
	size_t i;
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0) {
				char *v = line + strlen(keys[i]);
				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				snprintf(out + strlen(out), sizeof out - strlen(out), " %.*s=%s",
					 (int)strlen(keys[i]) - 1, keys[i], v);
			}
	fclose(f);
	printf("# pid %d, uid %d;%s\n", (int)getpid(), (int)getuid(), out);
}

int main(int argc, char **argv)
{
	size_t i;
	int j, bad = 0;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
			puts(probes[i].name);
		return 0;
	}
	for (j = 1; j < argc; j++) {
		for (i = 0; i < sizeof probes / sizeof probes[0]; i++)
			if (strcmp(argv[j], probes[i].name) == 0)
				break;
		if (i == sizeof probes / sizeof probes[0]) {
			fprintf(stderr, "escape: no primitive '%s' (--list names them)\n", argv[j]);
			bad = 1;
		}
	}
	if (bad)
		return 2;
	status_line();
	/* As the container's init, we inherit every orphan: those our
	 * children leave are reaped as we go, and at the end. */
	for (i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		for (j = 1; j < argc; j++)
			if (strcmp(argv[j], probes[i].name) == 0)
				break;
		if (argc > 1 && j == argc)
			continue;
		run_probe(&probes[i]);
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
	}
	return 0;
}
