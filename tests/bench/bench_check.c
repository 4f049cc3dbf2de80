/* Specs loaded and checked per second on one core.
 * Usage: bench_check CONFIG.json [SECONDS]
 * The spec is read once; each iteration parses, validates and checks it
 * from memory, as shimrun does for each create. */
#include <shim/shim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONFIG.json [SECONDS]\n", argv[0]);
    return 2;
  }
  double seconds = argc > 2 ? atof(argv[2]) : 3.0;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static char buf[1 << 22];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  shim_policy *policy = NULL;
  shim_error err;
  if (shim_policy_load_default(&policy, &err) < 0) {
    fprintf(stderr, "policy: %s\n", err.message);
    return 2;
  }
  long n = 0;
  double start = now(), elapsed;
  do {
    for (int i = 0; i < 100; i++, n++) {
      shim_spec *spec = NULL;
      shim_report *report = NULL;
      if (shim_spec_load_data(buf, len, &spec, &err) < 0 ||
          shim_check(policy, spec, &report, &err) < 0) {
        fprintf(stderr, "%s: %s\n", err.pointer, err.message);
        return 2;
      }
      shim_report_free(report);
      shim_spec_free(spec);
    }
    elapsed = now() - start;
  } while (elapsed < seconds);
  printf("spec: %s (%zu bytes)\nchecks: %ld in %.2f s\nrate: %.0f specs/s\nper spec: %.1f us\n",
         argv[1], len, n, elapsed, (double)n / elapsed, elapsed / (double)n * 1e6);
  shim_policy_free(policy);
  return 0;
}
