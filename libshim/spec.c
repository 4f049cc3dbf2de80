/* Loading an OCI runtime spec: read within limits, parse strictly, then
 * validate against the runtime-spec schema as runc would decode it. */
#include "config.h"
#include "internal.h"

int shim_spec_load_data(const void *data, size_t len, shim_spec **out,
                        shim_error *err) {
  if (!out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no output pointer");
  _cleanup_json_ json_t *root = NULL;
  int ret = json_parse_strict(data, len, &root, err);
  if (ret < 0)
    return ret;
  ret = schema_validate_spec(root, err);
  if (ret < 0)
    return ret;
  shim_spec *spec = calloc(1, sizeof *spec);
  if (!spec)
    return error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  spec->root = steal_ptr(root);
  *out = spec;
  return 0;
}

int shim_spec_load_fd(int fd, shim_spec **out, shim_error *err) {
  _cleanup_free_ char *data = NULL;
  size_t len;
  int ret = read_fd_limited(fd, &data, &len, err);
  if (ret < 0)
    return ret;
  return shim_spec_load_data(data, len, out, err);
}

int shim_spec_load_file(const char *path, shim_spec **out, shim_error *err) {
  _cleanup_free_ char *data = NULL;
  size_t len;
  int ret = read_file_limited(path, &data, &len, err);
  if (ret < 0)
    return ret;
  return shim_spec_load_data(data, len, out, err);
}

void shim_spec_free(shim_spec *spec) {
  if (!spec)
    return;
  json_decref(spec->root);
  free(spec);
}
