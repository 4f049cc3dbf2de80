/* shimctl node install|uninstall|status|check: shim on a node (node_install.c,
 * node_check.c). */
#include "config.h"
#include "shimctl.h"

#include "files.h"
#include "node_check.h"
#include "node_install.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: shimctl node install [--host-root DIR] [--runtime-name NAME] [--from DIR]\n"
    "                            [--config FILE] [--policy FILE] [--default] [--dry-run]\n"
    "       shimctl node uninstall [--host-root DIR] [--force]\n"
    "       shimctl node status [--host-root DIR]\n"
    "       shimctl node check [--host-root DIR] [--runtime-name NAME] [--address SOCK]\n"
    "                          [--config FILE] [--audit-log FILE] [--timeout SECONDS]\n"
    "install puts shimrun, shimctl and shim-seccomp-loader (from --from,\n"
    "default: where this shimctl is) in /usr/local/bin, adds the runtime class\n"
    "NAME (default shim) to the node's containerd in the form its version reads\n"
    "(1.x: its main config file, 2.x: a drop-in; k3s and rke2: the template\n"
    "they write containerd's config from, or the drop-in directory it imports),\n"
    "gives the kubelet subordinate ids clear of shimrun's pool when it has\n"
    "none, then has containerd read the result and puts everything\n"
    "back if a setting it read before is gone.  --default also makes the class\n"
    "containerd's default_runtime_name (on a sandbox pool: a pod that names no\n"
    "runtime class is hardened too).  A second install changes\n"
    "nothing; --dry-run only says what install would change.  uninstall puts\n"
    "back what install changed.  DIR is the node's root (default /), e.g. where\n"
    "an installer pod mounted it.  Restart containerd (k3s, rke2) to load a\n"
    "change.\n"
    "check proves through containerd's CRI socket (default: where its config\n"
    "puts it in DIR, for k3s and rke2 /run/k3s/containerd/containerd.sock)\n"
    "that a pod sandbox of the runtime class is created by shimrun (its audit\n"
    "log has it) and runs hardened; exit 1 with the cause when not.\n";

struct node_args {
  const char *root, *runtime_name, *from, *config, *policy, *address, *audit_log;
  int timeout;
  bool dry_run, force, make_default;
};

/* --from's default: the directory of this shimctl. */
static const char *own_dir(char *buf, size_t size) {
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);
  if (n <= 0)
    return ".";
  buf[n] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash)
    *slash = '\0';
  return buf;
}

static void print_plan(const struct node_plan *plan, bool dry_run) {
  for (size_t i = 0; i < plan->count; i++) {
    const struct node_change *c = &plan->changes[i];
    printf("%s %s: %s\n",
           dry_run ? (c->existed ? "would change" : "would create")
                   : (c->existed ? "changed" : "created"),
           c->path, c->why);
    /* What goes into a file of the node's own, line by line. */
    for (const char *l = dry_run && c->added ? c->added : NULL; l && *l;) {
      size_t n = strcspn(l, "\n");
      printf("  + %.*s\n", (int)n, l);
      l += n + (l[n] == '\n');
    }
  }
}

static int install(const struct node_args *a) {
  shim_policy *policy = NULL;
  if (shimctl_load_policy(a->policy, &policy) != 0)
    return EXIT_BAD_INPUT;
  char dir[PATH_MAX];
  struct node_install_opts opts = {.root = a->root, .runtime_name = a->runtime_name,
                                   .from = a->from ? a->from : own_dir(dir, sizeof dir),
                                   .config = a->config, .policy = policy,
                                   .make_default = a->make_default};
  struct node_containerd c;
  struct node_plan plan = {0};
  shim_error err;
  int ret = node_containerd_find(a->root, a->config, &c, &err);
  if (ret == 0)
    ret = node_install_plan(&opts, &c, &plan, &err);
  if (ret == 0 && !a->dry_run)
    ret = node_install_apply(&opts, &c, &plan, &err);
  if (ret == 0) {
    printf("containerd %s (%s%s%s), config %s (version %d)\n", c.version, c.binary,
           c.distro ? ", run by " : "", c.distro ? c.distro : "", c.config, c.config_version);
    print_plan(&plan, a->dry_run);
    if (!plan.count)
      printf("nothing to change: shim is installed as runtime class %s\n",
             plan.runtime_name);
    else if (!a->dry_run)
      printf("containerd %s the runtime class %s (BinaryName %s, %s); restart %s%s%s%s "
             "to load it\n", plan.preview ? "will read" : "reads", plan.runtime_name,
             plan.binary_name, plan.form, c.distro ? c.distro : "containerd",
             c.unit[0] ? " (systemctl restart " : "", c.unit, c.unit[0] ? ")" : "");
  }
  node_plan_clear(&plan);
  node_containerd_clear(&c);
  shim_policy_free(policy);
  return ret < 0 ? shimctl_fail("node install", &err) : 0;
}

static int uninstall(const struct node_args *a) {
  shim_error err;
  if (node_uninstall(a->root, a->force, stdout, &err) < 0)
    return shimctl_fail("node uninstall", &err);
  return 0;
}

static int status(const struct node_args *a) {
  shim_error err;
  if (node_status(a->root, stdout, &err) == 0)
    return 0;
  if (err.sys_errno != ENOENT)
    return shimctl_fail("node status", &err);
  printf("shim is not installed on this node (%s)\n", a->root);
  return EXIT_REJECTED;
}

static int check(const struct node_args *a) {
  struct node_check_opts o = {.root = a->root, .address = a->address,
                              .runtime_name = a->runtime_name, .config = a->config,
                              .audit_log = a->audit_log, .timeout_ms = a->timeout * 1000};
  shim_error err;
  if (node_check(&o, stdout, &err) == 0)
    return 0;
  fprintf(stderr, "shimctl: node check: %s\n", err.message);
  return EXIT_REJECTED;
}

static const struct {
  const char *name;
  int (*run)(const struct node_args *a);
} subcommands[] = {{"install", install},
                   {"uninstall", uninstall},
                   {"status", status},
                   {"check", check}};

int cmd_node(int argc, char **argv) {
  static const struct option longopts[] = {
      {"host-root", required_argument, NULL, 'r'},
      {"runtime-name", required_argument, NULL, 'n'},
      {"from", required_argument, NULL, 'f'},
      {"config", required_argument, NULL, 'c'},
      {"policy", required_argument, NULL, 'p'},
      {"dry-run", no_argument, NULL, 'd'},
      {"force", no_argument, NULL, 'F'},
      {"default", no_argument, NULL, 'D'},
      {"address", required_argument, NULL, 'a'},
      {"audit-log", required_argument, NULL, 'l'},
      {"timeout", required_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {0}};
  struct node_args a = {.root = "/", .runtime_name = "shim", .timeout = 60};
  if (argc < 2)
    return shimctl_usage("node: install, uninstall, status or check?");
  const char *sub = argv[1];
  if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  optind = 1;
  int opt;
  while ((opt = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
    switch (opt) {
    case 'r': a.root = optarg; break;
    case 'n': a.runtime_name = optarg; break;
    case 'f': a.from = optarg; break;
    case 'c': a.config = optarg; break;
    case 'p': a.policy = optarg; break;
    case 'd': a.dry_run = true; break;
    case 'F': a.force = true; break;
    case 'D': a.make_default = true; break;
    case 'a': a.address = optarg; break;
    case 'l': a.audit_log = optarg; break;
    case 't':
      if ((a.timeout = atoi(optarg)) <= 0)
        return shimctl_usage("node %s: --timeout takes seconds", sub);
      break;
    case 'h': fputs(usage_text, stdout); return 0;
    default: return shimctl_usage("node %s: see shimctl node --help", sub);
    }
  }
  if (optind != argc - 1)
    return shimctl_usage("node %s: unexpected argument '%s'", sub, argv[optind + 1]);
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(sub, subcommands[i].name) == 0)
      return subcommands[i].run(&a);
  return shimctl_usage("node: unknown subcommand '%s'", sub);
}
