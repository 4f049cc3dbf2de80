/*
 * delete: the delegate deletes the container, then shimrun gives back what
 * create took for it: the idmapped rootfs and its user namespace range.
 *
 * For a container that holds a range, the delegate runs as a child here
 * (every other command execs it), since the release must wait for its
 * verdict: a container that is still there (delete without --force of a
 * running one) keeps its range.
 */
#include "config.h"
#include "shimrun.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
  if (id && shim_userns_held(s->state_dir, shimrun_root(s), id, NULL) == 0)
    return shimrun_exec_delegate(s);
  /* posix_spawn: a child sharing our memory until it execs (vfork), not a
   * copy of our page tables (fork), which cost a fifth of a delete. */
  pid_t pid;
  int e = posix_spawn(&pid, s->delegate, NULL, NULL, s->argv, environ);
  if (e != 0)
    return shimrun_fail(s, "shimrun: cannot run the delegate %s: %s", s->delegate,
                        strerror(e));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return shimrun_fail(s, "shimrun: delete: %s", strerror(errno));
  int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char state[PATH_MAX * 2];
  snprintf(state, sizeof state, "%s/%s", shimrun_root(s), id ? id : "");
  if (id && access(state, F_OK) != 0) {
    shim_error err;
    if (shim_userns_release(s->state_dir, shimrun_root(s), id, &err) < 0)
      rc = shimrun_fail(s, "shimrun: delete %s: %s", id, err.message);
  }
  return rc;
}
