/* probe: tries one system call inside a container and says how it went.
 *
 *   probe NAME          prints "NAME: ok" and exits 0, or "NAME: errno=EXXX"
 *                       and exits 1 (2: usage)
 *   probe getppid-loop N / read-loop N   prints the cost of one call
 *   probe status        the seccomp, no_new_privs and capability lines of
 *                       /proc/self/status
 *
 * tests/harden-runc.sh runs it in a busybox root, with and without the
 * hardening.  Linked statically so that the root needs no libc.  Raw
 * syscall(2) for every probed call, so that the answer is the kernel's (and
 * the seccomp filter's), not a libc wrapper's or fallback's; only fork and
 * thread go through libc on purpose, to see what programs see.  Where a
 * probe can choose its arguments, it picks ones an unconfined, unprivileged
 * caller gets through with (or fails on with an error other than EPERM),
 * so that EPERM under the hardening is the filter's doing.
 *
 * Meant for containers: run as root on a host, `probe mount` really leaves
 * a tmpfs on /mnt. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sched.h> /* CLONE_* */
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>

#include "../lib/errname.h"


/* The parent's half of every fork-like probe: wait for the child, which
 * exits at once with 0 or with the errno of its own probe. */
static int reap(long pid)
{
	int st;
	if (pid < 0)
		return -1;
	if (waitpid((pid_t)pid, &st, 0) < 0)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	errno = WIFEXITED(st) ? WEXITSTATUS(st) : ECHILD;
	return -1;
}

/* Without CLONE_VM the child gets a copy of our stack, as with fork(), so
 * the raw call may return into C code in both processes. */
static int do_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags, 0L, NULL, NULL, 0L);
	if (pid == 0)
		_exit(0);
	return reap(pid);
}

static int p_unshare_user(void) { return (int)syscall(SYS_unshare, CLONE_NEWUSER); }
static int p_unshare_net(void) { return (int)syscall(SYS_unshare, CLONE_NEWNET); }
static int p_clone_newns(void) { return do_clone(CLONE_NEWNS | SIGCHLD); }
static int p_clone_plain(void) { return do_clone(SIGCHLD); }

static int p_clone3(void)
{
	/* struct clone_args as of Linux 5.3 (CLONE_ARGS_SIZE_VER0, 64 bytes):
	 * spelt out rather than taken from <linux/sched.h>, whose CLONE_*
	 * macros clash with <sched.h>'s on some header versions. */
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
			stack, stack_size, tls;
	} args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		_exit(0);
	return reap(pid);
}

static int p_fork(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	return reap(pid);
}

/* glibc (2.34+) creates threads with clone3 and falls back to clone only
 * on ENOSYS: the reason the profile must answer clone3 with ENOSYS. */
static void *idle(void *arg) { return arg; }
static int p_thread(void)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, idle, NULL);
	if (e) {
		errno = e;
		return -1;
	}
	return pthread_join(t, NULL) ? -1 : 0;
}

static int p_io_uring(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int fd = (int)syscall(SYS_io_uring_setup, 1, &p);
	return fd < 0 ? -1 : close(fd);
}

/* A null attr with the full size: recent kernels (6.5+) copy it in first
 * and fail with EFAULT before any privilege check could answer EPERM, so
 * there only a filter makes it EPERM.  Older ones check privilege first. */
static int p_bpf(void)
{
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, NULL, sizeof(union bpf_attr));
}

/* User-mode-only faults need no privilege even with
 * vm.unprivileged_userfaultfd=0. */
static int p_userfaultfd(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	return fd < 0 ? -1 : close(fd);
}

/* Counting our own user-space time is allowed at perf_event_paranoid 2. */
static int p_perf_event_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	return fd < 0 ? -1 : close(fd);
}

static int p_keyctl(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0L);
	return id < 0 ? -1 : 0;
}

/* PTRACE_TRACEME in a child makes us its tracer: it needs no privilege and
 * leaves nothing traced behind (PID 1 asking its own parent, runc, to trace
 * it would).  The child reports its errno as its exit status. */
static int p_ptrace(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_ptrace, PTRACE_TRACEME, 0L, 0L, 0L) == 0 ? 0 : errno);
	return reap(pid);
}

static int p_mount(void) { return (int)syscall(SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL); }

static const struct probe {
	const char *name;
	int (*fn)(void);
} probes[] = {
	{"unshare-user", p_unshare_user}, {"unshare-net", p_unshare_net},
	{"clone-newns", p_clone_newns}, {"clone3", p_clone3},
	{"clone-plain", p_clone_plain}, {"fork", p_fork}, {"thread", p_thread},
	{"io-uring", p_io_uring}, {"bpf", p_bpf},
	{"userfaultfd", p_userfaultfd}, {"perf-event-open", p_perf_event_open},
	{"keyctl", p_keyctl}, {"ptrace", p_ptrace}, {"mount", p_mount},
};

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Per-call cost of a trivial syscall: what a seccomp filter adds shows up
 * here when the plain and hardened runs are compared. */
static int loop(const char *name, const char *count)
{
	char *end;
	unsigned long n = strtoul(count, &end, 10), i;
	char c;
	int fd = -1;
	if (*count == '\0' || *end != '\0' || n == 0) {
		fprintf(stderr, "probe: %s: bad count '%s'\n", name, count);
		return 2;
	}
	if (strcmp(name, "read-loop") == 0 && (fd = open("/dev/zero", O_RDONLY | O_CLOEXEC)) < 0) {
		printf("%s: errno=%s\n", name, errname(errno));
		return 1;
	}
	double t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (fd < 0)
			syscall(SYS_getppid); /* raw: never answered from a cache */
		else if (syscall(SYS_read, fd, &c, 1L) != 1) {
			printf("%s: errno=%s\n", name, errname(errno));
			return 1;
		}
	}
	printf("%s: %lu calls, %.1f ns/call\n", name, n, (now_ns() - t0) / (double)n);
	return 0;
}

static int status(void)
{
	static const char *keys[] = {"Seccomp:", "NoNewPrivs:", "CapEff:", "CapPrm:",
				     "CapBnd:", "CapInh:", "CapAmb:"};
	char line[256];
	size_t i;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f) {
		printf("status: errno=%s\n", errname(errno));
		return 1;
	}
	while (fgets(line, sizeof line, f))
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0)
				fputs(line, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;
	if (argc == 2 && strcmp(argv[1], "status") == 0)
		return status();
	if (argc == 3 && (strcmp(argv[1], "getppid-loop") == 0 || strcmp(argv[1], "read-loop") == 0))
		return loop(argv[1], argv[2]);
	for (i = 0; argc == 2 && i < sizeof probes / sizeof probes[0]; i++) {
		if (strcmp(argv[1], probes[i].name) != 0)
			continue;
		errno = 0;
		if (probes[i].fn() < 0) {
			printf("%s: errno=%s\n", argv[1], errname(errno));
			return 1;
		}
		printf("%s: ok\n", argv[1]);
		return 0;
	}
	fputs("usage: probe unshare-user|unshare-net|clone-newns|clone3|clone-plain|fork|thread|"
	      "io-uring|bpf|userfaultfd|perf-event-open|keyctl|ptrace|mount|status\n"
	      "       probe getppid-loop|read-loop N\n", stderr);
	return 2;
}
