/* A unary gRPC call over HTTP/2 on a unix socket: see node_cri.h. */
#include "config.h"
#include "node_cri.h"

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- Protobuf --------------------------------------------------------------- */

static void pb_put(struct pb *m, const void *data, size_t n) {
  if (m->failed || !n) /* an empty payload may be NULL, which memcpy must not get */
    return;
  if (m->len + n > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    while (cap < m->len + n)
      cap *= 2;
    uint8_t *bigger = realloc(m->buf, cap);
    if (!bigger) {
      m->failed = true;
      return;
    }
    m->buf = bigger;
    m->cap = cap;
  }
  memcpy(m->buf + m->len, data, n);
  m->len += n;
}

static void pb_varint(struct pb *m, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v >>= 7;
  } while (v);
  pb_put(m, b, n);
}

static void pb_len_field(struct pb *m, unsigned field, const void *data, size_t n) {
  pb_varint(m, (uint64_t)field << 3 | 2);
  pb_varint(m, n);
  pb_put(m, data, n);
}

void pb_string(struct pb *m, unsigned field, const char *s) {
  pb_len_field(m, field, s, strlen(s));
}

void pb_uint(struct pb *m, unsigned field, uint64_t v) {
  pb_varint(m, (uint64_t)field << 3);
  pb_varint(m, v);
}

void pb_message(struct pb *m, unsigned field, const struct pb *sub) {
  m->failed |= sub->failed;
  pb_len_field(m, field, sub->buf, sub->len);
}

void pb_map_entry(struct pb *m, unsigned field, const char *key, const char *value) {
  struct pb entry = {0};
  pb_string(&entry, 1, key);
  pb_string(&entry, 2, value);
  pb_message(m, field, &entry);
  pb_clear(&entry);
}

void pb_clear(struct pb *m) {
  free(m->buf);
  *m = (struct pb){0};
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

bool pb_bytes(const uint8_t *msg, size_t len, unsigned field, size_t n,
              const uint8_t **out, size_t *out_len) {
  const uint8_t *p = msg, *end = msg + len;
  while (p < end) {
    uint64_t key, v;
    if (!read_varint(&p, end, &key))
      return false;
    switch (key & 7) {
    case 0:
      if (!read_varint(&p, end, &v))
        return false;
      break;
    case 1:
    case 5: {
      size_t skip = (key & 7) == 1 ? 8 : 4;
      if ((size_t)(end - p) < skip)
        return false;
      p += skip;
      break;
    }
    case 2:
      if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
        return false;
      if ((key >> 3) == field && n-- == 0) {
        *out = p;
        *out_len = (size_t)v;
        return true;
      }
      p += v;
      break;
    default:
      return false;
    }
  }
  return false;
}

/* ---- HTTP/2 ------------------------------------------------------------------- */

enum { F_DATA = 0, F_HEADERS = 1, F_RST_STREAM = 3, F_SETTINGS = 4, F_PING = 6,
       F_GOAWAY = 7 };
enum { FL_END_STREAM = 0x1, FL_ACK = 0x1, FL_END_HEADERS = 0x4, FL_PADDED = 0x8 };
#define MAX_ANSWER (16u * 1024 * 1024)

static void frame(struct pb *out, uint8_t type, uint8_t flags, uint32_t stream,
                  const void *payload, size_t n) {
  uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type, flags,
                  (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
                  (uint8_t)stream};
  pb_put(out, h, sizeof h);
  pb_put(out, payload, n);
}

/* An HPACK string literal, not Huffman-coded: its length as a 7-bit prefix
 * integer, then its bytes (RFC 7541 5.1, 5.2). */
static void hpack_string(struct pb *b, const char *s) {
  size_t n = strlen(s);
  uint8_t byte = (uint8_t)(n < 127 ? n : 127);
  pb_put(b, &byte, 1);
  for (size_t rest = n - byte; byte >= 127; rest >>= 7) {
    byte = (uint8_t)((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0));
    pb_put(b, &byte, 1);
    if (rest < 0x80)
      break;
  }
  pb_put(b, s, n);
}

/* The request's headers: fields of HPACK's static table by index, the
 * rest as literals that the server does not index (RFC 7541 6.1, 6.2.2). */
static void request_headers(struct pb *b, const char *path) {
  static const uint8_t post = 0x80 | 3, http = 0x80 | 6, path_name = 4, authority = 1,
                       content_type[] = {0x0f, 31 - 15}, te = 0;
  pb_put(b, &post, 1);
  pb_put(b, &http, 1);
  pb_put(b, &path_name, 1);
  hpack_string(b, path);
  pb_put(b, &authority, 1);
  hpack_string(b, "localhost");
  pb_put(b, content_type, sizeof content_type);
  hpack_string(b, "application/grpc");
  pb_put(b, &te, 1);
  hpack_string(b, "te");
  hpack_string(b, "trailers");
}

/* All n bytes written (or read), or false. */
static bool io_all(int fd, uint8_t *p, size_t n, bool writing) {
  while (n) {
    ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}
#define write_all(fd, p, n) io_all(fd, (uint8_t *)(p), n, true)
#define read_all(fd, p, n) io_all(fd, p, n, false)

/* Reads frames until stream 1 ends; its DATA gathered in *data. */
static int read_answer(int fd, struct pb *data, bool *trailers_only, shim_error *err) {
  bool headers_seen = false;
  _cleanup_free_ uint8_t *payload = NULL;
  for (;;) {
    uint8_t h[9];
    if (!read_all(fd, h, sizeof h))
      return error_sys(err, SHIM_ERR_HOST, errno ? errno : EPIPE, NULL,
                       "the CRI socket closed or timed out before the answer");
    size_t n = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
    uint8_t type = h[3], flags = h[4];
    uint32_t stream = ((uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8]) &
                      0x7fffffff;
    free(payload);
    payload = malloc(n + 1);
    if (!payload || !read_all(fd, payload, n))
      return error_set(err, SHIM_ERR_HOST, NULL, "a short HTTP/2 frame from the CRI socket");
    if (type == F_SETTINGS && !(flags & FL_ACK)) {
      struct pb ack = {0};
      frame(&ack, F_SETTINGS, FL_ACK, 0, NULL, 0);
      bool ok = !ack.failed && write_all(fd, ack.buf, ack.len);
      pb_clear(&ack);
      if (!ok)
        return error_sys(err, SHIM_ERR_HOST, errno, NULL, "CRI socket");
    } else if (type == F_PING && !(flags & FL_ACK)) {
      struct pb pong = {0};
      frame(&pong, F_PING, FL_ACK, 0, payload, n);
      bool ok = !pong.failed && write_all(fd, pong.buf, pong.len);
      pb_clear(&pong);
      if (!ok)
        return error_sys(err, SHIM_ERR_HOST, errno, NULL, "CRI socket");
    } else if (type == F_GOAWAY || (type == F_RST_STREAM && stream == 1)) {
      return error_set(err, SHIM_ERR_HOST, NULL, "the CRI server ended the call (%s)",
                       type == F_GOAWAY ? "GOAWAY" : "RST_STREAM");
    } else if (stream == 1 && type == F_DATA) {
      size_t pad = flags & FL_PADDED && n ? payload[0] + 1u : 0;
      if (pad > n || data->len + n > MAX_ANSWER)
        return error_set(err, SHIM_ERR_HOST, NULL, "a bad DATA frame from the CRI socket");
      pb_put(data, payload + (pad ? 1 : 0), n - pad);
      if (flags & FL_END_STREAM)
        return 0;
    } else if (stream == 1 && type == F_HEADERS) {
      /* The first block is the answer's headers; one that ends the
       * stream is its trailers, and alone, an error's. */
      *trailers_only = !headers_seen && (flags & FL_END_STREAM);
      headers_seen = true;
      if (flags & FL_END_STREAM)
        return 0;
    }
  }
}

int cri_call(const char *socket_path, const char *method, const struct pb *req,
             uint8_t **resp, size_t *resp_len, int timeout_ms, shim_error *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path)
    return error_set(err, SHIM_ERR_INVAL, NULL, "socket path too long: %s", socket_path);
  strcpy(sa.sun_path, socket_path);
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
      connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return error_sys(err, SHIM_ERR_HOST, errno, NULL, "cannot connect to %s", socket_path);

  char path[256];
  snprintf(path, sizeof path, "/runtime.v1.RuntimeService/%s", method);
  struct pb out = {0}, headers = {0}, body = {0};
  static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  pb_put(&out, preface, sizeof preface - 1);
  frame(&out, F_SETTINGS, 0, 0, NULL, 0);
  request_headers(&headers, path);
  frame(&out, F_HEADERS, FL_END_HEADERS, 1, headers.buf, headers.len);
  /* A gRPC message: not compressed, its length, the protobuf. */
  uint8_t prefix[5] = {0, (uint8_t)(req->len >> 24), (uint8_t)(req->len >> 16),
                       (uint8_t)(req->len >> 8), (uint8_t)req->len};
  pb_put(&body, prefix, sizeof prefix);
  pb_put(&body, req->buf, req->len);
  frame(&out, F_DATA, FL_END_STREAM, 1, body.buf, body.len);
  bool built = !out.failed && !headers.failed && !body.failed && !req->failed &&
               body.len <= 16384; /* one frame of the default size */
  bool sent = built && write_all(fd, out.buf, out.len);
  int saved = errno;
  pb_clear(&headers);
  pb_clear(&body);
  pb_clear(&out);
  if (!built)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "cannot build the %s request", method);
  if (!sent)
    return error_sys(err, SHIM_ERR_HOST, saved, NULL, "cannot write to %s", socket_path);

  struct pb data = {0};
  bool trailers_only = false;
  int ret = read_answer(fd, &data, &trailers_only, err);
  if (ret == 0 && (trailers_only || data.len < 5 || data.buf[0] != 0))
    ret = error_set(err, SHIM_ERR_HOST, NULL, "%s failed: containerd answered with an error",
                    method);
  size_t n = ret == 0 ? (size_t)data.buf[1] << 24 | (size_t)data.buf[2] << 16 |
                            (size_t)data.buf[3] << 8 | data.buf[4]
                      : 0;
  if (ret == 0 && n != data.len - 5)
    ret = error_set(err, SHIM_ERR_HOST, NULL, "%s: a malformed gRPC answer", method);
  if (ret < 0) {
    pb_clear(&data);
    return ret;
  }
  memmove(data.buf, data.buf + 5, n);
  *resp = data.buf;
  *resp_len = n;
  return 0;
}
