/* The file a compiled seccomp filter is kept in: written once per profile
 * by the node's cache (node_seccomp.c), bound read-only into containers
 * at SHIM_SECCOMP_FILTER and installed there by the loader
 * (seccomp_loader.c).  A header, then the program, in the node's byte
 * order. */
#ifndef SECCOMP_FILTER_H
#define SECCOMP_FILTER_H

#include <stdint.h>

#define SECCOMP_FILTER_MAGIC "SHIMBPF1"
#define SECCOMP_FILTER_MAX 4096 /* BPF_MAXINSNS: the kernel's limit */

struct seccomp_filter_header {
  char magic[8];           /* SECCOMP_FILTER_MAGIC, no NUL */
  uint32_t flags;          /* for seccomp(2): SECCOMP_FILTER_FLAG_* */
  uint32_t count;          /* struct sock_filter instructions that follow */
  char key[64];            /* sha256 (hex) of what it was compiled from and with */
  char sum[64];            /* sha256 (hex) of the instructions */
};

#endif
