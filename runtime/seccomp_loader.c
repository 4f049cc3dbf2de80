/*
 * shim's seccomp loader: the first program a container in the loader's
 * form runs (libshim/loader.c).  It installs the filter bound at
 * SHIM_SECCOMP_FILTER with seccomp(2), then execs its arguments as the
 * container's process: `loader ARGS...` becomes ARGS, with the same argv[0],
 * environment and descriptors, so /proc/self/exe and argv are the
 * workload's own.  runc has already set no_new_privs, dropped capabilities
 * and entered every namespace; nothing of the workload runs before the
 * filter is in place.
 *
 * Any failure ends the process with a message and status 127 (the shells'
 * "cannot run"): a container whose filter cannot be installed never runs.
 *
 * Why no C library: glibc's start-up asks the processor about its features
 * some 70 times, and in a virtual machine each question is an exit to the
 * hypervisor (runtime/shimrun_fast.c measured it).  This runs at every
 * start and exec, so it is a freestanding static program of plain system
 * calls (x86_64), built without stack protector (no C library sets up its
 * canary) and entered at loader_start (Makefile.am).
 */
#include "config.h"
#include "bare.h"
#include "seccomp_filter.h"

#include <shim/shim.h>
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

/* "shim-seccomp-loader: WHAT: errno N (NAME)", then exit 127. */
__attribute__((noreturn)) static void die(const char *what,
                                                     const char *detail, long err) {
  static const char *const names[] = {
      [1] = "EPERM",   [2] = "ENOENT", [7] = "E2BIG",   [8] = "ENOEXEC",
      [12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [20] = "ENOTDIR",
      [22] = "EINVAL", [40] = "ELOOP",  [36] = "ENAMETOOLONG"};
  char line[512], num[24];
  size_t used = 0, k = 0;
  const char *parts[] = {"shim-seccomp-loader: ", what, detail ? ": " : "",
                         detail ? detail : "", err ? ": errno " : "", "", "", "", "\n"};
  if (err) {
    unsigned long v = (unsigned long)err;
    char rev[24];
    do
      rev[k++] = (char)('0' + v % 10);
    while ((v /= 10) && k < sizeof rev);
    for (size_t i = 0; i < k; i++)
      num[i] = rev[k - 1 - i];
    num[k] = '\0';
    parts[5] = num;
    if ((size_t)err < sizeof names / sizeof names[0] && names[err]) {
      parts[6] = " ";
      parts[7] = names[err];
    }
  }
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    for (const char *p = parts[i]; *p && used < sizeof line; p++)
      line[used++] = *p;
  bare_syscall(__NR_write, 2, (long)line, (long)used, 0);
  bare_syscall(__NR_exit_group, 127, 0, 0, 0);
  __builtin_unreachable();
}

/* Room for the largest program the kernel takes. */
static union {
  struct seccomp_filter_header header;
  char bytes[sizeof(struct seccomp_filter_header) +
             SECCOMP_FILTER_MAX * sizeof(struct sock_filter) + 1];
} file;

static void install(void) {
  long fd = bare_syscall(__NR_open, (long)SHIM_SECCOMP_FILTER, O_RDONLY | O_CLOEXEC, 0, 0);
  if (fd < 0)
    die("cannot open the filter", SHIM_SECCOMP_FILTER, -fd);
  size_t used = 0;
  long n;
  while (used < sizeof file.bytes &&
         (n = bare_syscall(__NR_read, fd, (long)(file.bytes + used),
                           (long)(sizeof file.bytes - used), 0)) != 0) {
    if (n < 0)
      die("cannot read the filter", SHIM_SECCOMP_FILTER, -n);
    used += (size_t)n;
  }
  bare_syscall(__NR_close, fd, 0, 0, 0);
  const struct seccomp_filter_header *h = &file.header;
  bool magic = used >= sizeof *h;
  for (size_t i = 0; magic && i < sizeof h->magic; i++)
    magic = h->magic[i] == SECCOMP_FILTER_MAGIC[i];
  if (!magic || h->count == 0 || h->count > SECCOMP_FILTER_MAX ||
      used != sizeof *h + h->count * sizeof(struct sock_filter))
    die("not a complete filter file", SHIM_SECCOMP_FILTER, 0);
  struct sock_fprog prog = {
      .len = (unsigned short)h->count,
      .filter = (struct sock_filter *)(file.bytes + sizeof *h)};
  long rc = bare_syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, h->flags, (long)&prog, 0);
  if (rc < 0)
    die("the kernel refused the filter", NULL, -rc);
}

/* As runc finds the process (Go's exec.LookPath): a name with a slash as
 * it is, else the first of PATH's directories where execve succeeds; no
 * PATH, no search. */
__attribute__((noreturn)) static void run(char **argv, char **envp) {
  const char *name = argv[0];
  bool slash = false;
  for (const char *p = name; *p; p++)
    slash |= *p == '/';
  if (slash) {
    long rc = bare_syscall(__NR_execve, (long)name, (long)argv, (long)envp, 0);
    die(name, "cannot execute", -rc);
  }
  const char *path = bare_getenv(envp, "PATH");
  long seen = -2; /* -ENOENT */
  size_t len = length(name);
  char full[4096];
  while (path && *name) {
    size_t dir = 0;
    while (path[dir] && path[dir] != ':')
      dir++;
    /* An empty entry is the working directory, as for Go and the shells. */
    const char *d = dir ? path : ".";
    size_t dlen = dir ? dir : 1;
    if (dlen + 1 + len < sizeof full) {
      for (size_t i = 0; i < dlen; i++)
        full[i] = d[i];
      full[dlen] = '/';
      for (size_t i = 0; i <= len; i++)
        full[dlen + 1 + i] = name[i];
      long rc = bare_syscall(__NR_execve, (long)full, (long)argv, (long)envp, 0);
      /* Look further where nothing runnable is; else that is the answer. */
      if (rc != -2 && rc != -20 && rc != -13)
        die(full, "cannot execute", -rc);
      if (rc == -13)
        seen = rc;
    }
    if (!path[dir])
      break;
    path += dir + 1;
  }
  die(name, seen == -13 ? "no permission to execute" : "executable file not found in $PATH",
      -seen);
}

__attribute__((used)) static void loader_main(long *sp) {
  long argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  if (argc < 2)
    die("usage: seccomp-loader PROGRAM [ARG...]", NULL, 0);
  /* Until the filter is in, no process of the container may trace or
   * write into this one (the exec that follows makes it dumpable again). */
  long rc = bare_syscall(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
  if (rc < 0)
    die("cannot make itself undumpable", NULL, -rc);
  install();
  run(argv + 1, envp);
}

__asm__(".text\n"
        ".globl loader_start\n"
        ".type loader_start, @function\n"
        "loader_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call loader_main\n"
        "  hlt\n"
        ".size loader_start, .-loader_start\n");
