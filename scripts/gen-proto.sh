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

out="$root/Sources/KinerjaAPI"
if [ $check = 1 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

gen() { # $1: output dir
  local dest=$1
  mkdir -p "$dest"
  find "$dest" -name '*.pb.swift' -o -name '*.grpc.swift' | xargs -r rm -f
  local protos
  protos=$(cd proto && find kinerja -name '*.proto' | sort)
  # shellcheck disable=SC2086
  (cd proto && protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$dest" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    --grpc-swift_out="$dest" --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    $protos)
}

gen "$out"

if [ $check = 1 ]; then
  committed=$(mktemp -d)
  trap 'rm -rf "$out" "$committed"' EXIT
  (cd Sources/KinerjaAPI && find . \( -name '*.pb.swift' -o -name '*.grpc.swift' \) -exec cp --parents {} "$committed" \;)
  if ! diff -r "$committed" "$out" >/dev/null; then
    echo "gen-proto: the committed generated code in Sources/KinerjaAPI differs from a fresh generation:" >&2
    diff -r "$committed" "$out" | head -40 >&2
    echo "run scripts/gen-proto.sh and commit the result" >&2
    exit 1
  fi
  echo "gen-proto: generated code is up to date"
fi
