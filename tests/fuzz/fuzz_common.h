/*
 * Shared by the libFuzzer targets: the hardening property, checked on every
 * spec that hardens.  Public API only (<shim/shim.h>), as any runtime sees
 * the library.
 *
 * PROPERTY (shim_harden's documented contract): when shim_harden(policy,
 * spec) succeeds with output H,
 *   1. H loads again (shim_spec_load_data),
 *   2. shim_harden(policy, H) succeeds and gives byte-identical output
 *      ("hardening it again changes nothing"),
 *   3. shim_check(policy, H) has no REJECT finding and no HARDEN finding
 *      other than control "user-namespace" (fixed by shimrun's user namespace,
 *      not by the rewrite).
 * With FUZZ_STRICT set in the environment, shim_harden failing its own
 * re-check (an accepted spec it cannot fix) is a violation too.
 * A violation prints what failed to stderr and traps, so that libFuzzer
 * keeps the input as a crash.
 */
#ifndef SHIM_FUZZ_COMMON_H
#define SHIM_FUZZ_COMMON_H

#include <shim/shim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FAIL(...)                                                         \
  do {                                                                         \
    fprintf(stderr, "PROPERTY FAILED: " __VA_ARGS__);                          \
    fputc('\n', stderr);                                                       \
    __builtin_trap();                                                          \
  } while (0)

static inline void fuzz_print_error(const char *what, int ret,
                                    const shim_error *err) {
  fprintf(stderr, "  %s: %d (%s) %s%s%s\n", what, ret, shim_errc_name(-ret),
          err->pointer, *err->pointer ? ": " : "", err->message);
}

/* Renders a report both ways: crashes and leaks only, output unused. */
static inline void fuzz_render_report(const shim_report *report) {
  for (int f = SHIM_FORMAT_TEXT; f <= SHIM_FORMAT_JSON; f++) {
    char *text = NULL;
    if (shim_report_render(report, (shim_format)f, &text, NULL) == 0)
      free(text);
  }
  /* Every finding and change must be readable. */
  for (size_t i = 0; i < shim_report_count(report); i++) {
    const shim_finding *f = shim_report_get(report, i);
    if (!f || !f->control || !f->pointer || !f->message ||
        f->verdict == SHIM_VERDICT_ALLOW)
      FUZZ_FAIL("finding %zu is incomplete", i);
  }
  for (size_t i = 0; i < shim_report_change_count(report); i++) {
    const shim_finding *f = shim_report_change_get(report, i);
    if (!f || !f->control || !f->pointer || !f->message)
      FUZZ_FAIL("change %zu is incomplete", i);
  }
}

/* Checks and hardens a loaded spec with policy; checks the property on
 * the result.  Returns 1 when the spec hardened, 0 otherwise. */
static inline int fuzz_harden_property(const shim_policy *policy,
                                       const shim_spec *spec,
                                       const char *policy_name) {
  shim_error err;
  shim_report *report = NULL;
  if (shim_check(policy, spec, &report, &err) == 0) {
    fuzz_render_report(report);
    shim_report_free(report);
    report = NULL;
  }

  char *out = NULL;
  int ret = shim_harden(policy, spec, &out, &report, &err);
  if (ret == -SHIM_ERR_REJECTED) {
    /* The one documented exception: the report comes with the error. */
    if (!report || shim_report_verdict(report) != SHIM_VERDICT_REJECT)
      FUZZ_FAIL("[%s] SHIM_ERR_REJECTED without a rejecting report",
                policy_name);
    fuzz_render_report(report);
    shim_report_free(report);
    return 0;
  }
  if (ret < 0) {
    /* Errors are allowed (a spec's own seccomp section may not load, for
     * one), but with FUZZ_STRICT set in the environment one is not:
     * shim_harden's self-check refusing its own output, i.e. a spec the
     * checks accept that the hardening cannot fix. */
    static int strict = -1;
    if (strict < 0)
      strict = getenv("FUZZ_STRICT") != NULL;
    if (strict && strstr(err.message, "hardening left a finding unfixed")) {
      fuzz_print_error("harden", ret, &err);
      FUZZ_FAIL("[%s] an accepted spec does not harden", policy_name);
    }
    return 0;
  }
  fuzz_render_report(report);
  shim_report_free(report);
  report = NULL;

  /* 1. The output loads again. */
  size_t len = strlen(out);
  shim_spec *again = NULL;
  shim_error err2;
  ret = shim_spec_load_data(out, len, &again, &err2);
  if (ret < 0) {
    fprintf(stderr, "%s\n", out);
    fuzz_print_error("reload", ret, &err2);
    FUZZ_FAIL("[%s] hardened output does not load again", policy_name);
  }

  /* 3. Its re-check leaves only user-namespace to harden, nothing to reject. */
  shim_report *recheck = NULL;
  ret = shim_check(policy, again, &recheck, &err2);
  if (ret < 0) {
    fuzz_print_error("recheck", ret, &err2);
    FUZZ_FAIL("[%s] hardened output cannot be checked", policy_name);
  }
  for (size_t i = 0; i < shim_report_count(recheck); i++) {
    const shim_finding *f = shim_report_get(recheck, i);
    if (f->verdict == SHIM_VERDICT_REJECT ||
        (f->verdict == SHIM_VERDICT_HARDEN &&
         strcmp(f->control, "user-namespace") != 0)) {
      fprintf(stderr, "%s\n", out);
      FUZZ_FAIL("[%s] hardened output re-checks with %s %s %s: %s",
                policy_name, shim_verdict_name(f->verdict), f->control,
                f->pointer, f->message);
    }
  }
  shim_report_free(recheck);

  /* 2. Hardening it again succeeds and changes nothing. */
  char *out2 = NULL;
  shim_report *report2 = NULL;
  ret = shim_harden(policy, again, &out2, &report2, &err2);
  if (ret < 0) {
    fprintf(stderr, "%s\n", out);
    fuzz_print_error("re-harden", ret, &err2);
    FUZZ_FAIL("[%s] hardened output does not harden again", policy_name);
  }
  if (strcmp(out, out2) != 0) {
    fprintf(stderr, "---- first\n%s\n---- second\n%s\n", out, out2);
    FUZZ_FAIL("[%s] hardening is not idempotent", policy_name);
  }
  shim_report_free(report2);
  free(out2);
  shim_spec_free(again);
  free(out);
  return 1;
}

#endif /* SHIM_FUZZ_COMMON_H */
