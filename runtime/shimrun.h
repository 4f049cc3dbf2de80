/* shimrun: a runc-compatible runtime that checks and hardens every container
 * before its delegate (runc) runs it.  This header holds what main
 * (shimrun.c), the commands (shimrun_create.c, _exec.c, _delete.c) and
 * what they share (shimrun_common.c, shimrun_args.c) declare. */
#ifndef SHIMRUN_H
#define SHIMRUN_H

#include "bare.h"
#include "node_pool.h"

#include <shim/shim.h>
#include <stdbool.h>
#include <stddef.h>


/* Everything the global flags, the environment and the config file said. */
struct shimrun {
  const char *delegate;   /* absolute path of the real runtime */
  const char *policy;     /* policy file, NULL for the embedded default */
  const char *audit_log;  /* where decisions go, "" for nowhere */
  const char *state_dir;  /* shimrun's own state (user namespace pool) */
  const char *root;       /* runc --root, NULL if not given */
  const char *log;        /* runc --log: where containerd reads errors */
  bool log_json;          /* --log-format json */
  /* The delegate's command line so far: delegate and the global flags to
   * pass on; commands append theirs and exec it. */
  char **argv;
  size_t argc;
};

/* One runc command: argv[0] is the command's name. */
typedef int (*shimrun_command)(struct shimrun *s, int argc, char **argv);

int shimrun_create(struct shimrun *s, int argc, char **argv); /* also run */
int shimrun_exec(struct shimrun *s, int argc, char **argv);
int shimrun_update(struct shimrun *s, int argc, char **argv);
int shimrun_delete(struct shimrun *s, int argc, char **argv);

/* ---- Shared by the commands (shimrun_common.c) ---- */

/* The delegate's state root: --root, or runc's default. */
const char *shimrun_root(const struct shimrun *s);
/* The user-namespace pool of this state dir and root. */
struct node_pool shimrun_pool(const struct shimrun *s);

/* Replaces this process with the delegate; returns only on failure. */
int shimrun_exec_delegate(struct shimrun *s);

/* Reports a refusal or error where the user and containerd see it: stderr
 * and the --log file (runc's JSON format with --log-format json).  Returns
 * the exit status to use (1). */
int shimrun_fail(const struct shimrun *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same for what the user should know of a container that runs. */
void shimrun_warn(const struct shimrun *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Loads the policy (fail closed: an error is reported and refuses). */
int shimrun_load_policy(const struct shimrun *s, shim_policy **out);

/* The spec of a running container, for judging what joins or changes it
 * (exec, update): its bundle from `delegate state ID` (in bundle), its
 * config.json loaded, with the delegate's features and the host's facts
 * told to the policy.  0, or the exit status after reporting the cause. */
int shimrun_container_spec(struct shimrun *s, const char *command, const char *id,
                           shim_policy *policy, char *bundle, size_t size, shim_spec **spec);

/* "shimrun: rejected: MESSAGE (K8S SETTING) [CONTROL] and N more; ...":
 * the first rejecting finding of each control, on one line (containerd
 * puts it in the pod's events). */
void shimrun_rejection_text(const shim_report *report, char *buf, size_t size);

/* Pushes the command's arguments for the delegate, with argument at (-1:
 * none) replaced by value; flag, when the flag and its value were one
 * argument (--process=FILE), goes before it. */
void shimrun_push_args(struct shimrun *s, int argc, char **argv, int at, const char *flag,
                       const char *value);

/* data in an anonymous file the delegate inherits (no temporary file to
 * leave behind whatever happens next), named /proc/self/fd/N in path.  0,
 * or the exit status after reporting the failure. */
int shimrun_memfd(const struct shimrun *s, const char *command, const char *data, size_t len,
                  char *path, size_t size);

/* Fault points, for tests/faults.sh only: the test build of shimrun
 * (tests/shimrun_faults, built with SHIMRUN_FAULTS) kills itself with
 * SIGKILL at the step $SHIMRUN_FAULT names, so that a test can see what a
 * kill there leaves behind.  The installed shimrun has none. */
#ifdef SHIMRUN_FAULTS
void shimrun_fault(const char *step);
#else
#define shimrun_fault(step) ((void)0)
#endif

/* Appends one audit record; a failure to record refuses the container. */
int shimrun_audit(const struct shimrun *s, const shim_policy *policy,
                  const shim_spec *spec, const shim_report *report,
                  const shim_audit_event *event);

/* ---- Giving back a container's user namespace (shimrun_delete.c) ---- */

/* Releases container id's range and idmapped rootfs, from the host's mount
 * namespace host_ns when this process left it to idmap binds (-1: it did
 * not).  0, or the exit status after reporting the failure. */
int shimrun_release(const struct shimrun *s, const char *id, int host_ns);
/* Runs the delegate as a child, passing on the signals sent to us, and
 * once it has exited releases container id if the delegate's state no
 * longer has it.  Returns the delegate's exit status (128 + the signal
 * that killed it), or 1 when the release failed. */
int shimrun_delegate_then_release(struct shimrun *s, const char *id, int host_ns);

/* ---- The command line (shimrun_args.c: no output, no exit, no C library) ---- */

/* Appends to the delegate's command line (the strings are borrowed). */
void shimrun_push(struct shimrun *s, const char *arg);

/* Whether the delegate gets command unchanged (start, state, kill, ...). */
bool shimrun_passes_through(const char *command);

#define SHIMRUN_CONFIG_DIR "/etc/shim"
#define SHIMRUN_DEFAULT_CONFIG SHIMRUN_CONFIG_DIR "/shimrun.json"

/* The config file that applies: env (SHIMRUN_CONFIG's value, or NULL),
 * else SHIMRUN_CONFIG_DIR/shimrun-NAME.json when argv0's name is
 * shimrun-NAME (a link per runtime class), else the default.  *required:
 * whether it must exist (all but the default).  NULL when the name does
 * not fit in buf. */
const char *shimrun_config_path(const char *argv0, const char *env, char *buf,
                                size_t size, bool *required);

/* The value of a flag at argv[*i] ("--name=v", "--name v", "-name v");
 * NULL when argv[*i] is not that flag.  Advances *i past a separate value. */
const char *shimrun_flag_value(int argc, char **argv, int *i, const char *name,
                               const char *alias);

enum shimrun_globals {
  SHIMRUN_COMMAND,      /* argv[*next] is the command */
  SHIMRUN_NO_COMMAND,   /* flags only */
  SHIMRUN_HELP,         /* --help at argv[*next] */
  SHIMRUN_VERSION,      /* --version at argv[*next] */
  SHIMRUN_UNKNOWN_FLAG, /* argv[*next] is a flag neither runc nor we know */
};

/* Reads the global flags: shimrun's into s, runc's pushed on s->argv as
 * they came (at most one push per argument). */
enum shimrun_globals shimrun_parse_globals(struct shimrun *s, int argc,
                                           char **argv, int *next);

/* ---- The pass-through path (shimrun_fast.c) ---- */

/* Whether a config file's text is one the pass-through path understands
 * (an object of known keys with plain ASCII string values, each once),
 * and where its "delegate" is (*delegate NULL when absent).  False: main
 * must read it. */
bool shimrun_fast_config(const char *text, size_t len, const char **delegate,
                         size_t *delegate_len);
/* The entry point's C half: execs the delegate of a command that passes
 * through; returns when main must run (sp: the kernel's initial stack). */
void shimrun_fast(long *sp);

/* create's and run's bundle ("." when not given) and container id (NULL
 * when none). */
void shimrun_scan_create(int argc, char **argv, const char **bundle,
                         const char **id);

#endif
