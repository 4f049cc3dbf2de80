/* Errors as values: filling a caller's shim_error, and the cleanup helpers
 * every file uses. */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cleanup_freep(void *p) { free(*(void **)p); }

void cleanup_jsonp(json_t **p) { json_decref(*p); }

void cleanup_closep(int *fd) {
  if (*fd >= 0)
    close(*fd);
}

static int error_vset(shim_error *err, int code, int sys_errno,
                      const char *pointer, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    err->sys_errno = sys_errno;
    snprintf(err->pointer, sizeof err->pointer, "%s", pointer ? pointer : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
  }
  return -code;
}

int error_set(shim_error *err, int code, const char *pointer, const char *fmt,
              ...) {
  va_list ap;
  va_start(ap, fmt);
  int ret = error_vset(err, code, 0, pointer, fmt, ap);
  va_end(ap);
  return ret;
}

int error_sys(shim_error *err, int code, int errno_value, const char *pointer,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ret = error_vset(err, code, errno_value, pointer, fmt, ap);
  va_end(ap);
  if (err) {
    size_t len = strlen(err->message);
    char buf[128];
    snprintf(err->message + len, sizeof err->message - len, ": %s",
             strerror_r(errno_value, buf, sizeof buf));
  }
  return ret;
}

const char *shim_errc_name(int code) {
  static const char *const names[] = {
      [SHIM_OK] = "ok",           [SHIM_ERR_INVAL] = "invalid-argument",
      [SHIM_ERR_NOMEM] = "nomem", [SHIM_ERR_IO] = "io",
      [SHIM_ERR_LIMIT] = "limit", [SHIM_ERR_SYNTAX] = "syntax",
      [SHIM_ERR_SCHEMA] = "schema", [SHIM_ERR_HOST] = "host",
      [SHIM_ERR_REJECTED] = "rejected",
  };
  if (code < 0)
    code = -code;
  if ((size_t)code >= ARRAY_SIZE(names) || !names[code])
    return "unknown";
  return names[code];
}

const char *shim_version(void) { return PACKAGE_VERSION; }
