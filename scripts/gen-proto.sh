#!/usr/bin/env bash
# Regenerates the committed protobuf/gRPC code from proto/.
#   scripts/gen-proto.sh          regenerate Sources/KinerjaAPI (and the C plugin code, when present)
#   scripts/gen-proto.sh --check  regenerate into a temporary folder and fail if it differs from the committed code
# The protoc plugins are built from the pinned packages (scripts/protoc-plugins) into .build-protoc.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

check=0
[ "${1:-}" = "--check" ] && check=1

command -v protoc >/dev/null || { echo "gen-proto: protoc missing (apt-get install protobuf-compiler)" >&2; exit 1; }

scratch="$root/.build-protoc"
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
  # one --product per command: two flags build only the last
  swift build --package-path scripts/protoc-plugins --scratch-path "$scratch" -c release --product "$product" >&2
done
bin=$(swift build --package-path scripts/protoc-plugins --scratch-path "$scratch" -c release --show-bin-path)

# Generated code lives in three targets:
#   Sources/KinerjaAPI        Swift messages + gRPC stubs of proto/kinerja/v1 (the daemon's API)
#   Sources/KinerjaPluginAPI  Swift messages of proto/kinerja/plugin/v1 (the plugin ABI)
#   Sources/KinerjaPluginC    protobuf-c code of proto/kinerja/plugin/v1 (for C plugins)
generated_files() { # $1: root holding Sources/
  (cd "$1" && find Sources/KinerjaAPI Sources/KinerjaPluginAPI Sources/KinerjaPluginC \
     \( -name '*.pb.swift' -o -name '*.grpc.swift' -o -name '*.pb-c.c' -o -name '*.pb-c.h' \) 2>/dev/null | sort)
}

gen() { # $1: root to write Sources/ under
  local dest=$1
  mkdir -p "$dest/Sources/KinerjaAPI" "$dest/Sources/KinerjaPluginAPI" "$dest/Sources/KinerjaPluginC/include/kinerja/plugin/v1" "$dest/Sources/KinerjaPluginC/generated"
  generated_files "$dest" | (cd "$dest" && xargs -r rm -f)
  local api plugin
  api=$(cd proto && find kinerja/v1 -name '*.proto' | sort)
  plugin=$(cd proto && find kinerja/plugin -name '*.proto' | sort)
  # shellcheck disable=SC2086
  (cd proto && protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$dest/Sources/KinerjaAPI" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    --grpc-swift_out="$dest/Sources/KinerjaAPI" --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    $api)
  # shellcheck disable=SC2086
  (cd proto && protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --swift_out="$dest/Sources/KinerjaPluginAPI" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    $plugin)
  local ctmp
  ctmp=$(mktemp -d)
  # shellcheck disable=SC2086
  (cd proto && protoc-c --c_out="$ctmp" $plugin)
  (cd "$ctmp" && find . -name '*.pb-c.h' -exec cp {} "$dest/Sources/KinerjaPluginC/include/kinerja/plugin/v1/" \;)
  (cd "$ctmp" && find . -name '*.pb-c.c' -exec cp {} "$dest/Sources/KinerjaPluginC/generated/" \;)
  rm -rf "$ctmp"
}

command -v protoc-c >/dev/null || { echo "gen-proto: protoc-c missing (apt-get install protobuf-c-compiler)" >&2; exit 1; }

if [ $check = 1 ]; then
  fresh=$(mktemp -d)
  trap 'rm -rf "$fresh"' EXIT
  gen "$fresh"
  if [ "$(generated_files "$fresh")" != "$(generated_files "$root")" ]; then
    echo "gen-proto: the set of generated files differs from a fresh generation" >&2
    diff <(generated_files "$root") <(generated_files "$fresh") >&2 || true
    echo "run scripts/gen-proto.sh and commit the result" >&2
    exit 1
  fi
  for f in $(generated_files "$fresh"); do
    if ! cmp -s "$fresh/$f" "$root/$f"; then
      echo "gen-proto: $f differs from a fresh generation:" >&2
      diff "$root/$f" "$fresh/$f" | head -20 >&2
      echo "run scripts/gen-proto.sh and commit the result" >&2
      exit 1
    fi
  done
  echo "gen-proto: generated code is up to date"
else
  gen "$root"
fi
