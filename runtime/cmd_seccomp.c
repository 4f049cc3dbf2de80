/* shimctl seccomp: compile, dump and explain seccomp profiles. */
#include "config.h"
#include "shimctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "Usage: shimctl seccomp compile [--policy FILE] PROFILE -o FILE.bpf\n"
    "       shimctl seccomp dump    [--policy FILE] PROFILE\n"
    "       shimctl seccomp explain [--policy FILE] PROFILE SYSCALL [ARG...]\n"
    "PROFILE is a profile file (OCI or Docker format), or \"policy\" for the\n"
    "policy's own profile compiled exactly as hardening applies it.\n";

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_compile(const shim_policy *policy, const shim_seccomp *profile,
                       const char *output) {
  char *bpf = NULL;
  size_t len = 0;
  shim_error err;
  double start = now_ms();
  if (shim_seccomp_compile(policy, profile, SHIM_SECCOMP_BPF, &bpf, &len, &err) < 0)
    return shimctl_fail("compile", &err);
  double took = now_ms() - start;
  FILE *f = fopen(output, "wb");
  int rc = 0;
  if (!f || fwrite(bpf, 1, len, f) != len) {
    fprintf(stderr, "shimctl: %s: %s\n", output, strerror(errno));
    rc = EXIT_BAD_INPUT;
  }
  if (f && fclose(f) != 0 && rc == 0) {
    fprintf(stderr, "shimctl: %s: %s\n", output, strerror(errno));
    rc = EXIT_BAD_INPUT;
  }
  if (rc == 0)
    printf("%s: %zu BPF instructions, compiled in %.2f ms\n", output, len / 8, took);
  free(bpf);
  return rc;
}

static int run_dump(const shim_policy *policy, const shim_seccomp *profile) {
  char *pfc = NULL;
  size_t len = 0;
  shim_error err;
  if (shim_seccomp_compile(policy, profile, SHIM_SECCOMP_PFC, &pfc, &len, &err) < 0)
    return shimctl_fail("dump", &err);
  fwrite(pfc, 1, len, stdout);
  free(pfc);
  return 0;
}

static int run_explain(const shim_policy *policy, const shim_seccomp *profile,
                       int argc, char **argv) {
  if (argc < 1 || argc > 7)
    return shimctl_usage("explain takes SYSCALL and at most 6 arguments");
  unsigned long long args[6] = {0};
  for (int i = 1; i < argc; i++) {
    char *end;
    errno = 0;
    args[i - 1] = strtoull(argv[i], &end, 0);
    if (errno || !*argv[i] || *end)
      return shimctl_usage("argument '%s' is not a number", argv[i]);
  }
  shim_seccomp_decision d;
  shim_error err;
  if (shim_seccomp_explain(policy, profile, argv[0], args, (size_t)argc - 1, &d, &err) < 0)
    return shimctl_fail("explain", &err);
  printf("%s", argv[0]);
  for (int i = 1; i < argc; i++)
    printf(" %s", argv[i]);
  printf(": %s", d.action_name);
  if (d.errno_value >= 0)
    printf(" (errno %d, %s)", d.errno_value, strerrorname_np(d.errno_value)
                                                  ? strerrorname_np(d.errno_value)
                                                  : "?");
  printf(", decided by %s\n", d.rule);
  return 0;
}

int cmd_seccomp(int argc, char **argv) {
  static const struct option options[] = {
      {"policy", required_argument, NULL, 'p'},
      {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  if (argc < 2)
    return shimctl_usage("seccomp needs compile, dump or explain");
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  const char *policy_path = NULL, *output = NULL;
  int opt;
  optind = 1;
  argc--, argv++;
  while ((opt = getopt_long(argc, argv, "+p:o:h", options, NULL)) != -1) {
    switch (opt) {
    case 'p':
      policy_path = optarg;
      break;
    case 'o':
      output = optarg;
      break;
    case 'h':
      fputs(usage_text, stdout);
      return 0;
    default:
      return shimctl_usage("seccomp: bad option");
    }
  }
  if (optind >= argc)
    return shimctl_usage("seccomp %s needs a PROFILE", sub);
  const char *profile_arg = argv[optind++];
  /* -o may also follow the profile, as in `compile PROFILE -o FILE`. */
  while (optind < argc &&
         (opt = getopt_long(argc, argv, "+p:o:h", options, NULL)) != -1) {
    if (opt == 'o')
      output = optarg;
    else if (opt == 'p')
      policy_path = optarg;
    else
      return shimctl_usage("seccomp: bad option");
  }

  shim_policy *policy = NULL;
  shim_seccomp *profile = NULL;
  shim_error err;
  int rc = shimctl_load_policy(policy_path, &policy);
  if (rc == 0 && strcmp(profile_arg, "policy") != 0 &&
      shim_seccomp_load_file(profile_arg, &profile, &err) < 0)
    rc = shimctl_fail(profile_arg, &err);
  for (size_t i = 0; rc == 0 && i < shim_seccomp_warning_count(profile); i++)
    fprintf(stderr, "shimctl: %s: warning: %s\n", profile_arg,
            shim_seccomp_warning_get(profile, i));
  if (rc != 0) {
  } else if (strcmp(sub, "compile") == 0) {
    rc = output ? run_compile(policy, profile, output)
                : shimctl_usage("compile needs -o FILE.bpf");
  } else if (strcmp(sub, "dump") == 0) {
    rc = run_dump(policy, profile);
  } else if (strcmp(sub, "explain") == 0) {
    rc = run_explain(policy, profile, argc - optind, argv + optind);
  } else {
    rc = shimctl_usage("unknown seccomp command '%s'", sub);
  }
  shim_seccomp_free(profile);
  shim_policy_free(policy);
  return rc;
}
