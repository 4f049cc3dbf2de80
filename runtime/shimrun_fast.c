/*
 * The pass-through path: start, state, kill and the other commands that
 * shimrun hands to the delegate unchanged are exec'd before the C library
 * starts.
 *
 * Why: glibc's start-up asks the processor about its features and caches
 * some 70 times (CPUID), and in a virtual machine each question exits to
 * the hypervisor: 0.25 to 0.4 ms of the 0.5 ms a passed-through command
 * cost on the VM this was measured on, paid by every `state`, `start` and
 * `kill` containerd runs.
 *
 * The program's entry point (shimrun_entry, linked with -e where
 * configure enables it) reads argv, the environment and the config file
 * with plain system calls.  When it is certain that the command passes
 * through and which delegate runs it, it execs the delegate exactly as
 * main would (same argv, same environment).  On any doubt - another
 * command, a config file it does not fully understand, a delegate to look
 * up in PATH, an exec that fails - it starts the program as usual (glibc's
 * _start), and main decides and reports.  Nothing here may call the C
 * library, which is not set up yet: tests/exports.sh checks that this
 * file and shimrun_args.c reference no symbol outside themselves.
 */
#include "config.h"
#include "shimrun.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAST_MAX_ARGS 256
#define FAST_MAX_PATH 4096

/* ---- What the config file says (pure: tests/fuzz/fuzz_cli.c checks it
 * against jansson) ---- */

BARE static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* A string of printable ASCII without escapes, at *p; NULL otherwise. */
BARE static const char *plain_string(const char *p, const char *end,
                                             const char **start, size_t *len) {
  if (p == end || *p != '"')
    return NULL;
  *start = ++p;
  while (p < end && *p != '"') {
    if (*p < 0x20 || *p > 0x7e || *p == '\\')
      return NULL;
    p++;
  }
  if (p == end)
    return NULL;
  *len = (size_t)(p - *start);
  return p + 1;
}

BARE static bool same(const char *s, size_t len, const char *word) {
  size_t i = 0;
  while (i < len && word[i] && s[i] == word[i])
    i++;
  return i == len && !word[i];
}

BARE bool shimrun_fast_config(const char *text, size_t len,
                                      const char **delegate, size_t *delegate_len) {
  static const char keys[] = "policy\0delegate\0auditLog\0stateDir\0";
  const char *p = text, *end = text + len;
  unsigned seen = 0;
  *delegate = NULL;
  p = skip_ws(p, end);
  if (p == end || *p++ != '{')
    return false;
  p = skip_ws(p, end);
  if (p < end && *p == '}')
    return skip_ws(p + 1, end) == end;
  for (;;) {
    const char *key, *value;
    size_t klen, vlen;
    if (!(p = plain_string(p, end, &key, &klen)))
      return false;
    p = skip_ws(p, end);
    if (p == end || *p++ != ':')
      return false;
    if (!(p = plain_string(skip_ws(p, end), end, &value, &vlen)))
      return false;
    unsigned k = 0;
    const char *name = keys;
    while (*name && !same(key, klen, name)) {
      while (*name++)
        ;
      k++;
    }
    /* An unknown or repeated key: main refuses it, and says why. */
    if (!*name || seen & (1u << k))
      return false;
    seen |= 1u << k;
    if (same(key, klen, "delegate")) {
      *delegate = value;
      *delegate_len = vlen;
    }
    p = skip_ws(p, end);
    if (p < end && *p == '}')
      return skip_ws(p + 1, end) == end;
    if (p == end || *p++ != ',')
      return false;
    p = skip_ws(p, end);
  }
}

#if defined(__x86_64__)

/* The config file main would read (shimrun.c's load_config), read into
 * buf (*present false when there is none); false when main must look at
 * it. */
BARE static bool read_config(char **argv, char **envp, char *buf,
                                     size_t size, bool *present, size_t *len) {
  char named[FAST_MAX_PATH];
  bool required;
  const char *path = shimrun_config_path(argv[0], bare_getenv(envp, "SHIMRUN_CONFIG"),
                                         named, sizeof named, &required);
  if (!path)
    return false;
  *len = 0;
  long fd = bare_syscall(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0);
  *present = fd >= 0;
  if (fd < 0)
    return !required && bare_syscall(SYS_faccessat, AT_FDCWD, (long)path, F_OK, 0) < 0;
  long n;
  while ((n = bare_syscall(SYS_read, fd, (long)(buf + *len), (long)(size - *len), 0)) > 0)
    *len += (size_t)n;
  bare_syscall(SYS_close, fd, 0, 0, 0);
  return n == 0 && *len < size; /* whole, and not too long to tell */
}

/* Execs the delegate when the command passes through; returns when main
 * must run instead. */
BARE void shimrun_fast(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
  if (argc < 2 || argc + 8 > FAST_MAX_ARGS)
    return;
  char config[4096], delegate[FAST_MAX_PATH];
  size_t len, dlen = 0;
  bool present;
  const char *value = NULL;
  if (!read_config(argv, envp, config, sizeof config, &present, &len) ||
      (present && !shimrun_fast_config(config, len, &value, &dlen)))
    return;
  struct shimrun s = {.delegate = "runc"};
  if (value) {
    if (dlen >= sizeof delegate)
      return;
    for (size_t i = 0; i < dlen; i++)
      delegate[i] = value[i];
    delegate[dlen] = '\0';
    s.delegate = delegate;
  }
  const char *env_delegate = bare_getenv(envp, "SHIMRUN_DELEGATE");
  if (env_delegate)
    s.delegate = env_delegate;
  char *av[FAST_MAX_ARGS];
  s.argv = av;
  shimrun_push(&s, "runc");
  int i = 1;
  if (shimrun_parse_globals(&s, argc, argv, &i) != SHIMRUN_COMMAND ||
      !shimrun_passes_through(argv[i]))
    return;
  /* A delegate named without a '/' is looked up in PATH, never as
   * shimrun itself: main does that. */
  bool has_slash = false;
  for (const char *c = s.delegate; *c; c++)
    has_slash |= *c == '/';
  if (!has_slash || bare_syscall(SYS_faccessat, AT_FDCWD, (long)s.delegate, X_OK, 0) < 0)
    return;
  av[0] = (char *)s.delegate;
  for (; i < argc; i++)
    shimrun_push(&s, argv[i]);
  bare_syscall(SYS_execve, (long)s.delegate, (long)av, (long)envp, 0);
}

/* The entry point: the kernel's stack (argc, argv, envp, auxv) goes to
 * shimrun_fast; if it returns, glibc's _start gets the same stack and
 * registers it would have had (%rdx: the kernel's exit function, 0). */
__asm__(".text\n"
        ".globl shimrun_entry\n"
        ".type shimrun_entry, @function\n"
        "shimrun_entry:\n"
        "  mov %rsp, %r12\n"
        "  mov %rdx, %r13\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call shimrun_fast\n"
        "  mov %r12, %rsp\n"
        "  mov %r13, %rdx\n"
        "  jmp _start\n"
        ".size shimrun_entry, .-shimrun_entry\n");

#endif
