/* What code that runs without the C library shares: shimrun's
 * pass-through path (shimrun_fast.c, before glibc starts) and the seccomp
 * loader (seccomp_loader.c, which never has one).  Header-only, so that
 * neither references a symbol outside itself (tests/exports.sh). */
#ifndef SHIM_BARE_H
#define SHIM_BARE_H

#include <stddef.h>

/* No stack protector: its canary is not set up without the C library. */
#if defined(__has_attribute) && __has_attribute(no_stack_protector)
#define BARE __attribute__((no_stack_protector))
#else
#define BARE
#endif

#if defined(__x86_64__)
/* A system call: its result, or -errno. */
BARE static inline long bare_syscall(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}
#endif

/* The value of NAME in envp, or NULL. */
BARE static inline const char *bare_getenv(char **envp, const char *name) {
  for (; *envp; envp++) {
    const char *e = *envp, *n = name;
    while (*n && *e == *n)
      e++, n++;
    if (!*n && *e == '=')
      return e + 1;
  }
  return NULL;
}

#endif
