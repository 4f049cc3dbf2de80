/* Loading an OCI runtime spec: read within limits, parse strictly (jtree.c),
 * then validate against the runtime-spec schema as runc would decode it. */
#include "config.h"
#include "internal.h"

int shim_spec_load_data(const void *data, size_t len, shim_spec **out,
                        shim_error *err) {
  if (!out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no output pointer");
  struct jtree tree;
  int ret = jtree_parse(data, len, &tree, err);
  if (ret < 0)
    return ret;
  ret = schema_validate_spec(tree.nodes, err);
  shim_spec *spec = ret < 0 ? NULL : calloc(1, sizeof *spec);
  if (!spec) {
    jtree_free(&tree);
    return ret < 0 ? ret : error_set(err, SHIM_ERR_NOMEM, NULL, "out of memory");
  }
  spec->tree = tree;
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
  return LOAD_FILE(path, shim_spec_load_data, out, err);
}

void shim_spec_free(shim_spec *spec) {
  if (!spec)
    return;
  jtree_free(&spec->tree);
  spec_free_facts(spec);
  free(spec);
}

const char *shim_spec_annotation(const shim_spec *spec, const char *key) {
  if (!spec || !key)
    return NULL;
  return jv_str(jv_get(jv_get(spec->tree.nodes, "annotations"), key));
}

const char *shim_spec_root_path(const shim_spec *spec) {
  return spec ? jv_str(jv_get(jv_get(spec->tree.nodes, "root"), "path")) : NULL;
}

int shim_spec_render(const shim_spec *spec, char **out, shim_error *err) {
  if (!spec || !out)
    return error_set(err, SHIM_ERR_INVAL, NULL, "no spec or output pointer");
  return json_render_tree(spec->tree.nodes, true, out, err);
}
