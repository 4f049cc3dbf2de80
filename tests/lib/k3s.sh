# k3s's start as far as containerd's config goes (k3s and rke2 are not in
# Debian's archive): the config.toml it writes in DIR from the user's
# template there (config-v3.toml.tmpl first, then config.toml.tmpl), its
# {{ template "base" . }} line replaced by what k3s renders without one
# (the file BASE), or from BASE alone.
k3s_render() { # DIR BASE
	local t
	for t in config-v3.toml.tmpl config.toml.tmpl; do
		[ -e "$1/$t" ] || continue
		awk -v base="$2" '$0 == "{{ template \"base\" . }}" {
			while ((getline l < base) > 0) print l; next } { print }' "$1/$t" >"$1/config.toml"
		return
	done
	cp "$2" "$1/config.toml"
}
