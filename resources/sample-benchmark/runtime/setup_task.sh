#!/usr/bin/env bash
# setup_task.sh: per-task setup of an IC task (the sample benchmark's setup_expensify.yml).
#
# Reads ISSUE_ID. In the repo: `git reset --hard <commit_id.txt>`, then runs
# revert_command.txt if it is not empty, else applies bug_reintroduce.patch with `patch -p1`.
# Creates $TESTS_DIR/logs/$ISSUE_ID and $TESTS_DIR/attempts/$ISSUE_ID.
#
# Environment (defaults are the container layout): ISSUE_ID (required),
# TESTS_DIR=/app/tests, REPO_DIR=/app/sample.
# Exits non-zero with a message on stderr when any step fails.

set -euo pipefail

fail() {
  echo "setup_task.sh: $*" >&2
  exit 1
}

[[ -n "${ISSUE_ID:-}" ]] || fail "ISSUE_ID is not set"
TESTS_DIR="${TESTS_DIR:-/app/tests}"
REPO_DIR="${REPO_DIR:-/app/sample}"
ISSUE_DIR="$TESTS_DIR/issues/$ISSUE_ID"
[[ -d "$ISSUE_DIR" ]] || fail "no task folder $ISSUE_DIR"

mkdir -p "$TESTS_DIR/logs/$ISSUE_ID" "$TESTS_DIR/attempts/$ISSUE_ID"

[[ -f "$ISSUE_DIR/commit_id.txt" ]] || fail "missing $ISSUE_DIR/commit_id.txt"
commit="$(tr -d '[:space:]' < "$ISSUE_DIR/commit_id.txt")"
[[ "$commit" =~ ^[0-9a-f]{40}$ ]] || fail "commit_id.txt does not hold a commit SHA: '$commit'"
revert_command=""
[[ -f "$ISSUE_DIR/revert_command.txt" ]] && revert_command="$(cat "$ISSUE_DIR/revert_command.txt")"
git_tag=""
[[ -f "$ISSUE_DIR/git_tag.txt" ]] && git_tag="$(tr -d '[:space:]' < "$ISSUE_DIR/git_tag.txt")"

cd "$REPO_DIR" 2>/dev/null || fail "no repository folder $REPO_DIR"
git rev-parse --git-dir > /dev/null 2>&1 || fail "$REPO_DIR is not a git repository"
git cat-file -e "${commit}^{commit}" 2> /dev/null || fail "commit $commit is not in $REPO_DIR"
git reset --hard --quiet "$commit" || fail "git reset --hard $commit failed"
echo "setup_task.sh: $ISSUE_ID: $REPO_DIR is at $commit"

if [[ -n "${revert_command//[[:space:]]/}" ]]; then
  echo "setup_task.sh: running revert_command.txt"
  bash -c "$revert_command" || fail "revert_command.txt failed"
elif [[ -s "$ISSUE_DIR/bug_reintroduce.patch" ]]; then
  patch -p1 --batch --forward --no-backup-if-mismatch < "$ISSUE_DIR/bug_reintroduce.patch" ||
    fail "bug_reintroduce.patch does not apply to $commit"
  echo "setup_task.sh: applied bug_reintroduce.patch"
else
  fail "neither revert_command.txt nor bug_reintroduce.patch has content"
fi

if [[ -n "$git_tag" ]]; then
  # The official setup runs `npm version <tag>`; the sample app has no version-dependent build.
  echo "setup_task.sh: note: git_tag.txt ($git_tag) is ignored"
fi
