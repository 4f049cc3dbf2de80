/*
 * Giving back what create took for a container (its idmapped rootfs and
 * its user namespace range, or its pod record): after delete, and after a
 * run whose container has exited.
 *
 * For a container that holds a range, the delegate runs as a child here
 * (every other command execs it), since the release must wait for its
 * verdict: a container that is still there (delete without --force of a
 * running one, run --detach, run --keep) keeps its range, and a later
 * delete gives it back.
 */
#include "config.h"
#include "shimrun.h"
#include "node_pods.h"
#include "node_pool.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int shimrun_release(const struct shimrun *s, const char *id, int host_ns) {
  /* The rootfs was idmapped in the host's mount namespace; unmounted from
   * the one this process made for the binds, it would stay on the host. */
  if (host_ns >= 0 && setns(host_ns, CLONE_NEWNS) < 0)
    return shimrun_fail(s, "shimrun: %s: cannot return to the host's mount "
                           "namespace to give back its user namespace: %s",
                        id, strerror(errno));
  shim_error err;
  struct node_pool pool = shimrun_pool(s);
  if (node_pool_release(&pool, id, &err) < 0)
    return shimrun_fail(s, "shimrun: %s: cannot give back its user namespace: %s",
                        id, err.message);
  if (node_pods_release(s->state_dir, id) < 0)
    return shimrun_fail(s, "shimrun: %s: cannot drop its pod record: %s", id,
                        strerror(errno));
  return 0;
}

/* The signals a caller sends to stop or poke the container: runc passes
 * them on to the container's process, and we to runc. */
static const int passed_on[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
static volatile sig_atomic_t delegate_pid;

static void pass_on(int sig, siginfo_t *info, void *ctx) {
  (void)ctx;
  /* Sent by a process (kill, timeout, a supervisor): si_code <= 0.  One the
   * terminal generated (^C, a resize) went to its whole foreground process
   * group, the delegate included, and must not arrive twice. */
  if (info->si_code <= 0 && delegate_pid > 0)
    kill((pid_t)delegate_pid, sig);
}

/* Runs the delegate as a child, passing on the signals sent to us while it
 * runs.  Its exit status (128 + the signal that killed it); 1 after
 * reporting that it could not run; -1 after reporting that it could not be
 * waited for (it may still be running). */
static int spawn_delegate(struct shimrun *s) {
  /* Blocked until the child's pid is known, so that none is lost; the
   * child starts with the mask we had. */
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++)
    sigaddset(&block, passed_on[i]);
  sigprocmask(SIG_BLOCK, &block, &old);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &old);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  /* posix_spawn: a child sharing our memory until it execs (vfork), not a
   * copy of our page tables (fork), which cost a fifth of a delete. */
  pid_t pid;
  int e = posix_spawn(&pid, s->delegate, NULL, &attr, s->argv, environ);
  posix_spawnattr_destroy(&attr);
  if (e != 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    return shimrun_fail(s, "shimrun: cannot run the delegate %s: %s", s->delegate,
                        strerror(e));
  }
  delegate_pid = pid;
  struct sigaction sa = {.sa_sigaction = pass_on, .sa_flags = SA_SIGINFO | SA_RESTART};
  for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++)
    sigaction(passed_on[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  int status = 0, w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
    ;
  /* Reaped: its pid may be reused, and must not get a signal of ours. */
  delegate_pid = 0;
  if (w < 0) {
    shimrun_fail(s, "shimrun: cannot wait for the delegate: %s", strerror(errno));
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int shimrun_delegate_then_release(struct shimrun *s, const char *id, int host_ns) {
  int rc = spawn_delegate(s);
  if (rc < 0)
    return 1; /* what it may still be using stays */
  shimrun_fault("release");
  char state[PATH_MAX * 2];
  snprintf(state, sizeof state, "%s/%s", shimrun_root(s), id ? id : "");
  if (id && access(state, F_OK) != 0 && shimrun_release(s, id, host_ns) != 0)
    rc = 1;
  return rc;
}

int shimrun_delete(struct shimrun *s, int argc, char **argv) {
  /* runc delete [--force|-f] ID: the id is the one argument that is not
   * a flag (delete's flags take no value). */
  const char *id = NULL;
  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-')
      id = argv[i];
  for (int i = 0; i < argc; i++)
    shimrun_push(s, argv[i]);
  /* Nothing to give back (no user namespace, or released already): the
   * delegate can take our place, as for every other command. */
  struct node_pool pool = shimrun_pool(s);
  if (id && node_pool_held(&pool, id, NULL) == 0 &&
      !node_pods_held(s->state_dir, id))
    return shimrun_exec_delegate(s);
  return shimrun_delegate_then_release(s, id, -1);
}
