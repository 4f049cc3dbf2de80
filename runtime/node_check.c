/* `shimctl node check`: see node_check.h. */
#include "config.h"
#include "node_check.h"

#include "files.h"
#include "internal.h"
#include "node_containerd.h"
#include "node_cri.h"
#include "node_install.h"
#include "node_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_TAIL (4u << 20) /* the canary's record is among the last */

struct checker {
  const struct node_check_opts *o;
  FILE *out;
  shim_error *err;
  int rootfd; /* the node's root, opened once (-1: not there) */
  int first;  /* the first failure's -code, 0 while none */
  char name[64], uid[33], sandbox[128];
  char address[PATH_MAX]; /* the CRI socket, as this process reaches it */
};

__attribute__((format(printf, 3, 4))) static void pass(struct checker *k, const char *check,
                                                       const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(k->out, "ok %s: ", check);
  vfprintf(k->out, fmt, ap);
  fputc('\n', k->out);
  va_end(ap);
}

__attribute__((format(printf, 4, 5))) static int fail(struct checker *k, const char *check,
                                                      int code, const char *fmt, ...) {
  char why[sizeof k->err->message];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  fprintf(k->out, "FAIL %s: %s\n", check, why);
  if (!k->first)
    k->first = error_set(k->err, code, NULL, "%s: %s", check, why);
  return -code;
}

/* ---- config ------------------------------------------------------------------- */

static int check_config(struct checker *k) {
  const struct node_check_opts *o = k->o;
  shim_error e;
  _cleanup_(node_containerd_clear) struct node_containerd c = {0};
  if (node_containerd_find(o->root, o->config, &c, &e) < 0)
    return fail(k, "config", e.code, "%s", e.message);
  if (o->address)
    snprintf(k->address, sizeof k->address, "%s", o->address);
  else
    path_in_root(o->root, c.address, k->address, sizeof k->address);
  char table[512], type[64], binary[PATH_MAX];
  snprintf(table, sizeof table, "%s.%s", node_runtimes_table(c.dump_version), o->runtime_name);
  if (!node_dump_get(c.dump, table, "runtime_type", type, sizeof type))
    return fail(k, "config", SHIM_ERR_SCHEMA,
                "containerd %s reads no runtime class %s from %s (a drop-in not "
                "imported, or written for another config version?)",
                c.version, o->runtime_name, c.config);
  strcat(table, ".options");
  if (!node_dump_get(c.dump, table, "BinaryName", binary, sizeof binary) || !binary[0])
    return fail(k, "config", SHIM_ERR_SCHEMA,
                "the runtime class %s has no BinaryName where containerd %s reads it "
                "(%s.BinaryName): its pods run on plain runc",
                o->runtime_name, c.version, table);
  if (k->rootfd < 0 || !executable_in_root(k->rootfd, binary))
    return fail(k, "config", SHIM_ERR_IO,
                "BinaryName %s of the runtime class %s is not an executable file "
                "on the node: containerd cannot start its containers",
                binary, o->runtime_name);
  pass(k, "config", "containerd %s runs %s for the runtime class %s", c.version, binary,
       o->runtime_name);
  return 0;
}

/* ---- cri ---------------------------------------------------------------------- */

static int call(struct checker *k, const char *method, const struct pb *req, uint8_t **resp,
                size_t *len, shim_error *e) {
  return cri_call(k->address, method, req, resp, len, k->o->timeout_ms, e);
}

/* The n-th string field of a message as text, or "". */
static void field_text(const uint8_t *msg, size_t len, unsigned field, char *buf,
                       size_t size) {
  const uint8_t *v;
  size_t n;
  if (!pb_bytes(msg, len, field, 0, &v, &n))
    n = 0;
  snprintf(buf, size, "%.*s", (int)n, n ? (const char *)v : "");
}

static int check_cri(struct checker *k) {
  struct pb req = {0};
  _cleanup_free_ uint8_t *resp = NULL;
  size_t len;
  shim_error e;
  pb_string(&req, 1, "v1");
  int ret = call(k, "Version", &req, &resp, &len, &e);
  pb_clear(&req);
  if (ret < 0)
    return fail(k, "cri", e.code, "%s", e.message);
  char name[64], version[64], api[64];
  field_text(resp, len, 2, name, sizeof name);
  field_text(resp, len, 3, version, sizeof version);
  field_text(resp, len, 4, api, sizeof api);
  pass(k, "cri", "%s %s answers on %s (CRI %s)", name, version, k->address, api);
  return 0;
}

/* ---- canary ------------------------------------------------------------------- */

static void random_hex(char *out, size_t n) {
  unsigned char raw[16] = {0};
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, raw, sizeof raw) < 0)
      memset(raw, 0, sizeof raw);
    close(fd);
  }
  for (size_t i = 0; i < sizeof raw && 2 * i + 2 < n; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* A pod as the kubelet describes one: its own network and ipc, a pid
 * namespace per container. */
static void canary_config(struct checker *k, struct pb *config) {
  struct pb meta = {0}, ns = {0}, sec = {0}, linux_ = {0};
  pb_string(&meta, 1, k->name);
  pb_string(&meta, 2, k->uid);
  pb_string(&meta, 3, "shim-system");
  pb_message(config, 1, &meta);
  pb_string(config, 2, k->name);
  pb_map_entry(config, 6, "app.kubernetes.io/name", "shim-node-check");
  pb_uint(&ns, 2, 1); /* pid: CONTAINER */
  pb_message(&sec, 1, &ns);
  pb_message(&linux_, 2, &sec);
  pb_message(config, 8, &linux_);
  pb_clear(&meta);
  pb_clear(&ns);
  pb_clear(&sec);
  pb_clear(&linux_);
}

static int run_canary(struct checker *k, shim_error *e) {
  struct pb config = {0}, req = {0};
  canary_config(k, &config);
  pb_message(&req, 1, &config);
  pb_string(&req, 2, k->o->runtime_name);
  _cleanup_free_ uint8_t *resp = NULL;
  size_t len;
  int ret = call(k, "RunPodSandbox", &req, &resp, &len, e);
  pb_clear(&config);
  pb_clear(&req);
  if (ret == 0)
    field_text(resp, len, 1, k->sandbox, sizeof k->sandbox);
  return ret;
}

static void remove_canary(struct checker *k) {
  static const char *const steps[] = {"StopPodSandbox", "RemovePodSandbox"};
  for (size_t i = 0; k->sandbox[0] && i < ARRAY_SIZE(steps); i++) {
    struct pb req = {0};
    _cleanup_free_ uint8_t *resp = NULL;
    size_t len;
    shim_error e;
    pb_string(&req, 1, k->sandbox);
    if (call(k, steps[i], &req, &resp, &len, &e) < 0)
      fprintf(k->out, "note: %s of the canary %s: %s\n", steps[i], k->sandbox, e.message);
    pb_clear(&req);
  }
}

/* ---- shimrun's audit record --------------------------------------------------- */

/* The last record of the log about the canary: by its sandbox id when it
 * runs, by its pod's name when it was refused. */
static json_t *canary_record(struct checker *k, const char *path, shim_error *e) {
  _cleanup_close_ int fd = k->rootfd < 0 ? -1
                                          : open_in_root(k->rootfd, path, O_RDONLY | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    error_sys(e, SHIM_ERR_IO, errno, NULL, "%s", path);
    return NULL;
  }
  size_t n = (size_t)st.st_size < AUDIT_TAIL ? (size_t)st.st_size : AUDIT_TAIL;
  _cleanup_free_ char *tail = malloc(n + 1);
  ssize_t got = tail ? pread(fd, tail, n, st.st_size - (off_t)n) : -1;
  if (got < 0) {
    error_sys(e, SHIM_ERR_IO, errno, NULL, "%s", path);
    return NULL;
  }
  tail[got] = '\0';
  for (char *line = strrchr(tail, '\n'); line || *tail;) {
    char *start = line ? line + 1 : tail;
    if (*start) {
      json_t *r = json_loads(start, 0, NULL);
      const char *id = json_string_value(json_object_get(r, "id"));
      const char *pod = json_string_value(json_object_get(json_object_get(r, "pod"), "name"));
      if ((k->sandbox[0] && id && strcmp(id, k->sandbox) == 0) ||
          (pod && strcmp(pod, k->name) == 0))
        return r;
      json_decref(r);
    }
    if (!line)
      break;
    *line = '\0';
    line = strrchr(tail, '\n');
  }
  error_set(e, SHIM_ERR_IO, NULL, "%s has no record of the canary", path);
  return NULL;
}

/* Whether the record's changes include one of the control. */
static bool changed(json_t *record, const char *control) {
  return json_array_find(json_object_get(record, "changes"), "control", control);
}

/* ---- hardened ----------------------------------------------------------------- */

/* The sandbox's host pid, from PodSandboxStatus's verbose info. */
static long sandbox_pid(struct checker *k, shim_error *e) {
  struct pb req = {0};
  pb_string(&req, 1, k->sandbox);
  pb_uint(&req, 2, 1);
  _cleanup_free_ uint8_t *resp = NULL;
  size_t len;
  int ret = call(k, "PodSandboxStatus", &req, &resp, &len, e);
  pb_clear(&req);
  const uint8_t *entry, *key, *value;
  size_t elen, klen, vlen;
  for (size_t i = 0; ret == 0 && pb_bytes(resp, len, 2, i, &entry, &elen); i++) {
    if (!pb_bytes(entry, elen, 1, 0, &key, &klen) || klen != 4 || memcmp(key, "info", 4) ||
        !pb_bytes(entry, elen, 2, 0, &value, &vlen))
      continue;
    _cleanup_json_ json_t *info = json_loadb((const char *)value, vlen, 0, NULL);
    long pid = (long)json_integer_value(json_object_get(info, "pid"));
    if (pid > 0)
      return pid;
  }
  if (ret == 0)
    error_set(e, SHIM_ERR_HOST, NULL, "PodSandboxStatus names no pid for the canary");
  return -1;
}

/* A line "Field:\tvalue" of /proc/PID/status, as a number; -1 without. */
static long status_field(const char *status, const char *field) {
  char needle[64];
  snprintf(needle, sizeof needle, "\n%s:", field);
  const char *at = strstr(status, needle);
  return at ? strtol(at + strlen(needle), NULL, 10) : -1;
}

static int check_hardened(struct checker *k, json_t *record) {
  shim_error e;
  long pid = sandbox_pid(k, &e);
  if (pid < 0)
    return fail(k, "hardened", e.code, "%s", e.message);
  char path[64], status[8192] = "\n", map[256] = "";
  /* The sandbox may not have reached the pause program yet: runc's init
   * ("runc:[2:INIT]") execs shimrun's seccomp loader, which installs the
   * filter and execs the pause program after runc start returned.  Judge
   * that program. */
  for (int tries = 0; tries < 200; tries++) {
    char comm[32] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    if (read_proc(path, comm, sizeof comm) <= 0 ||
        (strncmp(comm, "runc:", 5) != 0 && strcmp(comm, "seccomp-loader\n") != 0))
      break;
    usleep(10000);
  }
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  if (read_proc(path, status + 1, sizeof status - 1) <= 0) /* after a '\n': status_field */
    return fail(k, "hardened", SHIM_ERR_HOST,
                "cannot read %s (the canary's process, in containerd's pid namespace: "
                "run the check with the host's pids)", path);
  snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
  read_proc(path, map, sizeof map);
  unsigned inside = 0, outside = 0, count = 0;
  bool userns = sscanf(map, "%u %u %u", &inside, &outside, &count) == 3 &&
                !(outside == 0 && count == 4294967295u);
  long seccomp = status_field(status, "Seccomp"), nnp = status_field(status, "NoNewPrivs");
  if (seccomp != 2 || nnp != 1)
    return fail(k, "hardened", SHIM_ERR_REJECTED,
                "the canary's process %ld runs with Seccomp %ld, NoNewPrivs %ld: not as "
                "shimrun hardens", pid, seccomp, nnp);
  if (changed(record, "user-namespace") && !userns)
    return fail(k, "hardened", SHIM_ERR_REJECTED,
                "shimrun gave the canary a user namespace, but its process %ld has the "
                "host's ids (uid_map %s)", pid, map);
  char ids[96] = "no user namespace (the policy gives none)";
  if (userns)
    snprintf(ids, sizeof ids, "user namespace: ids 0..%u are host ids %u..%u", count - 1,
             outside, outside + count - 1);
  pass(k, "hardened", "the canary's process %ld: Seccomp 2, NoNewPrivs 1, %s%s", pid, ids,
       changed(record, "metadata-server") ? ", the metadata block added" : "");
  return 0;
}

/* The outcome, for `shimctl node status` and `shimctl metrics`; a node
 * where it cannot be kept still gets its lines on out. */
static void save_result(struct checker *k) {
  time_t now = time(NULL);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  _cleanup_json_ json_t *r = json_pack("{s:s, s:I, s:s, s:b, s:s?}", "time", when,
                                       "timestamp", (json_int_t)now, "runtimeName",
                                       k->o->runtime_name, "ok", !k->first, "cause",
                                       k->first ? k->err->message : NULL);
  _cleanup_free_ char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
  shim_error e;
  if (!text || node_state_write(k->o->root, "check.json", text, &e) < 0)
    fprintf(k->out, "note: the result is not kept: %s\n", text ? e.message : "out of memory");
}

/* ---- the checks in order ---------------------------------------------------- */

/* The canary and what shimrun made of it. */
static void check_canary(struct checker *k) {
  const struct node_check_opts *o = k->o;
  shim_error e, ae;
  int ran = run_canary(k, &e);
  struct node_settings settings;
  node_settings_read(o->root, &settings);
  const char *path = o->audit_log ? o->audit_log : settings.audit_log;
  _cleanup_json_ json_t *record = canary_record(k, path, &ae);
  const char *decision = json_string_value(json_object_get(record, "decision")) ?: "";
  if (ran < 0 && record && strcmp(decision, "rejected") == 0) {
    json_t *f = json_array_find(json_object_get(record, "findings"), "verdict", "reject");
    fail(k, "canary", SHIM_ERR_REJECTED, "shimrun refused the canary: %s [%s]",
         json_string_value(json_object_get(f, "message")) ?: "(no finding)",
         json_string_value(json_object_get(f, "control")) ?: "?");
  } else if (ran < 0) {
    fail(k, "canary", e.code, "RunPodSandbox with handler %s: %s%s%s", o->runtime_name,
         e.message, record ? "; shimrun: " : "",
         record ? json_string_value(json_object_get(record, "error")) ?: decision : "");
  } else {
    pass(k, "canary", "RunPodSandbox with handler %s: sandbox %.12s", o->runtime_name,
         k->sandbox);
    if (!record || strcmp(decision, "hardened") != 0)
      fail(k, "shimrun", SHIM_ERR_REJECTED,
           "containerd ran the canary without shimrun: %s (BinaryName ignored by this "
           "containerd, or the handler runs another runtime)",
           record ? "its record says it was not hardened" : ae.message);
    else
      pass(k, "shimrun", "%s records the canary's create: %s, %zu changes", path, decision,
           json_array_size(json_object_get(record, "changes")));
    if (record && !k->first)
      check_hardened(k, record);
  }
  remove_canary(k);
}

int node_check(const struct node_check_opts *o, FILE *out, shim_error *err) {
  _cleanup_close_ int rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct checker k = {.o = o, .out = out, .err = err, .rootfd = rootfd};
  snprintf(k.name, sizeof k.name, "shim-node-check-%ld", (long)getpid());
  random_hex(k.uid, sizeof k.uid);
  if (check_config(&k) == 0 && check_cri(&k) == 0)
    check_canary(&k);
  save_result(&k);
  return k.first;
}
