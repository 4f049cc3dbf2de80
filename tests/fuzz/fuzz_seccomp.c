/*
 * libFuzzer target: seccomp profiles (OCI linux.seccomp, and Docker's and
 * containerd's format), shim_seccomp_load_data.
 *
 * A profile that loads is compiled with libseccomp for the default policy
 * (BPF and PFC) and run through shim_seccomp_explain for a few calls.
 * Errors are fine (libseccomp refuses some combinations); crashes, leaks
 * and hangs are not.
 *
 * The same bytes are then placed as linux.seccomp in an otherwise
 * acceptable spec and hardened with the default policy, which combines
 * them with the policy's own profile (seccomp_intersect); the hardening
 * property of fuzz_common.h is checked on the result.
 */
#include <shim/shim.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static shim_policy *policy;

/* Everything a spec needs to be accepted by the default policy, with the
 * fuzzed profile as linux.seccomp. */
static const char spec_head[] =
    "{\"ociVersion\": \"1.1.0\","
    " \"process\": {\"user\": {\"uid\": 1000, \"gid\": 1000},"
    "  \"args\": [\"sh\"], \"cwd\": \"/\", \"noNewPrivileges\": true,"
    "  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"]}},"
    " \"root\": {\"path\": \"rootfs\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"},"
    "   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"network\"},"
    "   {\"type\": \"cgroup\"}],"
    "  \"maskedPaths\": [\"/proc/kcore\"],"
    "  \"resources\": {\"pids\": {\"limit\": 100}},"
    "  \"seccomp\": ";
static const char spec_tail[] = "}}";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  shim_error err;
  if (shim_policy_load_default(&policy, &err) < 0) {
    fprintf(stderr, "fuzz_seccomp: default policy: %s\n", err.message);
    abort();
  }
  return 0;
}

static void explain(const shim_seccomp *profile, const char *call,
                    const unsigned long long *args, size_t nargs) {
  shim_seccomp_decision d;
  shim_error err;
  if (shim_seccomp_explain(policy, profile, call, args, nargs, &d, &err) == 0) {
    if (!memchr(d.action_name, '\0', sizeof d.action_name) ||
        !memchr(d.rule, '\0', sizeof d.rule))
      FUZZ_FAIL("explain %s: unterminated decision strings", call);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  shim_seccomp *profile = NULL;
  shim_error err;
  if (shim_seccomp_load_data(data, size, &profile, &err) < 0) {
    if (!err.message[0])
      FUZZ_FAIL("load failed without a message");
    return 0;
  }
  for (size_t i = 0; i < shim_seccomp_warning_count(profile); i++)
    if (!shim_seccomp_warning_get(profile, i))
      FUZZ_FAIL("warning %zu missing", i);
  if (shim_seccomp_warning_get(profile, shim_seccomp_warning_count(profile)))
    FUZZ_FAIL("a warning past the end");

  for (int what = SHIM_SECCOMP_BPF; what <= SHIM_SECCOMP_PFC; what++) {
    char *out = NULL;
    size_t len = 0;
    if (shim_seccomp_compile(policy, profile, (shim_seccomp_output)what, &out,
                             &len, &err) == 0) {
      if (what == SHIM_SECCOMP_BPF && len % 8)
        FUZZ_FAIL("BPF program of %zu bytes (not whole instructions)", len);
      free(out);
    }
  }

  explain(profile, "read", NULL, 0);
  /* clone(CLONE_NEWUSER | SIGCHLD), then a plain thread clone. */
  const unsigned long long newuser[] = {0x10000000ULL | 17, 0, 0, 0, 0, 0};
  explain(profile, "clone", newuser, 6);
  const unsigned long long thread[] = {0x3d0f00ULL, 1, 2};
  explain(profile, "clone", thread, 3);
  const unsigned long long linux32[] = {8};
  explain(profile, "personality", linux32, 1);
  shim_seccomp_free(profile);

  /* As a spec's linux.seccomp, hardened with the default policy. */
  size_t n = sizeof spec_head - 1 + size + sizeof spec_tail - 1;
  char *text = malloc(n);
  if (!text)
    return 0;
  memcpy(text, spec_head, sizeof spec_head - 1);
  memcpy(text + sizeof spec_head - 1, data, size);
  memcpy(text + sizeof spec_head - 1 + size, spec_tail, sizeof spec_tail - 1);
  shim_spec *spec = NULL;
  if (shim_spec_load_data(text, n, &spec, &err) == 0) {
    fuzz_harden_property(policy, spec, "default");
    shim_spec_free(spec);
  }
  free(text);
  return 0;
}
