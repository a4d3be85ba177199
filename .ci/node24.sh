#!/usr/bin/env bash
# Node 24 for CI's second test run, taken from the npm registry only (the CI machine reaches nothing else).
#
#   .ci/node24.sh install DIR         install Node $NODE24_VERSION into DIR; print its home folder (bin/node and
#                                     the headers in include/node) on stdout, everything else goes to stderr
#   .ci/node24.sh copy SRC DEST HOME  copy the checkout SRC (node_modules included, .git left out) to DEST and
#                                     rebuild its node-gyp addons there for the Node in HOME
#
# The registry's `node` package is a wrapper whose install script runs `npm install node-<platform>-<arch>@<ver>`
# from the same registry; that package is the official build, binary and headers. node-gyp is pointed at its headers (npm_config_nodedir) so it never fetches them from nodejs.org;
# sqlite3's install script would first try a prebuilt binary from GitHub, which build_from_source skips; and
# the rebuild runs offline behind a proxy on a closed port, so any other download fails instead of leaving.
set -euo pipefail

# The newest 24.x on the registry when pinned (`npm view node@24 version`); raise it deliberately.
NODE24_VERSION=24.21.0
CLOSED_PROXY=http://127.0.0.1:9

log() { printf '[node24] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

cmd_install() {
  local dir="$1" pkg home
  pkg="node-$(node -p 'process.platform')-$(node -p 'process.arch')"
  mkdir -p "$dir"
  printf '{ "private": true }\n' >"$dir/package.json"
  log "npm install node@$NODE24_VERSION in $dir"
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock "node@$NODE24_VERSION" >&2)
  home="$dir/node_modules/node/node_modules/$pkg"
  [[ "$("$home/bin/node" --version)" == "v$NODE24_VERSION" ]] || die "$home/bin/node is not v$NODE24_VERSION"
  [[ -f "$home/include/node/node_version.h" ]] || die "no headers in $home/include/node"
  printf '%s\n' "$home"
}

# Names of the installed packages that node-gyp builds (a binding.gyp beside their package.json).
gyp_packages() {
  local gyp
  find node_modules -name binding.gyp -not -path '*/test/*' | while read -r gyp; do
    node -p 'require(process.argv[1]).name' "$PWD/$(dirname "$gyp")/package.json"
  done | sort -u
}

cmd_copy() {
  local src="$1" dest="$2" home="$3" packages
  log "copying $src to $dest"
  mkdir -p "$dest"
  tar -C "$src" --exclude=./.git -cf - . | tar -C "$dest" -xf -
  cd "$dest"
  mapfile -t packages < <(gyp_packages)
  if [[ ${#packages[@]} -eq 0 ]]; then
    log "no node-gyp addon to rebuild"
    return 0
  fi
  log "npm rebuild ${packages[*]} for node $("$home/bin/node" --version), headers from $home/include/node"
  PATH="$home/bin:$PATH" npm_config_nodedir="$home" npm_config_build_from_source=true npm_config_offline=true \
    npm_config_proxy="$CLOSED_PROXY" npm_config_https_proxy="$CLOSED_PROXY" \
    http_proxy="$CLOSED_PROXY" https_proxy="$CLOSED_PROXY" HTTP_PROXY="$CLOSED_PROXY" HTTPS_PROXY="$CLOSED_PROXY" \
    npm rebuild --foreground-scripts "${packages[@]}" >&2
}

case "${1:-}" in
  install) cmd_install "${2:?DIR}" ;;
  copy) cmd_copy "${2:?SRC}" "${3:?DEST}" "${4:?HOME}" ;;
  *)
    echo "usage: $0 install DIR | copy SRC DEST HOME" >&2
    exit 2
    ;;
esac
