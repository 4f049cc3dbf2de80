/*
 * libFuzzer target: OCI runtime specs (config.json), the library's main
 * untrusted input.
 *
 * Each input is loaded strictly (shim_spec_load_data); a spec that loads is
 * rendered (the render must load again), checked and hardened with each of
 * the policies below, and the hardening property of fuzz_common.h is
 * checked on every spec that hardens:
 *   - the hardened output loads again,
 *   - hardening it again succeeds and gives byte-identical output,
 *   - its re-check has no REJECT finding and no HARDEN finding but
 *     "user-namespace".
 *
 * FUZZ_SPEC_POLICIES (environment) picks policies by name, comma-separated
 * ("default,extras"); all of them when unset.
 *
 * shim_check looks at the host: namespace paths are compared with
 * /proc/1/ns, bind sources are resolved with realpath(3).  Both only look.
 */
#include <shim/shim.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* The default policy, and an overlay that turns on what the default leaves
 * off (rlimits, an AppArmor profile, ambient capabilities, seccomp "kill"
 * and SPEC_ALLOW) and puts the controls hardening cannot fix in warn mode,
 * so that more specs get as far as the hardening code. */
static const char extras_policy[] =
    "{\"version\": 1, \"name\": \"fuzz-extras\", \"controls\": {"
    " \"capabilities\": {\"mode\": \"enforce\", \"allowAmbient\": true,"
    "   \"allowed\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_RAW\","
    "                 \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_NET_BIND_SERVICE\"]},"
    " \"seccomp\": {\"mode\": \"enforce\", \"denyAction\": \"kill\","
    "   \"specAllow\": true},"
    " \"apparmor\": {\"mode\": \"enforce\", \"profile\": \"shim-default\"},"
    " \"rlimits\": {\"mode\": \"enforce\", \"limits\": {"
    "   \"RLIMIT_NOFILE\": {\"soft\": 1024, \"hard\": 4096},"
    "   \"RLIMIT_NPROC\": {\"soft\": 512, \"hard\": 512}}},"
    " \"pids-limit\": {\"mode\": \"enforce\", \"default\": 128},"
    " \"host-namespaces\": {\"mode\": \"warn\"},"
    " \"host-devices\": {\"mode\": \"warn\"},"
    " \"host-mounts\": {\"mode\": \"warn\"},"
    " \"runtime-sockets\": {\"mode\": \"warn\"},"
    " \"kernel-filesystems\": {\"mode\": \"warn\"},"
    " \"mount-propagation\": {\"mode\": \"warn\"},"
    " \"sysctls\": {\"mode\": \"warn\"},"
    " \"hooks\": {\"mode\": \"warn\"}}}";

/* Everything in warn mode: seccomp's deliberate denials become LOG. */
static const char warn_policy[] =
    "{\"version\": 1, \"name\": \"fuzz-warn\", \"controls\": {"
    " \"host-namespaces\": {\"mode\": \"warn\"},"
    " \"capabilities\": {\"mode\": \"warn\"},"
    " \"run-as-root\": {\"mode\": \"warn\"},"
    " \"host-devices\": {\"mode\": \"warn\"},"
    " \"host-mounts\": {\"mode\": \"warn\"},"
    " \"runtime-sockets\": {\"mode\": \"warn\"},"
    " \"kernel-filesystems\": {\"mode\": \"warn\"},"
    " \"mount-propagation\": {\"mode\": \"warn\"},"
    " \"proc-unmasked\": {\"mode\": \"warn\"},"
    " \"sysctls\": {\"mode\": \"warn\"},"
    " \"hooks\": {\"mode\": \"warn\"},"
    " \"no-new-privileges\": {\"mode\": \"warn\"},"
    " \"seccomp\": {\"mode\": \"warn\"},"
    " \"apparmor\": {\"mode\": \"warn\"},"
    " \"pids-limit\": {\"mode\": \"warn\"},"
    " \"rlimits\": {\"mode\": \"warn\"}}}";

static struct {
  const char *name;
  const char *overlay; /* NULL: the default policy */
  shim_policy *policy; /* NULL: not selected */
} policies[] = {
    {"default", NULL, NULL},
    {"extras", extras_policy, NULL},
    {"warn", warn_policy, NULL},
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *only = getenv("FUZZ_SPEC_POLICIES");
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
    if (only) {
      size_t n = strlen(policies[i].name);
      const char *p = only;
      while ((p = strstr(p, policies[i].name)) &&
             ((p != only && p[-1] != ',') || (p[n] && p[n] != ',')))
        p += n;
      if (!p)
        continue;
    }
    shim_error err;
    int ret = policies[i].overlay
                  ? shim_policy_load_data(policies[i].overlay,
                                          strlen(policies[i].overlay),
                                          &policies[i].policy, &err)
                  : shim_policy_load_default(&policies[i].policy, &err);
    if (ret < 0) {
      fprintf(stderr, "fuzz_spec: policy %s: %s: %s\n", policies[i].name,
              err.pointer, err.message);
      abort();
    }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  shim_spec *spec = NULL;
  shim_error err;
  if (shim_spec_load_data(data, size, &spec, &err) < 0) {
    if (!err.message[0])
      FUZZ_FAIL("load failed without a message");
    return 0;
  }

  /* shim_spec_render: "the spec as libshim read it" loads again. */
  char *text = NULL;
  if (shim_spec_render(spec, &text, &err) == 0) {
    shim_spec *again = NULL;
    int ret = shim_spec_load_data(text, strlen(text), &again, &err);
    if (ret < 0) {
      fprintf(stderr, "%s\n", text);
      fuzz_print_error("reload", ret, &err);
      FUZZ_FAIL("shim_spec_render output does not load again");
    }
    shim_spec_free(again);
    free(text);
  }

  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
    if (policies[i].policy)
      fuzz_harden_property(policies[i].policy, spec, policies[i].name);

  shim_spec_free(spec);
  return 0;
}
