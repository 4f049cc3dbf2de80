/*
 * A classic-BPF interpreter for seccomp programs, so that `shimctl seccomp
 * explain` reports what the kernel would decide from the very program
 * libseccomp produced, without loading it (no root, no side effects).
 */
#include "config.h"
#include "internal.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>

int bpf_run(const struct sock_filter *prog, size_t len,
            const struct seccomp_data *data, uint32_t *result,
            shim_error *err) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
  unsigned char bytes[sizeof *data];
  memcpy(bytes, data, sizeof bytes);
  /* Classic BPF only jumps forward: at most len steps. */
  for (size_t pc = 0; pc < len; pc++) {
    const struct sock_filter *in = &prog[pc];
    uint32_t src = BPF_SRC(in->code) == BPF_X ? x : in->k;
    switch (BPF_CLASS(in->code)) {
    case BPF_LD:
    case BPF_LDX: {
      uint32_t v;
      if (BPF_MODE(in->code) == BPF_ABS && BPF_SIZE(in->code) == BPF_W) {
        if (in->k % 4 || in->k + 4 > sizeof bytes)
          goto bad;
        memcpy(&v, bytes + in->k, 4);
      } else if (BPF_MODE(in->code) == BPF_IMM) {
        v = in->k;
      } else if (BPF_MODE(in->code) == BPF_MEM && in->k < BPF_MEMWORDS) {
        v = mem[in->k];
      } else if (BPF_MODE(in->code) == BPF_LEN) {
        v = sizeof bytes;
      } else {
        goto bad;
      }
      if (BPF_CLASS(in->code) == BPF_LD)
        a = v;
      else
        x = v;
      break;
    }
    case BPF_ST:
    case BPF_STX:
      if (in->k >= BPF_MEMWORDS)
        goto bad;
      mem[in->k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
      break;
    case BPF_ALU:
      switch (BPF_OP(in->code)) {
      case BPF_ADD: a += src; break;
      case BPF_SUB: a -= src; break;
      case BPF_MUL: a *= src; break;
      case BPF_DIV: if (!src) goto bad; a /= src; break;
      case BPF_MOD: if (!src) goto bad; a %= src; break;
      case BPF_AND: a &= src; break;
      case BPF_OR: a |= src; break;
      case BPF_XOR: a ^= src; break;
      case BPF_LSH: a = src < 32 ? a << src : 0; break;
      case BPF_RSH: a = src < 32 ? a >> src : 0; break;
      case BPF_NEG: a = -a; break;
      default: goto bad;
      }
      break;
    case BPF_JMP: {
      bool taken;
      switch (BPF_OP(in->code)) {
      case BPF_JA:
        pc += in->k;
        continue;
      case BPF_JEQ: taken = a == src; break;
      case BPF_JGT: taken = a > src; break;
      case BPF_JGE: taken = a >= src; break;
      case BPF_JSET: taken = (a & src) != 0; break;
      default: goto bad;
      }
      pc += taken ? in->jt : in->jf;
      break;
    }
    case BPF_RET:
      *result = BPF_RVAL(in->code) == BPF_A ? a : in->k;
      return 0;
    case BPF_MISC:
      if (BPF_MISCOP(in->code) == BPF_TAX)
        x = a;
      else
        a = x;
      break;
    default:
      goto bad;
    }
  }
  return error_set(err, SHIM_ERR_INVAL, NULL, "the program ends without a return");
bad:
  return error_set(err, SHIM_ERR_INVAL, NULL, "unsupported BPF instruction");
}
