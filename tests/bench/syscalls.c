/* syscalls: what a system call costs inside a container, and what a
 * compute-bound loop costs, in nanoseconds per operation.
 *
 *   syscalls [-k BATCHES] [-t BATCH_MS] [OP...]
 *
 * OPs (all of them, in this order, when none is named):
 *   getppid        the cheapest real system call: the bare entry and exit
 *                  cost plus whatever a seccomp filter adds
 *   read0          read(2) of 0 bytes from /dev/zero: an fd lookup more
 *   ioctl          ioctl(2) on /dev/zero with the NVIDIA driver's command
 *                  number for a resource-manager control, which /dev/zero
 *                  answers ENOTTY: a GPU job's hot path into the kernel is
 *                  ioctls on /dev/nvidia*, so this row is what a filter
 *                  adds to each of them (the driver's own work is the same
 *                  under every configuration)
 *   open-close     openat(2) + close(2) of a file in /tmp: path walk and
 *                  file table
 *   mmap-munmap    mmap(2) + munmap(2) of one anonymous page, never
 *                  touched: address-space bookkeeping only
 *   pipe-roundtrip one byte to a child process over a pipe and back over
 *                  another: four calls and two context switches, both
 *                  processes on one CPU (see prepare_pipe_roundtrip)
 *   cpu            a store/load-heavy compute loop, ns per iteration: no
 *                  system calls at all, to see what a configuration costs
 *                  code that never calls the kernel (SSBD, see run_cpu)
 *   clock-gettime  clock_gettime(CLOCK_MONOTONIC), answered by the vDSO
 *                  without entering the kernel: the control, which no
 *                  filter should change.  Last, because gVisor's vDSO
 *                  makes a real (trapped) system call until the sandbox's
 *                  clock is calibrated, a second or more after it starts
 *
 * Output, one line per OP: "NAME NS_PER_OP", the median over BATCHES
 * (default 11) batches; each batch is as many operations as take about
 * BATCH_MS (default 20) milliseconds, found by a calibration run first.
 * The median, not the best batch, because the other tenants of a VM make
 * some batches slow and a few unusually fast.  Lines starting with "#"
 * are comments (the settings, and the store-bypass speculation state the
 * kernel reports for this process).
 *
 * tests/bench/bench-syscalls.sh runs it in a busybox container under runc,
 * hardened runc and runsc.  Linked statically so that the root needs no
 * libc.  Every measured call but clock_gettime is a raw syscall(2), so the
 * cost is the kernel's and the filter's, not a libc wrapper's or cache's,
 * and every result is checked: a call that a filter refuses returns early
 * and would look fast. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES 101

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the operations ----------------------------------------------------------
 * Each run_* does N operations and returns 0, or -1 with errno set by the
 * first one that failed.  prepare and finish, where an operation has them,
 * set up and tear down what every batch reuses. */

static int zero_fd = -1;                 /* read0, ioctl */
static char tmp_path[] = "/tmp/syscalls.XXXXXX"; /* open-close */
static int ping_fd = -1, pong_fd = -1;   /* pipe-roundtrip: our ends */
static pid_t echo_pid = -1;              /* pipe-roundtrip: the child */

static int run_getppid(unsigned long n)
{
	/* No error to check: getppid cannot fail, and a filter that denied
	 * it would break every program. */
	while (n--)
		syscall(SYS_getppid);
	return 0;
}

static int prepare_read0(void)
{
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	return zero_fd < 0 ? -1 : 0;
}

static int run_read0(unsigned long n)
{
	char c;
	while (n--)
		if (syscall(SYS_read, zero_fd, &c, 0L) != 0)
			return -1;
	return 0;
}

static void finish_read0(void) { close(zero_fd); }

/* _IOWR('F', 0x2a, 32 bytes): NV_ESC_RM_CONTROL's number on /dev/nvidiactl
 * (type 'F' is the NVIDIA driver's).  /dev/zero has no ioctl handler and
 * the number is none of the generic ones do_vfs_ioctl answers itself, so
 * every call takes the path to the driver and comes back ENOTTY; a filter
 * that refused ioctl would answer EPERM (or kill) instead. */
#define NV_RM_CONTROL_NR _IOWR('F', 0x2a, char[32])

static int run_ioctl(unsigned long n)
{
	char arg[32] = {0};
	while (n--)
		if (syscall(SYS_ioctl, zero_fd, NV_RM_CONTROL_NR, arg) != -1 || errno != ENOTTY)
			return -1;
	return 0;
}

/* The file is our own, on the tmpfs the benchmark mounts at /tmp: the walk
 * is short and never waits for a disk (nor, under runsc, for its gofer). */
static int prepare_open_close(void)
{
	int fd = mkstemp(tmp_path);
	return fd < 0 ? -1 : close(fd);
}

static int run_open_close(unsigned long n)
{
	while (n--) {
		long fd = syscall(SYS_openat, AT_FDCWD, tmp_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_close, fd) != 0)
			return -1;
	}
	return 0;
}

static void finish_open_close(void) { unlink(tmp_path); }

static int run_mmap_munmap(unsigned long n)
{
	long page = sysconf(_SC_PAGESIZE);
	while (n--) {
		long p = syscall(SYS_mmap, NULL, page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
		if (p == -1 || syscall(SYS_munmap, p, page) != 0)
			return -1;
	}
	return 0;
}

/* The child echoes each byte back until the ping pipe closes.  Both ends
 * run on the CPU we are on: across CPUs a round trip also waits for an
 * idle CPU to wake up, which on a VM took 5 or 50 us depending on what
 * else the host was doing, and drowned what the sandbox adds.  Where the
 * affinity cannot be set, a comment line says so.  (gVisor accepts it but
 * runs its tasks on its own threads, wherever its Go runtime puts them.) */
static cpu_set_t saved_cpus;

static int prepare_pipe_roundtrip(void)
{
	int ping[2], pong[2];
	char c;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_getaffinity(0, sizeof saved_cpus, &saved_cpus) < 0 ||
	    sched_setaffinity(0, sizeof one, &one) < 0)
		printf("# pipe-roundtrip: not pinned to one CPU: %s\n", strerror(errno));
	/* A dead child must show as an error, not kill us on the next write. */
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(ping, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pong, O_CLOEXEC) < 0)
		return -1;
	echo_pid = fork();
	if (echo_pid < 0)
		return -1;
	if (echo_pid == 0) {
		close(ping[1]);
		close(pong[0]);
		while (syscall(SYS_read, ping[0], &c, 1L) == 1)
			if (syscall(SYS_write, pong[1], &c, 1L) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	ping_fd = ping[1];
	pong_fd = pong[0];
	return 0;
}

static int run_pipe_roundtrip(unsigned long n)
{
	char c = 'x';
	while (n--) {
		if (syscall(SYS_write, ping_fd, &c, 1L) != 1)
			return -1;
		long r = syscall(SYS_read, pong_fd, &c, 1L);
		if (r != 1) {
			if (r == 0) /* end of file: the child died */
				errno = EPIPE;
			return -1;
		}
	}
	return 0;
}

static void finish_pipe_roundtrip(void)
{
	close(ping_fd);
	close(pong_fd);
	waitpid(echo_pid, NULL, 0);
	sched_setaffinity(0, sizeof saved_cpus, &saved_cpus);
}

static int run_clock_gettime(unsigned long n)
{
	struct timespec ts;
	while (n--)
		if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
			return -1;
	return 0;
}

/* Speculative Store Bypass (Spectre v4): a CPU runs a load before older
 * stores whose addresses it does not know yet, betting that they do not
 * write where the load reads.  SSBD, the mitigation, forbids the bet: each
 * load waits until every older store's address is known.  Linux before
 * 5.16 turned SSBD on for every seccomp-filtered task unless the filter
 * was loaded with SECCOMP_FILTER_FLAG_SPEC_ALLOW; code that never makes a
 * system call paid for the filter here.
 *
 * So the loop is a multiply chain that, each iteration, increments a
 * counter whose address comes out of the chain (known late; a load and a
 * store of the same address, often the one stored just before, so
 * store-to-load forwarding too) and then needs a load from a separate
 * table whose address is known at once.  With the bet, that load runs
 * ahead and the chain goes at the multiply's pace (about 3.5 cycles an
 * iteration, measured on an AMD EPYC VM); under SSBD it waits for the
 * counter's address, which puts a load's latency into every iteration
 * (expected: about twice as slow). */
static uint64_t counters[64], table[64];
static volatile uint64_t sink; /* keeps the loop from being optimised out */

/* Filled at run time, so that the compiler cannot know the table and fold
 * its loads away. */
static int prepare_cpu(void)
{
	size_t i;
	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		table[i] = i * 0x9e3779b97f4a7c15u;
	return 0;
}

static int run_cpu(unsigned long n)
{
	uint64_t x = 1;
	unsigned long i;
	for (i = 0; i < n; i++) {
		counters[x >> 58]++;
		x = x * 6364136223846793005u + table[i & 63] + 1442695040888963407u;
	}
	sink = x;
	return 0;
}

static const struct op {
	const char *name;
	int (*prepare)(void);
	int (*run)(unsigned long n);
	void (*finish)(void);
} ops[] = {
	{"getppid", NULL, run_getppid, NULL},
	{"read0", prepare_read0, run_read0, finish_read0},
	{"ioctl", prepare_read0, run_ioctl, finish_read0},
	{"open-close", prepare_open_close, run_open_close, finish_open_close},
	{"mmap-munmap", NULL, run_mmap_munmap, NULL},
	{"pipe-roundtrip", prepare_pipe_roundtrip, run_pipe_roundtrip, finish_pipe_roundtrip},
	{"cpu", prepare_cpu, run_cpu, NULL},
	{"clock-gettime", NULL, run_clock_gettime, NULL},
};

/* ---- measuring ----------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Times one batch of N operations; -1 when one failed. */
static double batch_ns(const struct op *op, unsigned long n)
{
	double t0 = now_ns();
	if (op->run(n) < 0)
		return -1;
	return now_ns() - t0;
}

/* The median ns per operation over BATCHES batches of about TARGET_NS each;
 * -1 with errno set when an operation failed. */
static double measure(const struct op *op, int batches, double target_ns)
{
	double per_op[MAX_BATCHES], t;
	unsigned long n = 1;
	int i;
	/* Calibrate: grow the batch until it takes a tenth of the target
	 * (long enough for the clock to be precise), then scale it to the
	 * target.  This also warms caches and faults in what the operation
	 * touches. */
	for (;;) {
		if ((t = batch_ns(op, n)) < 0)
			return -1;
		if (t >= target_ns / 10)
			break;
		n *= 4;
	}
	n = (unsigned long)((double)n * target_ns / t) + 1;
	for (i = 0; i < batches; i++) {
		if ((t = batch_ns(op, n)) < 0)
			return -1;
		per_op[i] = t / (double)n;
	}
	qsort(per_op, (size_t)batches, sizeof per_op[0], cmp_double);
	return per_op[batches / 2];
}

/* What the kernel says about Speculative Store Bypass for this process:
 * whether the CPU is affected and whether SSBD is on for us (which is what
 * the cpu figure depends on). */
static const char *ssb_state(void)
{
	static char refused[64];
	int s = prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0L, 0L, 0L);
	if (s < 0) { /* gVisor, for one, does not implement it */
		snprintf(refused, sizeof refused, "unknown (prctl: %s)", strerror(errno));
		return refused;
	}
	if (s == PR_SPEC_NOT_AFFECTED)
		return "not-affected";
	if (!(s & PR_SPEC_PRCTL))
		/* The kernel offers no control: always on, or no mitigation
		 * at all (the CPU lacks SSBD or it is turned off). */
		return s & PR_SPEC_DISABLE ? "mitigated (always)" : "vulnerable (no control)";
	if (s & PR_SPEC_FORCE_DISABLE)
		return "mitigated (forced, e.g. by seccomp)";
	if (s & (PR_SPEC_DISABLE | PR_SPEC_DISABLE_NOEXEC))
		return "mitigated (prctl)";
	return "vulnerable (prctl available, not used)";
}

static void usage(void)
{
	size_t i;
	fputs("usage: syscalls [-k BATCHES] [-t BATCH_MS] [OP...]\nOPs:", stderr);
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		fprintf(stderr, " %s", ops[i].name);
	fputc('\n', stderr);
	exit(2);
}

static const struct op *find_op(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

/* One operation, measured and printed; 0, or 1 when it failed. */
static int bench(const struct op *op, int batches, double target_ns)
{
	double ns;
	if (op->prepare && op->prepare() < 0) {
		fprintf(stderr, "syscalls: %s: setup: %s\n", op->name, strerror(errno));
		return 1;
	}
	errno = 0;
	ns = measure(op, batches, target_ns);
	if (op->finish)
		op->finish();
	if (ns < 0) {
		fprintf(stderr, "syscalls: %s: %s\n", op->name, strerror(errno));
		return 1;
	}
	printf("%s %.2f\n", op->name, ns);
	fflush(stdout); /* a later failure must not lose the lines before it */
	return 0;
}

/* A whole decimal number from 1 to MAX, or the usage message. */
static int parse_count(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > max)
		usage();
	return (int)v;
}

int main(int argc, char **argv)
{
	int batches = 11, ms = 20, opt, i, failed = 0;
	size_t j;
	while ((opt = getopt(argc, argv, "k:t:")) != -1) {
		if (opt == 'k')
			batches = parse_count(optarg, MAX_BATCHES);
		else if (opt == 't')
			ms = parse_count(optarg, 10000);
		else
			usage();
	}
	for (i = optind; i < argc; i++)
		if (!find_op(argv[i]))
			usage();
	printf("# batches %d of %d ms, median\n# store-bypass speculation: %s\n",
	       batches, ms, ssb_state());
	fflush(stdout);
	if (optind == argc)
		for (j = 0; j < sizeof ops / sizeof ops[0]; j++)
			failed |= bench(&ops[j], batches, ms * 1e6);
	else
		for (i = optind; i < argc; i++)
			failed |= bench(find_op(argv[i]), batches, ms * 1e6);
	return failed;
}
