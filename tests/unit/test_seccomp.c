/* Seccomp profiles: loading (the sandbox profile, containerd's real one,
 * Docker's conditions, malformed ones), compilation for every ABI, and the
 * decisions of the compiled BPF as data tables (syscall, args -> action),
 * checked with the interpreter in bpf.c: no root, nothing loaded. */
#include "config.h"
#include "test.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>

#define ALLOW SCMP_ACT_ALLOW
#define EPERM_ SCMP_ACT_ERRNO(EPERM)
#define ENOSYS_ SCMP_ACT_ERRNO(ENOSYS)

/* Runs a filter's compiled program on one call of the given ABI. */
static uint32_t decide(const struct sc_filter *f, uint32_t arch, int nr,
                       uint64_t a0) {
  scmp_filter_ctx ctx = NULL;
  char *prog = NULL;
  size_t len = 0;
  uint32_t result = 0xdead;
  shim_error err;
  if (seccomp_compile(f, &ctx, &err) < 0 ||
      seccomp_export(ctx, false, &prog, &len, &err) < 0) {
    fprintf(stderr, "\n  compile: %s\n", err.message);
    CU_FAIL("compile");
  } else {
    struct seccomp_data d = {.nr = nr, .arch = arch, .args = {a0}};
    CU_ASSERT(bpf_run((struct sock_filter *)prog, len / 8, &d, &result, &err) == 0);
  }
  free(prog);
  if (ctx)
    seccomp_release(ctx);
  return result;
}

static uint32_t decide_name(const struct sc_filter *f, const char *name,
                            uint64_t a0) {
  int nr = seccomp_syscall_resolve_name(name);
  CU_ASSERT_FATAL(nr >= 0);
  return decide(f, seccomp_arch_native(), nr, a0);
}

/* ---- the sandbox profile as the default policy applies it ---------------- */

static const struct decision_case {
  const char *syscall;
  uint64_t arg0;
  uint32_t action;
} sandbox_cases[] = {
    {"read", 0, ALLOW},
    {"getppid", 0, ALLOW},
    {"openat", 0, ALLOW},
    {"faccessat2", 0, ALLOW},          /* glibc falls back on ENOSYS only */
    {"clone", 0x11 /* SIGCHLD */, ALLOW},
    {"clone", 0x10000000 /* CLONE_NEWUSER */, EPERM_},
    {"clone", 0x20000 /* CLONE_NEWNS */, EPERM_},
    {"clone", 0x40000011 /* CLONE_NEWNET|SIGCHLD */, EPERM_},
    {"clone3", 0, ENOSYS_},            /* so that libc falls back to clone */
    {"unshare", 0, EPERM_},
    {"setns", 0, EPERM_},
    {"mount", 0, EPERM_},
    {"io_uring_setup", 0, EPERM_},
    {"userfaultfd", 0, EPERM_},
    {"bpf", 0, EPERM_},
    {"perf_event_open", 0, EPERM_},
    {"keyctl", 0, EPERM_},
    {"ptrace", 0, EPERM_},
    {"process_vm_readv", 0, EPERM_},
    {"kexec_load", 0, EPERM_},
    {"init_module", 0, EPERM_},
    {"open_by_handle_at", 0, EPERM_},
    {"personality", 0, ALLOW},
    {"personality", 0xffffffff, ALLOW}, /* a query */
    {"personality", 0x0400000 /* READ_IMPLIES_EXEC */, ENOSYS_},
    {"socket", 1 /* AF_UNIX */, ALLOW},
    {"socket", 10 /* AF_INET6 */, ALLOW},
    {"socket", 0x100000002 /* AF_INET to the kernel, which reads 32 bits */, ALLOW},
    {"socket", 38 /* AF_ALG */, ENOSYS_},
    {"socket", 40 /* AF_VSOCK */, ENOSYS_},
};

static void test_sandbox_decisions(void) {
  shim_policy *policy = NULL;
  struct sc_filter f = {0};
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  CU_ASSERT_FATAL(seccomp_policy_filter(policy, policy->caps_allowed, &f, NULL) == 0);
  for (size_t i = 0; i < ARRAY_SIZE(sandbox_cases); i++) {
    const struct decision_case *c = &sandbox_cases[i];
    uint32_t got = decide_name(&f, c->syscall, c->arg0);
    if (got != c->action)
      fprintf(stderr, "\n  %s(%#llx): %#x, want %#x\n", c->syscall,
              (unsigned long long)c->arg0, got, c->action);
    CU_ASSERT_EQUAL(got, c->action);
  }
  sc_filter_clear(&f);
  shim_policy_free(policy);
}

/* No compat ABI is in the filter (i386's socketcall multiplexer cannot be
 * filtered by argument; x32 is a rarely used attack surface): their calls
 * meet the bad-architecture action, never an allow rule. */
static void test_sandbox_abis(void) {
  shim_policy *policy = NULL;
  struct sc_filter f = {0};
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  CU_ASSERT_FATAL(seccomp_policy_filter(policy, policy->caps_allowed, &f, NULL) == 0);
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    int i386_read = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "read");
    int i386_socketcall = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "socketcall");
    CU_ASSERT(!seccomp_action_allows(decide(&f, AUDIT_ARCH_I386, i386_read, 0)));
    CU_ASSERT(!seccomp_action_allows(decide(&f, AUDIT_ARCH_I386, i386_socketcall, 1)));
    /* x32: same audit arch as x86_64, syscall numbers with bit 30 set. */
    uint32_t x32 = decide(&f, AUDIT_ARCH_X86_64, 0x40000000 | 39 /* getpid */, 0);
    CU_ASSERT(x32 != ALLOW && !seccomp_action_allows(x32));
    /* An architecture the filter does not know at all. */
    CU_ASSERT(!seccomp_action_allows(decide(&f, AUDIT_ARCH_AARCH64, 63, 0)));
  }
  sc_filter_clear(&f);
  shim_policy_free(policy);
}

static void test_compile_api(void) {
  shim_policy *policy = NULL;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  char *bpf = NULL, *pfc = NULL;
  size_t len = 0, plen = 0;
  CU_ASSERT_EQUAL(shim_seccomp_compile(policy, NULL, SHIM_SECCOMP_BPF, &bpf, &len, NULL), 0);
  CU_ASSERT(len > 0 && len % 8 == 0);
  CU_ASSERT_EQUAL(shim_seccomp_compile(policy, NULL, SHIM_SECCOMP_PFC, &pfc, &plen, NULL), 0);
  CU_ASSERT(pfc && strstr(pfc, "filter for arch x86_64") != NULL);
  shim_seccomp_decision d;
  unsigned long long newuser = 0x10000000;
  CU_ASSERT_EQUAL(shim_seccomp_explain(policy, NULL, "clone", &newuser, 1, &d, NULL), 0);
  CU_ASSERT_STRING_EQUAL(d.action_name, "SCMP_ACT_ERRNO");
  CU_ASSERT_EQUAL(d.errno_value, EPERM);
  CU_ASSERT(strncmp(d.rule, "/syscalls/", 10) == 0);
  CU_ASSERT_EQUAL(shim_seccomp_explain(policy, NULL, "personality", (unsigned long long[]){0x400000}, 1, &d, NULL), 0);
  CU_ASSERT_STRING_EQUAL(d.rule, "/defaultAction");
  CU_ASSERT_EQUAL(d.errno_value, ENOSYS);
  shim_error err;
  CU_ASSERT_EQUAL(shim_seccomp_explain(policy, NULL, "no_such_call", NULL, 0, &d, &err),
                  -SHIM_ERR_INVAL);
  free(bpf);
  free(pfc);
  shim_policy_free(policy);
}

/* ---- loading ------------------------------------------------------------- */

/* The embedded profile's digest is computed at build time: it must be the
 * one its bytes give, and the file's (profiles/seccomp/sandbox.json). */
static void test_embedded_digest(void) {
  char path[4096];
  shim_seccomp *built = NULL, *hashed = NULL, *file = NULL;
  CU_ASSERT_FATAL(shim_seccomp_load_default(&built, NULL) == 0);
  CU_ASSERT_FATAL(shim_seccomp_load_data(sandbox_seccomp_json, sandbox_seccomp_json_len,
                                         &hashed, NULL) == 0);
  CU_ASSERT_FATAL(shim_seccomp_load_file(fixture("../../profiles/seccomp/sandbox.json", path, sizeof path),
                                         &file, NULL) == 0);
  CU_ASSERT_EQUAL(strlen(seccomp_digest(built)), 64);
  CU_ASSERT_STRING_EQUAL(seccomp_digest(built), seccomp_digest(hashed));
  CU_ASSERT_STRING_EQUAL(seccomp_digest(built), seccomp_digest(file));
  shim_seccomp_free(built);
  shim_seccomp_free(hashed);
  shim_seccomp_free(file);
}

/* containerd's default profile, as `ctr run --seccomp` writes it. */
static void test_containerd_profile(void) {
  char *data = NULL;
  size_t len = 0;
  CU_ASSERT_FATAL(read_fixture("ctr-seccomp.json", &data, &len) == 0);
  struct jtree doc;
  shim_error err;
  CU_ASSERT_FATAL(jtree_parse(data, len, &doc, &err) == 0);
  shim_seccomp *p = NULL;
  int ret = seccomp_from_tree(jv_get(jv_get(doc.nodes, "linux"), "seccomp"),
                              "/linux/seccomp", &p, &err);
  if (ret < 0)
    fprintf(stderr, "\n  %s: %s\n", err.pointer, err.message);
  CU_ASSERT_FATAL(ret == 0);
  struct sc_filter f = {0};
  CU_ASSERT_FATAL(seccomp_resolve(p, 0, 0, NULL, &f, NULL) == 0);
  CU_ASSERT_EQUAL(decide_name(&f, "read", 0), ALLOW);
  CU_ASSERT_EQUAL(decide_name(&f, "clone", 0x10000000), SCMP_ACT_ERRNO(EPERM));
  CU_ASSERT_EQUAL(decide_name(&f, "clone3", 0), SCMP_ACT_ERRNO(ENOSYS));
  sc_filter_clear(&f);
  shim_seccomp_free(p);
  jtree_free(&doc);
  free(data);
}

/* Docker's conditions: capabilities, architectures, kernel version. */
static void test_docker_conditions(void) {
  const char *profile =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":"
      "\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],"
      "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      "{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_BOOT\"]}},"
      "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_SYS_BOOT\"]}},"
      "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"s390x\"]}},"
      "{\"names\":[\"gettid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"99.0\"}},"
      "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8\"}},"
      "{\"names\":[\"not_a_syscall_yet\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
  shim_seccomp *p = NULL;
  CU_ASSERT_FATAL(shim_seccomp_load_data(profile, strlen(profile), &p, NULL) == 0);
  CU_ASSERT_EQUAL(shim_seccomp_warning_count(p), 1);
  CU_ASSERT(strstr(shim_seccomp_warning_get(p, 0), "not_a_syscall_yet") != NULL);
  const uint64_t boot = UINT64_C(1) << 22; /* CAP_SYS_BOOT */
  const unsigned kernel = seccomp_parse_kernel("6.1.0-28-amd64");
  struct sc_filter with = {0}, without = {0};
  CU_ASSERT_FATAL(seccomp_resolve(p, boot, kernel, NULL, &with, NULL) == 0);
  CU_ASSERT_FATAL(seccomp_resolve(p, 0, kernel, NULL, &without, NULL) == 0);
  CU_ASSERT_EQUAL(decide_name(&with, "reboot", 0), ALLOW);
  CU_ASSERT_EQUAL(decide_name(&without, "reboot", 0), EPERM_);
  CU_ASSERT_EQUAL(decide_name(&with, "getpid", 0), EPERM_);
  CU_ASSERT_EQUAL(decide_name(&without, "getpid", 0), ALLOW);
  CU_ASSERT_EQUAL(decide_name(&without, "getppid", 0), EPERM_);
  CU_ASSERT_EQUAL(decide_name(&without, "gettid", 0), EPERM_);
  CU_ASSERT_EQUAL(decide_name(&without, "getuid", 0), ALLOW);
  CU_ASSERT_EQUAL(without.narches, 2); /* this profile keeps x86 */
  sc_filter_clear(&with);
  sc_filter_clear(&without);
  /* minKernel: as on the kernel the caller names (a host fact); an
   * unknown one is older than any. */
  static const struct {
    const char *release;
    unsigned long long getuid;
  } kernels[] = {{"4.8.0", ALLOW}, {"4.7.10", EPERM_}, {NULL, EPERM_}};
  for (size_t i = 0; i < ARRAY_SIZE(kernels); i++) {
    struct sc_filter f = {0};
    unsigned k = kernels[i].release ? seccomp_parse_kernel(kernels[i].release) : 0;
    CU_ASSERT_FATAL(seccomp_resolve(p, 0, k, NULL, &f, NULL) == 0);
    CU_ASSERT_EQUAL(decide_name(&f, "getuid", 0), kernels[i].getuid);
    sc_filter_clear(&f);
  }
  shim_policy *policy = NULL;
  shim_error err;
  CU_ASSERT_FATAL(shim_policy_load_default(&policy, NULL) == 0);
  CU_ASSERT_EQUAL(shim_policy_set_kernel(policy, "6.1.0-28-amd64", &err), 0);
  CU_ASSERT_EQUAL(policy->kernel, kernel);
  CU_ASSERT_EQUAL(shim_policy_set_kernel(policy, "linux", &err), -SHIM_ERR_INVAL);
  CU_ASSERT_EQUAL(policy->kernel, kernel);
  shim_policy_free(policy);
  shim_seccomp_free(p);
}

static const struct bad_profile {
  const char *json;
  const char *pointer;
} bad_profiles[] = {
    {"{}", "/defaultAction"},
    {"{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "/defaultAction"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"extra\":1}", "/extra"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}", "/defaultErrnoRet"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
     "/architectures/0"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
     "/flags/0"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"]}]}",
     "/syscalls/0/action"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\",\"Args\":[]}]}", "/syscalls/0/Args"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
     "/syscalls/0/args/0/index"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"EQ\"}]}]}",
     "/syscalls/0/args/0/op"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_NOPE\"]}}]}",
     "/syscalls/0/includes/caps/0"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[1],"
     "\"action\":\"SCMP_ACT_ALLOW\"}]}", "/syscalls/0/names/0"},
};

static void test_bad_profiles(void) {
  for (size_t i = 0; i < ARRAY_SIZE(bad_profiles); i++) {
    shim_seccomp *p = NULL;
    shim_error err = {0};
    int ret = shim_seccomp_load_data(bad_profiles[i].json,
                                     strlen(bad_profiles[i].json), &p, &err);
    CU_ASSERT_EQUAL(ret, -SHIM_ERR_SCHEMA);
    CU_ASSERT_PTR_NULL(p);
    if (strcmp(err.pointer, bad_profiles[i].pointer) != 0)
      fprintf(stderr, "\n  profile %s: pointer \"%s\" (want \"%s\"): %s\n",
              bad_profiles[i].json, err.pointer, bad_profiles[i].pointer,
              err.message);
    CU_ASSERT_STRING_EQUAL(err.pointer, bad_profiles[i].pointer);
  }
}

/* ---- the intersection rule ---------------------------------------------- */

static struct sc_filter filter_of(const char *json, shim_seccomp **keep) {
  struct sc_filter f = {0};
  CU_ASSERT_FATAL(shim_seccomp_load_data(json, strlen(json), keep, NULL) == 0);
  CU_ASSERT_FATAL(seccomp_resolve(*keep, 0, 0, NULL, &f, NULL) == 0);
  return f;
}

static const struct intersect_case {
  const char *syscall;
  uint64_t arg0;
  uint32_t action;
} intersect_cases[] = {
    {"read", 0, ALLOW},          /* both allow */
    {"write", 0, ENOSYS_},       /* the spec allows, the policy does not */
    {"getpid", 0, EPERM_},       /* the policy allows, the spec denies */
    {"ptrace", 0, SCMP_ACT_ERRNO(13)}, /* the policy's denial wins */
    {"personality", 0, ALLOW},   /* args in the policy, allowed by the spec */
    {"personality", 1, ENOSYS_},
    {"socket", 1, ALLOW},        /* args in the spec, allowed by the policy */
    {"socket", 2, ENOSYS_},      /* unmatched: the combined default */
    {"clone", 0x11, ALLOW},      /* args in both: where both allow */
    {"clone", 0x10000011, EPERM_},
    {"clone", 0x20011, ENOSYS_}, /* the spec alone allowed CLONE_NEWNS */
};

static void test_intersection(void) {
  const char *policy_json =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
      "{\"names\":[\"read\",\"getpid\",\"socket\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
      "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]},"
      "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":0,\"value\":268435456,\"valueTwo\":268435456,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
  const char *spec_json =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
      "{\"names\":[\"read\",\"write\",\"ptrace\",\"personality\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},"
      "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1845493760,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
  shim_seccomp *pp = NULL, *sp = NULL;
  struct sc_filter pol = filter_of(policy_json, &pp), spec = filter_of(spec_json, &sp);
  struct sc_filter both = {0};
  struct strlist narrowed = {0};
  CU_ASSERT_FATAL(seccomp_intersect(&pol, &spec, &both, &narrowed, NULL) == 0);
  CU_ASSERT_EQUAL(both.default_action, ENOSYS_);
  for (size_t i = 0; i < ARRAY_SIZE(intersect_cases); i++) {
    const struct intersect_case *c = &intersect_cases[i];
    uint32_t got = decide_name(&both, c->syscall, c->arg0);
    if (got != c->action)
      fprintf(stderr, "\n  %s(%#llx): %#x, want %#x\n", c->syscall,
              (unsigned long long)c->arg0, got, c->action);
    CU_ASSERT_EQUAL(got, c->action);
  }
  /* clone's rules differ but combine: nothing had to be denied outright. */
  CU_ASSERT_EQUAL(narrowed.count, 0);
  strlist_clear(&narrowed);
  sc_filter_clear(&both);
  sc_filter_clear(&pol);
  sc_filter_clear(&spec);
  shim_seccomp_free(pp);
  shim_seccomp_free(sp);
}

void register_seccomp_tests(void) {
  static const struct test_case tests[] = {
      {"sandbox decisions", test_sandbox_decisions},
      {"sandbox compat ABIs", test_sandbox_abis},
      {"compile, dump, explain", test_compile_api},
      {"embedded profile's digest", test_embedded_digest},
      {"containerd's profile", test_containerd_profile},
      {"docker conditions", test_docker_conditions},
      {"malformed profiles", test_bad_profiles},
      {"intersection rule", test_intersection},
  };
  ADD_SUITE("seccomp", tests);
}
