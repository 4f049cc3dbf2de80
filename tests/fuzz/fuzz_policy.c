/*
 * libFuzzer target: policy overlays (shim_policy_load_data).
 *
 * PROPERTY: the render of a policy that loads (shim_policy_render) loads
 * again, and renders to the same text (the render is the effective policy,
 * so loading it must give that policy back).
 *
 * A policy that loads is then used: two fixed specs are checked and
 * hardened with it, with the hardening property of fuzz_common.h.
 *
 * Note: a policy may name a seccomp profile by absolute path; the library
 * then reads that host file (regular files only, within the size limit).
 */
#include <shim/shim.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* An ordinary container (what containerd writes for `ctr run`, trimmed),
 * with the fields the policy's settings act on: capabilities in every
 * set, rlimits, AppArmor unconfined, no seccomp section. */
static const char plain_spec[] =
    "{\"ociVersion\": \"1.1.0\","
    " \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],"
    "  \"cwd\": \"/\", \"apparmorProfile\": \"unconfined\","
    "  \"capabilities\": {"
    "   \"bounding\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_NET_RAW\","
    "                  \"CAP_KILL\", \"CAP_SETUID\", \"CAP_SETGID\"],"
    "   \"effective\": [\"CAP_CHOWN\", \"CAP_NET_RAW\", \"CAP_KILL\"],"
    "   \"permitted\": [\"CAP_CHOWN\", \"CAP_NET_RAW\", \"CAP_KILL\"],"
    "   \"ambient\": [\"CAP_KILL\"]},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1048576,"
    "                 \"soft\": 1048576},"
    "                {\"type\": \"RLIMIT_CORE\", \"hard\": 0, \"soft\": 0}]},"
    " \"root\": {\"path\": \"rootfs\"},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\","
    "   \"source\": \"proc\"},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"ro\"]},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"},"
    "   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"network\"}],"
    "  \"sysctl\": {\"net.ipv4.ping_group_range\": \"0 0\"},"
    "  \"maskedPaths\": [\"/proc/kcore\"],"
    "  \"readonlyPaths\": [\"/proc/sys\"]}}";

/* The same with a seccomp profile of its own (argument rules, so that the
 * intersection with the policy's profile has work to do). */
static const char seccomp_spec[] =
    "{\"ociVersion\": \"1.1.0\","
    " \"process\": {\"user\": {\"uid\": 1000, \"gid\": 1000},"
    "  \"args\": [\"sh\"], \"cwd\": \"/\", \"noNewPrivileges\": true},"
    " \"root\": {\"path\": \"rootfs\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"},"
    "   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"network\"},"
    "   {\"type\": \"cgroup\"}],"
    "  \"maskedPaths\": [\"/proc/kcore\"],"
    "  \"resources\": {\"pids\": {\"limit\": 100}},"
    "  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\","
    "   \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\","
    "     \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"],"
    "   \"syscalls\": ["
    "    {\"names\": [\"read\", \"write\", \"exit_group\", \"openat\","
    "      \"close\", \"mmap\", \"brk\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "    {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
    "     \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
    "    {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","
    "     \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0,"
    "       \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
    "    {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_LOG\"},"
    "    {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\","
    "     \"errnoRet\": 1}]}}}";

static shim_spec *specs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *texts[] = {plain_spec, seccomp_spec};
  for (size_t i = 0; i < 2; i++) {
    shim_error err;
    if (shim_spec_load_data(texts[i], strlen(texts[i]), &specs[i], &err) < 0) {
      fprintf(stderr, "fuzz_policy: built-in spec %zu: %s: %s\n", i,
              err.pointer, err.message);
      abort();
    }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  shim_policy *policy = NULL;
  shim_error err;
  if (shim_policy_load_data(data, size, &policy, &err) < 0) {
    if (!err.message[0])
      FUZZ_FAIL("load failed without a message");
    return 0;
  }

  char *text = NULL;
  int ret = shim_policy_render(policy, &text, &err);
  if (ret < 0) {
    fuzz_print_error("render", ret, &err);
    FUZZ_FAIL("a loaded policy does not render");
  }
  shim_policy *again = NULL;
  ret = shim_policy_load_data(text, strlen(text), &again, &err);
  if (ret < 0) {
    fprintf(stderr, "%s\n", text);
    fuzz_print_error("reload", ret, &err);
    FUZZ_FAIL("the render of a policy does not load again");
  }
  char *text2 = NULL;
  ret = shim_policy_render(again, &text2, &err);
  if (ret < 0) {
    fuzz_print_error("render", ret, &err);
    FUZZ_FAIL("a reloaded policy does not render");
  }
  if (strcmp(text, text2) != 0) {
    fprintf(stderr, "---- first\n%s\n---- second\n%s\n", text, text2);
    FUZZ_FAIL("render(load(render(policy))) != render(policy)");
  }
  free(text2);
  free(text);
  shim_policy_free(again);

  for (size_t i = 0; i < 2; i++)
    fuzz_harden_property(policy, specs[i], "fuzzed");

  shim_policy_free(policy);
  return 0;
}
