/*
 * libshim: policy checks for OCI runtime specs (config.json).
 *
 * libshim answers one question about a container before it runs: would this
 * spec let the container break out of its sandbox, and why?  The same code
 * serves the shimrun runtime wrapper, the shimctl admin tool, admission
 * controllers and CI linters.
 *
 * Lifecycle
 *
 *   shim_error err;
 *   shim_policy *policy = NULL;
 *   shim_spec *spec = NULL;
 *   shim_report *report = NULL;
 *
 *   if (shim_policy_load_default(&policy, &err) < 0       // or _load_file()
 *       || shim_spec_load_file("config.json", &spec, &err) < 0
 *       || shim_check(policy, spec, &report, &err) < 0)
 *     fprintf(stderr, "%s%s%s\n", err.pointer, *err.pointer ? ": " : "", err.message);
 *   else if (shim_report_verdict(report) == SHIM_VERDICT_REJECT)
 *     ... refuse the container ...
 *   shim_report_free(report);
 *   shim_spec_free(spec);
 *   shim_policy_free(policy);
 *
 * Conventions
 *
 * - Every function that can fail returns a negative shim_errc on failure
 *   (-SHIM_ERR_SYNTAX, ...), and then fills the caller's shim_error (which
 *   may be NULL when the caller does not care), and 0 on success.  Three
 *   answer a question with a non-negative value their comment lists:
 *   shim_userns_plan (SHIM_USERNS_*), shim_userns_joined_path (0, 1, 2)
 *   and shim_userns_net_sysctl (1 for an item, 0 past the last).  Output
 *   pointers are only written on success.
 * - Every object has exactly one owner, the caller that received it; release
 *   it with its _free function, which accepts NULL.  Strings returned through
 *   char ** are malloc'ed and released with free().
 * - The library never prints, never exits and keeps no global mutable
 *   state.  Distinct objects may be used from distinct threads at once; a
 *   policy or spec may be shared by threads that only read it (shim_check
 *   takes both as const).
 * - Untrusted input (specs, policies) is limited in size and depth and gets
 *   an error naming the offending field as a JSON pointer (RFC 6901).
 */
#ifndef SHIM_SHIM_H
#define SHIM_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; only what is marked here
 * (and matched by libshim.sym) is exported. */
#define SHIM_API __attribute__((visibility("default")))

/* ---- Errors -------------------------------------------------------------- */

typedef enum shim_errc {
  SHIM_OK = 0,
  SHIM_ERR_INVAL = 1, /* a bad argument from the caller */
  SHIM_ERR_NOMEM,     /* out of memory */
  SHIM_ERR_IO,        /* a file could not be read; sys_errno says why */
  SHIM_ERR_LIMIT,     /* input larger or deeper than the limits below */
  SHIM_ERR_SYNTAX,    /* not well-formed JSON (message has line:column) */
  SHIM_ERR_SCHEMA,    /* well-formed, but a field has the wrong type, an
                         unknown name or a value out of range */
  SHIM_ERR_HOST,      /* the host could not be inspected (e.g. /proc/1/ns) */
  SHIM_ERR_REJECTED,  /* shim_harden: the checks reject the spec */
} shim_errc;

/* An error is a plain value: no allocation, nothing to free. */
typedef struct shim_error {
  int code;          /* a shim_errc */
  int sys_errno;     /* errno behind SHIM_ERR_IO / SHIM_ERR_HOST, else 0 */
  char pointer[256]; /* JSON pointer of the offending field, "" if none */
  char message[512]; /* one line, no trailing newline */
} shim_error;

/* Stable lower-case name of an error code ("syntax", "schema", ...). */
SHIM_API const char *shim_errc_name(int code);

/* ---- Limits on untrusted input ------------------------------------------ */

#define SHIM_MAX_DOCUMENT_BYTES (4u * 1024 * 1024) /* config.json, policy */
#define SHIM_MAX_ARRAY_ITEMS 16384                   /* any one array/map */

/* ---- Policy --------------------------------------------------------------- */

/*
 * A policy says, per control, whether a violation rejects the container
 * ("enforce"), is only reported ("warn"), or is not looked at ("off"), and
 * carries each control's settings (capability lists, allowed mount sources,
 * ...).  The default policy is compiled into the library, so nothing needs
 * a file.  A policy file is an overlay on that default: controls and fields
 * it does not name keep their default; an unknown control, mode or field is
 * an error.  profiles/policy/default.json documents the format.
 */
typedef struct shim_policy shim_policy;

SHIM_API int shim_policy_load_default(shim_policy **out, shim_error *err);
SHIM_API int shim_policy_load_file(const char *path, shim_policy **out, shim_error *err);
SHIM_API int shim_policy_load_data(const void *data, size_t len, shim_policy **out,
                          shim_error *err);

/* The effective policy (defaults merged in) as indented JSON, which
 * shim_policy_load_data accepts again. */
SHIM_API int shim_policy_render(const shim_policy *policy, char **out, shim_error *err);

/*
 * Tells the policy that the caller is a runtime whose executable is path
 * (shimrun does this): hardening then adds, for the metadata-server
 * control, a createRuntime hook `path hook network CIDR...` that the
 * runtime serves (shimrun's node_net_block), and the checks trust exactly that
 * hook.  Without it the library has no way to block the metadata server
 * and the control says nothing.
 */
SHIM_API int shim_policy_set_runtime(shim_policy *policy, const char *path,
                                     shim_error *err);

/*
 * Tells the policy that the runtime loads seccomp filters itself, so that
 * the delegate never compiles one (runc compiles linux.seccomp with
 * libseccomp at every start and exec).  Hardening then hands over a spec
 * in the loader's form wherever process.noNewPrivileges is set and the
 * profile names no notify agent (listenerPath); else linux.seccomp stays:
 *   - the profile moves from linux.seccomp to the annotation
 *     SHIM_SECCOMP_ANNOTATION (its compact JSON text);
 *   - the last two mounts bind loader (a static program that installs the
 *     filter it finds at SHIM_SECCOMP_FILTER, then execs its arguments) at
 *     SHIM_SECCOMP_LOADER, and filter_dir/<sha256 of that text>.bpf at
 *     SHIM_SECCOMP_FILTER, read-only;
 *   - process.args starts with SHIM_SECCOMP_LOADER.
 * The checks accept exactly that form, given the same two paths, and
 * refuse a spec that names the loader's directory any other way.  The
 * runtime must make sure that the filter file holds that profile's
 * program (shim_spec_seccomp_filter, shim_seccomp_program) before the
 * delegate runs the spec.
 */
#define SHIM_SECCOMP_DIR "/dev/.shim"
#define SHIM_SECCOMP_LOADER SHIM_SECCOMP_DIR "/seccomp-loader"
#define SHIM_SECCOMP_FILTER SHIM_SECCOMP_DIR "/seccomp.bpf"
#define SHIM_SECCOMP_ANNOTATION "dev.shim.seccomp"
SHIM_API int shim_policy_set_seccomp_loader(shim_policy *policy, const char *loader,
                                            const char *filter_dir, shim_error *err);

/*
 * Tells the policy which host ids the node's kubelet hands to pods with
 * hostUsers: false (what /etc/subuid and /etc/subgid give the user
 * `kubelet`), when the policy's own user-namespace.kubeletIDStart and
 * kubeletIDs settings do not: a pod's user namespace must then lie in it.
 * -SHIM_ERR_SCHEMA when it overlaps the pool: the two must never meet.
 */
SHIM_API int shim_policy_set_kubelet_ids(shim_policy *policy, unsigned int start,
                                         unsigned int count, shim_error *err);

/*
 * Tells the policy what the delegate runtime (the one that runs the spec)
 * can do: version names it in findings ("runc 1.3.6"), features is a set
 * of SHIM_DELEGATE_* bits.  Found and cached by the runtime that uses
 * libshim (shimrun runs `runc --version` once per runc binary); without
 * this call the delegate is unknown and can do none of them.
 *
 * SHIM_DELEGATE_POD_USERNS: it creates a user namespace and still joins
 * namespaces the host's user namespace owns (a CRI pod's network
 * namespace), and joins a user namespace before the namespaces it owns
 * and after the others: runc 1.2 and later.  With it, and the policy's
 * user-namespace.pods not "never", a Kubernetes pod that does not ask for
 * a user namespace (hostUsers left at true) is given one: its sandbox a
 * range of the pool, its containers the sandbox's namespace.
 */
enum { SHIM_DELEGATE_POD_USERNS = 1u << 0 };
SHIM_API int shim_policy_set_delegate(shim_policy *policy, const char *version,
                                      unsigned int features, shim_error *err);

/* "sha256:<hex>" of the rendered effective policy: names the policy that
 * judged a container in audit records. */
SHIM_API int shim_policy_digest(const shim_policy *policy, char **out, shim_error *err);

SHIM_API void shim_policy_free(shim_policy *policy);

/* ---- Spec ------------------------------------------------------------------ */

/*
 * An OCI runtime spec, loaded strictly.  runc reads the same file with Go's
 * encoding/json, so any document the two could read differently is refused:
 * duplicate keys, keys that are not exactly a runtime-spec field name (Go
 * would match "Process" or "proceſs" to "process" case-insensitively),
 * numbers that are not integers of the field's Go type, invalid UTF-8,
 * "\u0000" and null array elements.  A member whose value is null is
 * dropped, as Go leaves such a field at its zero value.
 */
typedef struct shim_spec shim_spec;

SHIM_API int shim_spec_load_file(const char *path, shim_spec **out, shim_error *err);
SHIM_API int shim_spec_load_fd(int fd, shim_spec **out, shim_error *err);
SHIM_API int shim_spec_load_data(const void *data, size_t len, shim_spec **out,
                        shim_error *err);
/* An annotation's value, or NULL; valid until the spec is freed. */
SHIM_API const char *shim_spec_annotation(const shim_spec *spec, const char *key);
/* root.path as the spec has it (relative to the bundle unless absolute),
 * or NULL; valid until the spec is freed.  Hardening never changes it. */
SHIM_API const char *shim_spec_root_path(const shim_spec *spec);
/* The spec as indented JSON, as libshim read it (null members left out). */
SHIM_API int shim_spec_render(const shim_spec *spec, char **out, shim_error *err);

/*
 * The user namespace a spec joins by path: its user entry's path, or else
 * /proc/PID/ns/user of the one process whose namespaces it joins by
 * /proc/PID/ns/... paths (the namespace a runtime would share with it;
 * for a Kubernetes pod's container, only when the policy gives pods user
 * namespaces: shim_policy_set_delegate).  Writes that path to buf and
 * returns 1 (the user entry's) or 2 (the other namespaces' process's: the
 * container joins it only if a runtime adds the entry), or returns 0 when
 * the spec joins none; -SHIM_ERR_LIMIT when buf is too small.
 */
SHIM_API int shim_userns_joined_path(const shim_policy *policy, const shim_spec *spec,
                                     char *buf, size_t size);
/*
 * For a spec in the loader's form (shim_policy_set_seccomp_loader): 1, with
 * *profile its profile's text (valid while spec lives) and *filter the
 * file it loads (malloc'ed); 0 for any other spec (runc loads its
 * linux.seccomp, if any).  -SHIM_ERR_REJECTED when the spec names the
 * loader in a form the checks refuse.
 */
SHIM_API int shim_spec_seccomp_filter(const shim_policy *policy, const shim_spec *spec,
                                      const char **profile, char **filter,
                                      shim_error *err);
SHIM_API void shim_spec_free(shim_spec *spec);

/* ---- Host facts ------------------------------------------------------------ */

/*
 * libshim never looks at the host.  What its checks need to know about it
 * (which namespace a path names, what a bind source or device path is on
 * the host, the program a hook runs) the caller finds and hands over, one
 * answer per question:
 *
 *   shim_fact *facts;
 *   size_t n;
 *   if (shim_spec_questions(policy, spec, &facts, &n, &err) == 0) {
 *     for (size_t i = 0; i < n; i++)
 *       ... look at facts[i].path on the host, fill in facts[i]'s answer ...
 *     shim_spec_set_facts(spec, facts, n, &err);
 *     free(facts);
 *   }
 *
 * shimrun answers from its node; a test, or an admission controller for
 * another node, from what it knows.  An unanswered question fails closed:
 * a namespace, device node or hook program that no fact vouches for is
 * rejected; a bind source is judged by its name alone, as one that does
 * not exist yet.  The kernel release that seccomp profiles' minKernel
 * conditions compare with is a fact about the node too:
 * shim_policy_set_kernel.
 */
typedef enum shim_fact_kind {
  SHIM_FACT_NAMESPACE = 1, /* a namespace the spec joins by path: a
                              linux.namespaces entry's, or the
                              shim_userns_joined_path it would share */
  SHIM_FACT_FILE,          /* a bind mount's source, a linux.devices node */
  SHIM_FACT_PROGRAM,       /* a hook's program that the policy lists */
} shim_fact_kind;

typedef struct shim_idmap {
  unsigned int container_id, host_id, size;
} shim_idmap;

typedef struct shim_fact {
  /* The question: filled by shim_spec_questions. */
  shim_fact_kind kind;
  const char *path;           /* as the spec names it; lives with the array */
  int ns_type;                /* NAMESPACE: the CLONE_NEW* type it must be */

  /* The answer: filled by the caller.  Only fields of the kind count. */
  int answered;               /* 1: the caller looked; 0: it did not */
  int error;                  /* the errno that looking at path gave
                                 (ENOENT: nothing there), else 0 */
  /* NAMESPACE */
  int ns_found;               /* 1: an nsfs file of type ns_type */
  int host;                   /* 1: the host's own (init's); 0: another;
                                 -1: the host's could not be read */
  unsigned long long ns_id;   /* its nsfs inode: which namespace it is */
  int maps_read;              /* a user namespace whose maps were read: */
  unsigned int uid_ranges;    /*   lines in its uid_map */
  unsigned int gid_ranges;    /*   lines in its gid_map */
  shim_idmap uid, gid;        /*   the first line of each */
  /* FILE, PROGRAM */
  const char *resolved;       /* FILE: realpath(path); the caller's string,
                                 copied by shim_spec_set_facts */
  int link;                   /* FILE: path itself is a symbolic link */
  unsigned int mode;          /* st_mode of what path leads to */
  unsigned int owner;         /* its owner's uid */
  unsigned int major, minor;  /* device nodes: st_rdev */
  unsigned long mount_flags;  /* FILE: statvfs f_flag of its mount
                                 (ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC) */
  char sha256[65];            /* PROGRAM: its contents' digest, hex */
  int path_writable;          /* PROGRAM, FILE: 1 when a directory on its path (as
                                 given, or as its links lead) may be
                                 written by another user than root, unless
                                 sticky: the program or device node could
                                 be swapped between the check and the use */
} shim_fact;

/*
 * The questions the checks of spec under policy ask about the host: *out
 * (malloc'ed, one block: release it with free()) holds *count facts with
 * only the question filled, each (kind, ns_type, path) once.  Ask again
 * after shim_policy_set_delegate: it changes what a pod's container joins.
 */
SHIM_API int shim_spec_questions(const shim_policy *policy, const shim_spec *spec,
                                 shim_fact **out, size_t *count, shim_error *err);

/*
 * Gives spec the answered facts among facts[0..count) (copies: the array
 * and its strings may go right after), replacing any it had.  Checks and
 * hardening of spec, and of the specs hardening makes from it, use them.
 */
SHIM_API int shim_spec_set_facts(shim_spec *spec, const shim_fact *facts, size_t count,
                                 shim_error *err);

/*
 * Tells the policy the node's kernel release ("6.1.0-28-amd64", uname's):
 * seccomp profile entries with a minKernel then apply as on that kernel.
 * Without it the kernel counts as older than any minKernel.
 */
SHIM_API int shim_policy_set_kernel(shim_policy *policy, const char *release,
                                    shim_error *err);

/* ---- Checks and reports ------------------------------------------------- */

typedef enum shim_verdict {
  SHIM_VERDICT_ALLOW = 0, /* nothing found */
  SHIM_VERDICT_WARN,      /* allowed; reported because a control is in warn mode */
  SHIM_VERDICT_HARDEN,    /* allowed; the hardening will fix it */
  SHIM_VERDICT_REJECT,    /* the container must not run */
} shim_verdict;

/* Stable lower-case name of a verdict ("allow", "warn", "harden", "reject"). */
SHIM_API const char *shim_verdict_name(shim_verdict verdict);

typedef struct shim_finding {
  const char *control;  /* stable control id, e.g. "host-namespaces" */
  shim_verdict verdict; /* never SHIM_VERDICT_ALLOW */
  const char *pointer;  /* JSON pointer into the spec ("" = whole spec) */
  const char *message;  /* what is wrong, one line */
  const char *k8s;      /* the Kubernetes setting that most likely produced
                           it ("hostNetwork: true"), or NULL */
} shim_finding;

typedef struct shim_report shim_report;

/*
 * Runs every control of the policy on the spec.  Some controls judge the
 * host's side of the spec (a namespace joined by path, a bind source, a
 * device node, a hook's program) from the facts the caller gave
 * (shim_spec_set_facts); a missing or failed fact becomes a rejecting
 * finding, not an error, so that the answer fails closed.
 */
SHIM_API int shim_check(const shim_policy *policy, const shim_spec *spec,
               shim_report **out, shim_error *err);

/* The strongest verdict among the findings (ALLOW when there are none). */
SHIM_API shim_verdict shim_report_verdict(const shim_report *report);
SHIM_API size_t shim_report_count(const shim_report *report);
/* The i-th finding, valid until the report is freed; NULL past the end. */
SHIM_API const shim_finding *shim_report_get(const shim_report *report, size_t i);

typedef enum shim_format {
  SHIM_FORMAT_TEXT = 0, /* one line per finding, then a summary line */
  SHIM_FORMAT_JSON,     /* {"verdict": ..., "findings": [...]} */
} shim_format;

SHIM_API int shim_report_render(const shim_report *report, shim_format format,
                       char **out, shim_error *err);
SHIM_API void shim_report_free(shim_report *report);

/* What hardening changed: entries like findings (verdict HARDEN, k8s NULL),
 * each naming the control, the field and the change. */
SHIM_API size_t shim_report_change_count(const shim_report *report);
SHIM_API const shim_finding *shim_report_change_get(const shim_report *report,
                                                    size_t i);

/* ---- Hardening -------------------------------------------------------------- */

/*
 * Rewrites an accepted spec into a sandboxed one, as runc-ready JSON
 * (*out, indented, malloc'ed) and a report: the checks' findings plus every
 * change (shim_report_change_*).  For each control in enforce mode:
 *   capabilities       every set cut to the policy's allowed set; ambient
 *                      emptied unless the policy allows it
 *   no-new-privileges  process.noNewPrivileges = true
 *   proc-unmasked      the policy's maskedPaths and readonlyPaths added
 *   host-namespaces    a cgroup namespace added when missing
 *   host-mounts        read-only binds for the policy's readOnlySources
 *   user-namespace     (shim_harden_userns only) the namespace and maps
 *   pids-limit         the policy's limit when none is set
 *   rlimits            the policy's limits
 *   metadata-server    the runtime's blocking hook (shim_policy_set_runtime)
 *   apparmor           "unconfined" replaced by the policy's profile, if any
 *   seccomp            the policy's profile; a profile the spec already has
 *                      is combined with it so that a call is allowed only
 *                      where both allow it (in warn mode too, with the
 *                      profile's deliberate denials logged instead)
 * Fields libshim does not change are kept as they are.  The output is
 * parsed and checked again before it is returned, and hardening it again
 * changes nothing.  A spec the checks reject gives -SHIM_ERR_REJECTED and,
 * as the one exception to "outputs only on success", *report with the
 * findings that rejected it.
 */
SHIM_API int shim_harden(const shim_policy *policy, const shim_spec *spec,
                         char **out, shim_report **report, shim_error *err);

/* ---- User namespaces ---------------------------------------------------------- */

/*
 * A container's user namespace: container ids 0..size-1 are host ids
 * host_id..host_id+size-1, for uids and gids alike.  join is "" for a new
 * namespace, or the "/proc/PID/ns/user" of the pod's namespace to join.
 * A plain value: nothing to free.
 */
typedef struct shim_userns {
  unsigned int host_id;
  unsigned int size;
  char join[64];
} shim_userns;

/*
 * shim_harden, and with the user-namespace control enforced, puts the
 * container in userns: the user namespace entry and both mappings are set
 * to it (a range of the spec's own inside the pool is replaced), and a
 * container that joins its network namespace by path, which its user
 * namespace does not own and so cannot mount sysfs for, gets the host's
 * /sys bound read-only instead (what rootless containers get).  With
 * userns NULL this is shim_harden: the user namespace is left to the
 * runtime, and its findings stay in the report.
 */
SHIM_API int shim_harden_userns(const shim_policy *policy, const shim_spec *spec,
                                const shim_userns *userns, char **out,
                                shim_report **report, shim_error *err);

/*
 * What user namespace a container gets under the policy:
 *   SHIM_USERNS_NONE  none to give: the user-namespace control is not
 *                     enforced; a Kubernetes pod (CRI annotation
 *                     io.kubernetes.cri.container-type) in the kubelet's
 *                     own (hostUsers: false), which the checks verify; a
 *                     pod that did not ask, where the delegate cannot give
 *                     one or user-namespace.pods is "never"
 *                     (shim_policy_set_delegate);
 *   SHIM_USERNS_JOIN  *out: the one of the process whose namespaces the spec
 *                     joins by /proc/PID/ns/... paths (`ctr run --with-ns`
 *                     joins a container to another's this way; a pod's
 *                     container, its sandbox's), or the one its user entry
 *                     names, with ids in the pool;
 *   SHIM_USERNS_NEW   a new one (a pod's sandbox too): claim a range
 *                     (shimrun: from its pool).
 * -SHIM_ERR_REJECTED when it joins namespaces of several processes, or a
 * user namespace outside the pool, or is a pod's container whose sandbox
 * has none of the pool.
 */
enum { SHIM_USERNS_NONE, SHIM_USERNS_JOIN, SHIM_USERNS_NEW };
SHIM_API int shim_userns_plan(const shim_policy *policy, const shim_spec *spec,
                              shim_userns *out, shim_error *err);

/*
 * The sysctls a runtime writes itself, from the host, for a container that
 * shim_harden_userns put in a user namespace while it joins its network
 * namespace by path (a Kubernetes pod's): net.* ones, which the
 * container's root may not write in a network namespace its user
 * namespace does not own, so hardening leaves them out of the spec.  For
 * i = 0, 1, ...: 1 with the i-th one's key (as written: dots or slashes)
 * and value and the network namespace's path; 0 past the last.  They were
 * checked with the rest of the spec (the sysctls control).
 */
SHIM_API int shim_userns_net_sysctl(const shim_spec *spec, size_t i, const char **netns,
                                    const char **key, const char **value);

/*
 * Hardens a process that is to join a running container (`runc exec
 * --process FILE`): process is that JSON object, container the container's
 * spec.  The process gets what the container got (capabilities cut to the
 * allowed set, no-new-privileges, AppArmor, rlimits, and in a container in
 * the seccomp loader's form the loader first in its args); a process the checks
 * reject (a privileged capability) gives -SHIM_ERR_REJECTED and *report,
 * as shim_harden does.  *out is the process object as JSON.
 */
SHIM_API int shim_harden_process(const shim_policy *policy,
                                 const shim_spec *container,
                                 const void *process, size_t len, char **out,
                                 shim_report **report, shim_error *err);

/*
 * Judges `runc update` for a running container: resources is the
 * LinuxResources object it applies (what `runc update -r FILE` reads; a
 * runtime turns update's flags into one), container the container's spec.
 * The update's members are put over the spec's linux.resources and
 * checked as a create is; *report has the findings under linux.resources.
 * An update is applied as given, so what hardening would fix (a pids limit
 * lifted) refuses it: -SHIM_ERR_REJECTED, as a finding that rejects; a
 * control in warn mode warns.
 */
SHIM_API int shim_check_update(const shim_policy *policy, const shim_spec *container,
                               const void *resources, size_t len, shim_report **report,
                               shim_error *err);

/* ---- Audit records -------------------------------------------------------- */

typedef struct shim_audit_event {
  const char *command;  /* "create", "run", "exec", "update" */
  const char *id;       /* container id, or NULL */
  const char *bundle;   /* bundle directory, or NULL */
  const char *decision; /* "hardened", "allowed" (update), "rejected", "error" */
  const char *error;    /* what went wrong for "error", else NULL */
} shim_audit_event;

/*
 * One audit record as a JSON line (with its newline): time, command,
 * container id, bundle, decision, the policy's name and digest, the pod
 * (namespace, name, container) from the CRI annotations when spec has them,
 * and the report's findings and changes.  spec and report may be NULL.
 */
SHIM_API int shim_audit_render(const shim_policy *policy, const shim_spec *spec,
                               const shim_report *report,
                               const shim_audit_event *event, char **line,
                               shim_error *err);

/* ---- Seccomp profiles ------------------------------------------------------- */

/*
 * A seccomp profile in the OCI format (a config.json's linux.seccomp) or
 * Docker's and containerd's (archMap, includes/excludes by capability,
 * architecture and kernel version), loaded strictly: an unknown field,
 * action, comparison or architecture is an error with its JSON pointer.  A
 * syscall name this libseccomp does not know is not an error (profiles
 * list newer calls): it is skipped and reported as a warning.
 */
typedef struct shim_seccomp shim_seccomp;

/* The embedded sandbox profile (profiles/seccomp/sandbox.json). */
SHIM_API int shim_seccomp_load_default(shim_seccomp **out, shim_error *err);
SHIM_API int shim_seccomp_load_file(const char *path, shim_seccomp **out,
                                    shim_error *err);
SHIM_API int shim_seccomp_load_data(const void *data, size_t len,
                                    shim_seccomp **out, shim_error *err);
SHIM_API size_t shim_seccomp_warning_count(const shim_seccomp *profile);
/* "<pointer>: unknown syscall \"name\"", valid until the profile is freed. */
SHIM_API const char *shim_seccomp_warning_get(const shim_seccomp *profile,
                                              size_t i);
SHIM_API void shim_seccomp_free(shim_seccomp *profile);

typedef enum shim_seccomp_output {
  SHIM_SECCOMP_BPF = 0, /* the program the kernel loads (8 bytes an instruction) */
  SHIM_SECCOMP_PFC,     /* libseccomp's pseudo-filter code, for people */
} shim_seccomp_output;

/* Compiles profile (NULL: the policy's own) with libseccomp for this
 * machine's ABI and the profile's other architectures, with libseccomp's
 * binary-tree optimisation, resolved for a container holding the policy's
 * allowed capabilities.  The policy's own profile is compiled exactly as
 * hardening applies it (deny action, warn mode, flags). */
SHIM_API int shim_seccomp_compile(const shim_policy *policy,
                                  const shim_seccomp *profile,
                                  shim_seccomp_output what, char **out,
                                  size_t *len, shim_error *err);

/* The BPF program of profile, as shim_seccomp_compile makes it, and the
 * seccomp(2) flags (SECCOMP_FILTER_FLAG_*) its "flags" ask for: what a
 * runtime that installs the filter itself needs. */
SHIM_API int shim_seccomp_program(const shim_policy *policy,
                                  const shim_seccomp *profile, char **program,
                                  size_t *len, unsigned int *flags, shim_error *err);

typedef struct shim_seccomp_decision {
  unsigned action;       /* the filter's return value (SCMP_ACT_* form) */
  char action_name[32];  /* "SCMP_ACT_ERRNO", ... */
  int errno_value;       /* for SCMP_ACT_ERRNO, else -1 */
  char rule[64];         /* pointer of the profile entry that decided,
                            "/syscalls/12", or "/defaultAction" */
} shim_seccomp_decision;

/* What the compiled filter (as for shim_seccomp_compile) returns for one
 * call on this machine's ABI, found by running the BPF program. */
SHIM_API int shim_seccomp_explain(const shim_policy *policy,
                                  const shim_seccomp *profile,
                                  const char *syscall,
                                  const unsigned long long *args, size_t nargs,
                                  shim_seccomp_decision *out, shim_error *err);

/* ---- Misc ----------------------------------------------------------------- */

/* The library's version, "MAJOR.MINOR.PATCH". */
SHIM_API const char *shim_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SHIM_SHIM_H */
