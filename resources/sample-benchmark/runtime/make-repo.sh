#!/usr/bin/env bash
# make-repo.sh <dest-dir>
#
# Creates the sample app's git repository at <dest-dir>, deterministically: the same commit
# SHAs on every machine and with every git version.
#
#   commit 1     app/ with every manager fix reverse-applied (the manager bugs are present)
#   commit 2..n  one commit per manager-fixes/<question_id>.patch, in question_id order
#   HEAD         exactly app/ (checked at the end)
#
# Determinism: fixed author/committer names, emails, dates and messages; no system or user
# git config is read; files are mode 644; core.fileMode=false and core.autocrlf=false.
# Needs bash, git and coreutils only (no python), so it runs inside the task image too.

set -euo pipefail

fail() {
  echo "make-repo.sh: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || fail "usage: make-repo.sh <dest-dir>"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP_DIR="$HERE/app"
FIXES_DIR="$HERE/manager-fixes"
[[ -f "$APP_DIR/server.js" ]] || fail "no app at $APP_DIR"

DEST="$1"
if [[ -e "$DEST" ]]; then
  [[ -d "$DEST" ]] || fail "$DEST exists and is not a folder"
  [[ -z "$(ls -A "$DEST")" ]] || fail "$DEST is not empty"
fi
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"

# Keep every user's and the system's git configuration out of it.
SCRATCH_HOME="$(mktemp -d)"
trap 'rm -rf "$SCRATCH_HOME"' EXIT
export HOME="$SCRATCH_HOME" XDG_CONFIG_HOME="$SCRATCH_HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export LC_ALL=C TZ=UTC
export GIT_AUTHOR_NAME="Tabby Maintainers" GIT_AUTHOR_EMAIL="maintainers@tabby.invalid"
export GIT_COMMITTER_NAME="Tabby Maintainers" GIT_COMMITTER_EMAIL="maintainers@tabby.invalid"

g() {
  git -c core.fileMode=false -c core.autocrlf=false -c core.safecrlf=false -c core.eol=lf \
    -c commit.gpgSign=false -c i18n.commitEncoding=UTF-8 -c init.defaultBranch=main "$@"
}

normalise_modes() {
  find . -path ./.git -prune -o -type d -exec chmod 755 {} + -o -type f -exec chmod 644 {} +
}

# commit <unix-seconds> <message>
commit() {
  normalise_modes
  g add -A
  GIT_AUTHOR_DATE="$1 +0000" GIT_COMMITTER_DATE="$1 +0000" g commit -q --no-verify -m "$2"
}

# The manager fixes, sorted by question_id.
mapfile -t FIXES < <(find "$FIXES_DIR" -maxdepth 1 -type f -name '*.patch' | sort)

cp -R "$APP_DIR/." "$DEST/"
cd "$DEST"
g init -q .
g symbolic-ref HEAD refs/heads/main

# Walk back from the fixed app to the state before the first manager fix.
for ((i = ${#FIXES[@]} - 1; i >= 0; i--)); do
  g apply -R --whitespace=nowarn "${FIXES[i]}" || fail "cannot reverse-apply ${FIXES[i]}"
done

BASE_DATE=1710061200 # 2024-03-10T09:00:00Z
commit "$BASE_DATE" "Tabby 1.4.0"

for i in "${!FIXES[@]}"; do
  id="$(basename "${FIXES[i]}" .patch)"
  g apply --whitespace=nowarn "${FIXES[i]}" || fail "cannot apply ${FIXES[i]}"
  commit "$((BASE_DATE + (i + 1) * 86400))" "Fix ${id%%-*} (${id})"
done

if ! diff -r -q -x .git "$APP_DIR" "$DEST" >/dev/null; then
  diff -r -q -x .git "$APP_DIR" "$DEST" >&2 || true
  fail "HEAD does not match app/"
fi

g rev-parse HEAD
