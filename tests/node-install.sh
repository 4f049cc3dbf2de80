#!/bin/bash
# shimctl node install / uninstall / status on node roots made from this
# stack's containerd: its binary (named by a systemd unit, as on a node)
# and its own `containerd config default`, the system's /usr under an
# overlay so that nothing outside the root changes.  containerd itself
# reads every result (`config dump` run in the root).  Runs once per node
# stack (tests/lib/on-stack.sh).
set -u
. "$top_srcdir/tests/lib/checks.sh"
. "$top_srcdir/tests/lib/k3s.sh"
shimctl="$top_builddir/runtime/shimctl"
from="$top_builddir/runtime"
[ "$(id -u)" -eq 0 ] || { echo "node-install: SKIP: must run as root (chroot, mounts)"; exit 77; }
command -v containerd >/dev/null || { echo "node-install: SKIP: no containerd"; exit 77; }
tmp=$(mktemp -d /tmp/node-install.XXXXXX)
CHECK_DIR=$tmp
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" 2>/dev/null; done
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

# A node root in $tmp/NAME, in $r; CONFIG replaces containerd's default
# config ("none": no config file at all).
make_root() {
	local d=$tmp/$1 config=${2:-}
	r=$d
	mkdir -p "$d/.ovl/upper" "$d/.ovl/work" "$d/usr" "$d/etc/containerd" "$d/etc/systemd/system"
	mount -t overlay overlay -o "lowerdir=/usr,upperdir=$d/.ovl/upper,workdir=$d/.ovl/work" "$d/usr" &&
		mounts+=("$d/usr") || return 1
	mkdir -p "$d/run"
	for l in lib lib64 bin sbin; do ln -s "usr/$l" "$d/$l"; done
	cp "$(command -v containerd)" "$d/usr/local/bin/containerd"
	printf '[Service]\nExecStart=/usr/local/bin/containerd\n' >"$d/etc/systemd/system/containerd.service"
	case $config in
	'') chroot "$d" /usr/local/bin/containerd config default >"$d/etc/containerd/config.toml" ;;
	none) ;;
	*) printf '%s\n' "$config" >"$d/etc/containerd/config.toml" ;;
	esac
}

# Every file of a root with its mode and checksum: outside /usr, and in
# /usr what the overlay's upper layer holds (what was written there).
# Equal snapshots: an untouched node.
snap() {
	(cd "$1" && find . -path ./usr -prune -o -path ./.ovl/work -prune -o -printf '%p %y %m\n' | sort &&
		find . -path ./usr -prune -o -path ./.ovl/work -prune -o -type f -print0 |
		sort -z | xargs -0r sha256sum)
}

# The merged config containerd reads in root $1.
dump() { chroot "$1" /usr/local/bin/containerd config dump 2>&1; }
runtime_line() { dump "$1" | sed -n "/runtimes.$2.options\]/,\$p" | grep -m1 BinaryName; }
install() { "$shimctl" node install --from "$from" --host-root "$@"; }

version=$(containerd --version | awk '{print $3}')
echo "node-install: containerd $version"

# --- a node with the config its containerd writes by default ------------------
make_root default || { bad "node root"; summary node-install; exit; }
before=$(snap "$r")
expect "dry run" 0 install "$r" --dry-run
has "dry run says what it would do" "$CHECK_DIR/out" "would create /usr/local/bin/shimrun"
check "dry run changes nothing" test "$(snap "$r")" = "$before"
expect "install" 0 install "$r"
has "install names the change" "$CHECK_DIR/out" "containerd reads the runtime class shim"
line=$(runtime_line "$r" shim)
case $line in *"/usr/local/bin/shimrun"*) ok "containerd's dump: $line" ;; *) bad "containerd's dump has no shim class" "$(dump "$r" | tail -5)" ;; esac
check "shimrun installed as built" cmp "$from/shimrun" "$r/usr/local/bin/shimrun"
check "shimrun executable" test -x "$r/usr/local/bin/shimrun"
has "kubelet's subuid range" "$r/etc/subuid" "kubelet:1073741824:67108864"
has "kubelet's subgid range" "$r/etc/subgid" "kubelet:1073741824:67108864"
if dump "$r" | grep -q 'runtimes.runc\]'; then ok "runc's class kept"; else bad "runc's class lost"; fi
case $version in
1.*) has "1.x: the main file holds the class" "$r/etc/containerd/config.toml" "runtimes.shim]" ;;
*) has "2.x: a drop-in holds the class" "$r/etc/containerd/conf.d/shim.toml" "runtimes.shim]" ;;
esac
installed=$(snap "$r")
expect "install again" 0 install "$r"
has "install again changes nothing" "$CHECK_DIR/out" "nothing to change"
check "install again: same bytes" test "$(snap "$r")" = "$installed"
expect "status" 0 "$shimctl" node status --host-root "$r"
has "status names the class" "$CHECK_DIR/out" "runtime class shim: BinaryName /usr/local/bin/shimrun"
# shimrun's state as containers leave it: its pool's lock, the delegate's
# version; no container holds a range, so it goes with shim.
mkdir -p "$r/run/shimrun/userns" && : >"$r/run/shimrun/userns/lock" && echo 1.1.5 >"$r/run/shimrun/delegate"
expect "uninstall" 0 "$shimctl" node uninstall --host-root "$r"
has "uninstall releases shimrun's state" "$CHECK_DIR/out" "released shimrun's state /run/shimrun"
check "uninstall: the node as before, byte for byte" test "$(snap "$r")" = "$before"
expect "status after uninstall" 1 "$shimctl" node status --host-root "$r"
expect "uninstall twice" 2 "$shimctl" node uninstall --host-root "$r"

# --- the class as containerd's default (a sandbox pool's nodes) ---------------
default_of() { dump "$1" | grep -m1 'default_runtime_name' | tr -d " '\""; }
make_root asdefault
before=$(snap "$r")
expect "install --default" 0 install "$r" --default
check "  containerd's default is shim" test "$(default_of "$r")" = default_runtime_name=shim
if dump "$r" | grep -q 'runtimes.runc\]'; then ok "  runc's class kept"; else bad "  runc's class lost"; fi
expect "  again: nothing to change" 0 install "$r" --default
has "  says so" "$CHECK_DIR/out" "nothing to change"
expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
check "  as before, byte for byte" test "$(snap "$r")" = "$before"
expect "install, then install --default" 0 install "$r"
check "  runc still the default" test "$(default_of "$r")" = default_runtime_name=runc
expect "  --default afterwards" 0 install "$r" --default
check "  now shim" test "$(default_of "$r")" = default_runtime_name=shim
expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
check "  as before, byte for byte" test "$(snap "$r")" = "$before"

# --- containerd's packaged config: runc only by default (Debian's) ------------
make_root debian "$(cat /etc/containerd/config.toml 2>/dev/null ||
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n')"
before=$(snap "$r")
expect "install over a config without runc's table" 0 install "$r"
if dump "$r" | grep -q 'runtimes.runc\]'; then ok "runc's default class kept"; else bad "runc's default class lost" "$(dump "$r" | grep runtimes)"; fi
# 1.x: bin_dir = "/usr/lib/cni"; 2.x, migrated: bin_dirs = ['/usr/lib/cni']
if dump "$r" | grep -Eq "bin_dirs? = \[?[\"']/usr/lib/cni"; then ok "the CRI settings kept"; else bad "CRI settings lost"; fi
expect "uninstall" 0 "$shimctl" node uninstall --host-root "$r"
check "uninstall: as before" test "$(snap "$r")" = "$before"
expect "the same with --default" 0 install "$r" --default
check "  containerd's default is shim" test "$(default_of "$r")" = default_runtime_name=shim
if dump "$r" | grep -q 'runtimes.runc\]'; then ok "  runc's class kept"; else bad "  runc's class lost"; fi
expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
check "  as before" test "$(snap "$r")" = "$before"

# --- the node's /etc/containerd is an absolute symlink: it means the
# node's /opt/containerd-etc, never this machine's ------------------------------
make_root linked
mkdir -p "$r/opt/containerd-etc"
mv "$r/etc/containerd/config.toml" "$r/opt/containerd-etc/" && rmdir "$r/etc/containerd"
ln -s /opt/containerd-etc "$r/etc/containerd"
expect "install through an absolute symlink" 0 install "$r"
check "  the node's file changed" grep -q 'runtimes.shim\]' "$r/opt/containerd-etc/config.toml" \
	"$r/opt/containerd-etc/conf.d/shim.toml"
check "  nothing outside the root" test ! -e /opt/containerd-etc
expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"

# --- a container of shim still holds a range: its state stays -------------------
make_root held
before=$(snap "$r")
expect "install" 0 install "$r"
mkdir -p "$r/run/shimrun/userns"
echo '{"root": "/run/containerd/runc/k8s.io", "id": "web", "hostID": 100000, "size": 65536, "pid": 1, "start": 1}' \
	>"$r/run/shimrun/userns/0123456789abcdef0123456789abcdef"
expect "uninstall while a container runs" 0 "$shimctl" node uninstall --host-root "$r"
has "  keeps shimrun's state" "$CHECK_DIR/out" "kept shimrun's state /run/shimrun: containers of shim still hold"
check "  the range's record is still there" test -s "$r/run/shimrun/userns/0123456789abcdef0123456789abcdef"

# --- no config file: containerd's defaults ------------------------------------
make_root noconfig none
before=$(snap "$r")
expect "install without a config file" 0 install "$r"
case $(runtime_line "$r" shim) in *shimrun*) ok "class read from the new file" ;; *) bad "class not read" ;; esac
expect "uninstall" 0 "$shimctl" node uninstall --host-root "$r"
check "uninstall: no config file again" test "$(snap "$r")" = "$before"

# --- a file the install made is gone already -----------------------------------
make_root removed
before=$(snap "$r")
expect "install" 0 install "$r"
rm "$r/usr/local/bin/shimctl"
expect "uninstall without the installed shimctl" 0 "$shimctl" node uninstall --host-root "$r"
check "  as before" test "$(snap "$r")" = "$before"

# --- the admin changes the config after the install ---------------------------
make_root edited
before=$(snap "$r")
cp "$r/etc/containerd/config.toml" "$tmp/edited.orig"
expect "install" 0 install "$r"
echo "# the admin's line" >>"$r/etc/containerd/config.toml"
expect "uninstall after an edit" 0 "$shimctl" node uninstall --host-root "$r"
has "only what the install added is taken out" "$CHECK_DIR/out" "took out what the install added"
check "the admin's line stays, the rest as before" \
	cmp "$r/etc/containerd/config.toml" <(cat "$tmp/edited.orig"; echo "# the admin's line")

# --- refusals: a clear error, nothing changed ----------------------------------
refused() { # NAME ROOT TEXT ARGS...: exit 2, TEXT said, the root unchanged
	local name=$1 root=$2 text=$3 snap_before
	shift 3
	snap_before=$(snap "$root")
	expect "$name: refused" 2 install "$root" "$@"
	has "$name: says why" "$CHECK_DIR/err" "$text"
	check "$name: nothing changed" test "$(snap "$root")" = "$snap_before"
}
make_root taken "$(printf 'version = 2\n%s\n  runtime_type = "io.containerd.runc.v2"\n  [%s.options]\n    BinaryName = "/opt/other"\n' \
	'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.shim]' 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.shim')"
refused "a class of that name already" "$r" 'already has a runtime class shim (BinaryName "/opt/other")'
make_root garbled 'version = 2
[plugins'
refused "an unparsable config" "$r" "refuses /etc/containerd/config.toml"
make_root v4 'version = 4'
refused "an unknown config version" "$r" "config version 4"
make_root overlap
printf 'kubelet:100000:65536\n' >"$r/etc/subuid"
refused "kubelet ids in shimrun's pool" "$r" "the kubelet's subordinate ids 100000..165535"
make_root badname
refused "a runtime name Kubernetes cannot use" "$r" "lower-case letters" --runtime-name 'Shim_1'
mkdir -p "$tmp/empty"
refused "a root without containerd" "$tmp/empty" "no containerd in $tmp/empty"
make_root readonly
mkdir -p "$tmp/ro" && mount --bind "$r" "$tmp/ro" && mounts+=("$tmp/ro") &&
	mount -o remount,ro,bind "$tmp/ro" && mount --bind "$r/usr" "$tmp/ro/usr" && mounts+=("$tmp/ro/usr") &&
	mount -o remount,ro,bind "$tmp/ro/usr"
refused "a read-only root" "$tmp/ro" "Read-only file system"
# The last file cannot be written (a mount on it): the others are put back.
make_root rollback
touch "$r/etc/subgid" "$tmp/busy"
mount --bind "$tmp/busy" "$r/etc/subgid" && mounts+=("$r/etc/subgid")
refused "a write that fails half way" "$r" "/etc/subgid"

# --- k3s and rke2: their own containerd, its config.toml written by them at
# every start from a template of the user's or their built-in one.  Neither
# is in Debian's archive: the roots have their layout, their rendered
# config (tests/fixtures/k3s-config-v*.toml) and this stack's containerd
# at their binary's path; render emulates their start (tests/lib/k3s.sh).
# ------------------------------------------------------------------------------
case $version in
1.*) form=2 tmpl=config.toml.tmpl ;;
*) form=3 tmpl=config-v3.toml.tmpl ;;
esac
base_config=$top_srcdir/tests/fixtures/k3s-config-v$form.toml
# A node of DISTRO (k3s, rke2) in $tmp/NAME, in $r; its config dir in $cdir.
make_distro_root() {
	local bin unit
	make_root "$1" none && rm -r "$r/etc/systemd/system/containerd.service" "$r/etc/containerd" || return 1
	distro=$2
	case $distro in
	k3s) mkdir -p "$r/var/lib/rancher/k3s/data/4f2a/bin" && ln -s 4f2a "$r/var/lib/rancher/k3s/data/current"
		bin=/var/lib/rancher/k3s/data/current/bin unit=/etc/systemd/system/k3s-agent.service ;;
	rke2) mkdir -p "$r/var/lib/rancher/rke2/data/v1.33.1-rke2r1/bin" &&
		ln -s data/v1.33.1-rke2r1/bin "$r/var/lib/rancher/rke2/bin"
		bin=/var/lib/rancher/rke2/bin unit=/usr/local/lib/systemd/system/rke2-server.service ;;
	esac
	mv "$r/usr/local/bin/containerd" "$r$bin/containerd"
	mkdir -p "$r${unit%/*}" && printf '[Service]\nExecStart=/usr/local/bin/%s %s\n' "$distro" "${unit##*/}" >"$r$unit"
	ctrd=$bin/containerd
	cdir=/var/lib/rancher/$distro/agent/etc/containerd
	mkdir -p "$r$cdir" && sed "s,/k3s/,/$distro/,g" "$base_config" >"$r$cdir/config.toml" &&
		cp "$r$cdir/config.toml" "$tmp/$1.base"
	[ "${3:-}" != imports ] || sed -i "2a imports = [\"$cdir/config-v3.toml.d/*.toml\"]" "$r$cdir/config.toml"
}
render() { k3s_render "$r$cdir" "$tmp/${r##*/}.base"; }
ddump() { chroot "$r" "$ctrd" --config "$cdir/config.toml" config dump 2>&1; }
class_of() { ddump | sed -n "/runtimes.$1.options\]/,\$p" | grep -m1 BinaryName | tr -d " '\""; }

for distro in k3s rke2; do
	make_distro_root "$distro-tmpl" "$distro"
	before=$(snap "$r")
	expect "$distro: install" 0 install "$r"
	has "  $distro found" "$CHECK_DIR/out" "run by $distro), config $cdir/config.toml"
	has "  a template of $distro's" "$CHECK_DIR/out" "created $cdir/$tmpl: the runtime class shim, a $distro template"
	has "  names the restart" "$CHECK_DIR/out" "restart $distro (systemctl restart"
	check "  it renders $distro's own first" test "$(head -1 "$r$cdir/$tmpl")" = '{{ template "base" . }}'
	check "  the file $distro writes is left to it" cmp "$r$cdir/config.toml" "$tmp/$distro-tmpl.base"
	expect "  again before $distro restarts: nothing to change" 0 install "$r"
	has "  says so" "$CHECK_DIR/out" "nothing to change"
	render
	check "  $distro's containerd reads the class" test "$(class_of shim)" = BinaryName=/usr/local/bin/shimrun
	if ddump | grep -q 'runtimes.runc\]'; then ok "  runc's class kept"; else bad "  runc's class lost"; fi
	expect "  again after the restart: nothing to change" 0 install "$r"
	expect "  status" 0 "$shimctl" node status --host-root "$r"
	has "  status names the unit" "$CHECK_DIR/out" "started by $distro-"
	expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
	render
	check "  as before once $distro restarts" test "$(snap "$r")" = "$before"
done

# The user's template stays theirs: the class is appended and taken out.
make_distro_root k3s-user k3s
printf '{{ template "base" . }}\n\n[%s.custom]\n  runtime_type = "io.containerd.runc.v2"\n' \
	"$(grep -m1 -o 'plugins.*containerd.runtimes' "$base_config" | sed 's/\.runc.*//')" >"$r$cdir/$tmpl"
render
before=$(snap "$r")
expect "k3s with a template of the user's: install" 0 install "$r"
has "  appended to it" "$CHECK_DIR/out" "changed $cdir/$tmpl"
render
check "  the class read" test "$(class_of shim)" = BinaryName=/usr/local/bin/shimrun
if ddump | grep -q 'runtimes.custom\]'; then ok "  the user's class kept"; else bad "  the user's class lost"; fi
expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
render
check "  the template as before, byte for byte" test "$(snap "$r")" = "$before"

if [ "$form" = 3 ]; then
	# 2026 releases import config-v3.toml.d: a drop-in there, no template.
	make_distro_root k3s-dropin k3s imports
	before=$(snap "$r")
	expect "k3s importing config-v3.toml.d: install --default" 0 install "$r" --default
	has "  a drop-in there" "$CHECK_DIR/out" "created $cdir/config-v3.toml.d/shim.toml"
	check "  no template" test ! -e "$r$cdir/$tmpl"
	check "  containerd reads the class" test "$(class_of shim)" = BinaryName=/usr/local/bin/shimrun
	check "  as its default" test "$(ddump | grep -m1 default_runtime_name | tr -d " '\"")" = default_runtime_name=shim
	expect "  uninstall" 0 "$shimctl" node uninstall --host-root "$r"
	check "  as before" test "$(snap "$r")" = "$before"
	make_distro_root k3s-default k3s
	expect "k3s without drop-ins: install --default" 0 install "$r" --default
	render
	check "  the template makes shim the default" test "$(ddump | grep -m1 default_runtime_name | tr -d " '\"")" = default_runtime_name=shim
	# A file that opens the CRI containerd table itself (k3s writes its
	# tables with single quotes).
	make_distro_root k3s-critable k3s
	sed -i "/^\[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc\]/i [plugins.'io.containerd.cri.v1.runtime'.containerd]\n  snapshotter = \"overlayfs\"\n" "$r$cdir/config.toml"
	cp "$r$cdir/config.toml" "$tmp/k3s-critable.base"
	refused "k3s opening containerd's CRI table: --default" "$r" "default-runtime: shim in /etc/rancher/k3s/config.yaml" --default
else
	# k3s's version 2 config opens containerd's CRI table itself.
	make_distro_root k3s-default k3s
	refused "k3s 1.x: --default" "$r" "default-runtime: shim in /etc/rancher/k3s/config.yaml" --default
fi
make_distro_root k3s-unstarted k3s && rm "$r$cdir/config.toml"
refused "k3s not started yet" "$r" "k3s writes it when it starts"

summary node-install
