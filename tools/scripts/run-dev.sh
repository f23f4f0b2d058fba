#!/usr/bin/env bash
# `make run`: a development key, the example addons packed and signed into the local catalog, and
# `berth serve` on the home (BERTH_HOME, default the current folder) with SQLite.
set -euo pipefail
bin=$(swift build -c release --show-bin-path)
home=${BERTH_HOME:-.}
keys="$home/.berth/dev-keys"
mkdir -p "$keys" "$home/.berth/trusted-keys" "$home/.berth/catalog/incoming"
if [ ! -f "$keys/dev.key" ]; then
  "$bin/addonctl" keygen dev --out-dir "$keys"
fi
cp "$keys/dev.pub" "$home/.berth/trusted-keys/dev.pub"
for addon in Addons/*/; do
  [ -f "$addon/addon.json" ] || continue   # Addons/ProviderKit is a library, not an addon
  name=$(basename "$addon")
  product=$(sed -n 's/.*"product": *"\([^"]*\)".*/\1/p' "$addon/addon.json")
  version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$addon/addon.json")
  # Already in the catalog: keep it (a rebuilt library would be a different package of the same version).
  [ -d "$home/.berth/catalog/$name/$version" ] && continue
  "$bin/addonctl" pack "$addon" --key "$keys/dev.key" --library "$bin/lib$product.so" --out "$home/.berth/catalog/incoming/"
done
echo "catalog ready; install an addon with:"
echo "  curl -H \"Authorization: Bearer \$(cat $home/.berth/admin-token)\" -d '{\"id\":\"ai_chatbot\"}' http://127.0.0.1:${BERTH_PORT:-8080}/api/v1/marketplace/install"
exec "$bin/berth" serve
