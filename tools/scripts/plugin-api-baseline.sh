#!/usr/bin/env bash
# PluginAPI against its last release, PluginAPI 1.1.0 (commit d96e720), taken from git history.
#
# Usage:
#   tools/scripts/plugin-api-baseline.sh check [PLUGIN_API_DIR]
#       Fails when PLUGIN_API_DIR (default: the checkout's PluginAPI/) removes or changes anything
#       public of the baseline, in its ABI (what built addons link against) or its API (what their
#       source compiles against). Additions pass. Uses the toolchain's swift-api-digester.
#   tools/scripts/plugin-api-baseline.sh fixture
#       Builds Tests/Fixtures/LegacyABIAddon against the baseline; prints the library's path.
#
# Everything lands in .build/plugin-api-<version>/: the baseline's sources (git archive), its
# build, its ABI and API dumps, and the fixture's build. At a release, point BASELINE_COMMIT and
# BASELINE_VERSION at the new release (see the DocC article "ABI and versioning").
set -euo pipefail

BASELINE_COMMIT=d96e720
BASELINE_VERSION=1.1.0

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$repo/.build/plugin-api-$BASELINE_VERSION"
baseline="$work/PluginAPI"

fail() { echo "plugin-api-baseline: $*" >&2; exit 1; }

extract_baseline() {
  if [ -f "$work/extracted-$BASELINE_COMMIT" ]; then return 0; fi
  git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 \
    || fail "$repo is not a git clone: the PluginAPI $BASELINE_VERSION baseline comes from its history (commit $BASELINE_COMMIT)"
  git -C "$repo" cat-file -e "$BASELINE_COMMIT^{commit}" 2>/dev/null \
    || fail "this clone lacks commit $BASELINE_COMMIT (PluginAPI $BASELINE_VERSION, the ABI baseline): fetch the full history (git fetch --unshallow) and run again"
  rm -rf "$baseline" "$work/build" "$work/abi.json" "$work/api.json" "$work"/extracted-*
  mkdir -p "$work"
  git -C "$repo" archive "$BASELINE_COMMIT" PluginAPI | tar -x -C "$work"
  grep -q "pluginAPIVersion = \"$BASELINE_VERSION\"" "$baseline/Sources/PluginAPI/ABI/AddonABI.swift" \
    || fail "commit $BASELINE_COMMIT does not hold PluginAPI $BASELINE_VERSION"
  touch "$work/extracted-$BASELINE_COMMIT"
}

digester() {
  local dir
  dir="$(dirname "$(readlink -f "$(command -v swift)")")"
  if [ -x "$dir/swift-api-digester" ]; then echo "$dir/swift-api-digester"; return; fi
  command -v swift-api-digester || fail "swift-api-digester not found next to swift ($dir) nor on PATH"
}

# Builds the PluginAPI package in $1 with scratch path $2; prints the folder of its modules.
build_module() {
  swift build --package-path "$1" --scratch-path "$2" --product PluginAPI >"$2.log" 2>&1 \
    || { cat "$2.log" >&2; fail "building PluginAPI in $1 failed"; }
  local modules
  modules="$(swift build --package-path "$1" --scratch-path "$2" --show-bin-path)/Modules"
  [ -f "$modules/PluginAPI.swiftmodule" ] || fail "no PluginAPI.swiftmodule in $modules"
  echo "$modules"
}

dump_baseline() {
  local tool=$1 modules
  if [ -f "$work/abi.json" ] && [ -f "$work/api.json" ]; then return 0; fi
  modules="$(build_module "$baseline" "$work/build")"
  "$tool" -dump-sdk -module PluginAPI -I "$modules" -abi -avoid-tool-args -o "$work/abi.json"
  "$tool" -dump-sdk -module PluginAPI -I "$modules" -avoid-tool-args -o "$work/api.json"
}

check() {
  local candidate tool modules scratch status=0
  candidate="$(cd "${1:-$repo/PluginAPI}" && pwd)"
  tool="$(digester)"
  extract_baseline
  dump_baseline "$tool"
  if [ "$candidate" = "$repo/PluginAPI" ]; then scratch="$repo/.build/plugin-api-current"; else scratch="$candidate/.build"; fi
  modules="$(build_module "$candidate" "$scratch")"
  for mode in abi api; do
    local flags=() output
    [ "$mode" = abi ] && flags=(-abi)
    # Exits non-zero on a breaking change; new declarations only draw "without '@available'"
    # warnings (availability is an Apple-platform notion), which are dropped here.
    output="$("$tool" -diagnose-sdk -baseline-path "$work/$mode.json" -module PluginAPI -I "$modules" "${flags[@]}" -compiler-style-diags 2>&1)" || status=1
    grep -v -e "is a new API without '@available'" -e '^ *$' -e '^ *\^' -e '^    ' <<<"$output" | grep -e 'error:' -e 'breakage' >&2 || true
  done
  if [ "$status" -ne 0 ]; then
    fail "PluginAPI in $candidate breaks PluginAPI $BASELINE_VERSION (commit $BASELINE_COMMIT): built addons would fail to load or to compile. Add instead of removing or changing; a deliberate break needs a new major version (see ABI and versioning)"
  fi
  echo "plugin-api-baseline: PluginAPI keeps the ABI and API of PluginAPI $BASELINE_VERSION"
}

fixture() {
  extract_baseline
  local package="$repo/Tests/Fixtures/LegacyABIAddon" scratch="$work/fixture"
  BERTH_PLUGIN_API_BASELINE="$baseline" swift build --package-path "$package" --scratch-path "$scratch" >"$scratch.log" 2>&1 \
    || { cat "$scratch.log" >&2; fail "building the PluginAPI $BASELINE_VERSION fixture failed"; }
  local library
  library="$(BERTH_PLUGIN_API_BASELINE="$baseline" swift build --package-path "$package" --scratch-path "$scratch" --show-bin-path)/libFixtureLegacyAddon.so"
  [ -f "$library" ] || fail "the fixture build left no $library"
  echo "$library"
}

case "${1:-}" in
  check) shift; check "$@" ;;
  fixture) fixture ;;
  *) echo "usage: $0 check [PLUGIN_API_DIR] | fixture" >&2; exit 64 ;;
esac
