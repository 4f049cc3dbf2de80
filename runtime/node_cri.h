/*
 * Talking to containerd's CRI plugin as the kubelet does: unary gRPC calls
 * over its unix socket (HTTP/2, protobuf), with nothing but libc.
 *
 * Only what `shimctl node check` needs: one call per connection, requests
 * built with the pb_* writers below, answers read field by field.  A
 * failed call's gRPC status and message are given when the answer carries
 * them as plain text (containerd's trailers come HPACK-encoded, often with
 * Huffman codes, which this client does not decode): the checks name their
 * causes from what they can see on the node instead.
 */
#ifndef SHIM_NODE_CRI_H
#define SHIM_NODE_CRI_H

#include <shim/shim.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A protobuf message under construction (malloc'ed; failed after an
 * allocation failure, every later write then a no-op). */
struct pb {
  uint8_t *buf;
  size_t len, cap;
  bool failed;
};
void pb_string(struct pb *m, unsigned field, const char *s);
void pb_uint(struct pb *m, unsigned field, uint64_t v);
/* A nested message, or one entry of a map<string,string>. */
void pb_message(struct pb *m, unsigned field, const struct pb *sub);
void pb_map_entry(struct pb *m, unsigned field, const char *key, const char *value);
void pb_clear(struct pb *m);

/* The n-th (from 0) length-delimited field `field` of a message: its bytes
 * in *out, *len; false when there is none (or the message is malformed). */
bool pb_bytes(const uint8_t *msg, size_t len, unsigned field, size_t n,
              const uint8_t **out, size_t *out_len);

/* Calls /runtime.v1.RuntimeService/METHOD on the socket with the request,
 * the answer (malloc'ed) in *resp.  A call the server refused:
 * -SHIM_ERR_HOST with what it said; no answer in timeout_ms: the same. */
int cri_call(const char *socket, const char *method, const struct pb *req,
             uint8_t **resp, size_t *resp_len, int timeout_ms, shim_error *err);

#endif
