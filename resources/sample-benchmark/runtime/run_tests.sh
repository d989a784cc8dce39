#!/usr/bin/env bash
# run_tests.sh: runs the hidden end-to-end test of one IC task (the sample benchmark's
# run_tests.yml).
#
#   1. start the app (`node server.js` in the repo, PORT=3000) with its log in logs/$ISSUE_ID/app.log
#      and wait up to APP_START_TIMEOUT seconds for the port
#   2. record the X display to attempts/$ISSUE_ID/output.mp4 with ffmpeg
#   3. run issues/$ISSUE_ID/test.mjs > logs/$ISSUE_ID/pytest.log 2>&1
#   4. write its exit code and a newline to logs/$ISSUE_ID/pytest_exit_code
#   5. stop ffmpeg with SIGINT and wait for it (so the mp4 is finalised), stop the app
#
# As in the official playbook, pytest_exit_code is only written when the test ran: if the app
# never answers, the script exits non-zero without it (the grader scores such a run -1).
# Test exit codes: 0 passed, 1 failed, 2 infrastructure problem (see utils/harness.mjs).
#
# Environment (defaults are the container layout):
#   ISSUE_ID (required)   TRACE=true (user-tool trace into $REPO_DIR/user_tool/)   TRACE_ALWAYS
#   TESTS_DIR=/app/tests  REPO_DIR=/app/sample  DISPLAY=:99  PORT=3000  APP_START_TIMEOUT=30
#   APP_NODE=node (runs the app)  TEST_NODE=node (runs the test: needs Node.js >= 20)
#   CHROMIUM_PATH=/usr/bin/chromium  VIDEO_SIZE=1280x800

set -uo pipefail

if [[ -z "${ISSUE_ID:-}" ]]; then
  echo "run_tests.sh: ISSUE_ID is not set" >&2
  exit 2
fi
TESTS_DIR="${TESTS_DIR:-/app/tests}"
REPO_DIR="${REPO_DIR:-/app/sample}"
export DISPLAY="${DISPLAY:-:99}"
PORT="${PORT:-3000}"
TRACE="${TRACE:-false}"
APP_START_TIMEOUT="${APP_START_TIMEOUT:-30}"
APP_NODE="${APP_NODE:-node}"
TEST_NODE="${TEST_NODE:-node}"
VIDEO_SIZE="${VIDEO_SIZE:-1280x800}"

LOG_DIR="$TESTS_DIR/logs/$ISSUE_ID"
ATTEMPT_DIR="$TESTS_DIR/attempts/$ISSUE_ID"
TEST_FILE="$TESTS_DIR/issues/$ISSUE_ID/test.mjs"

say() {
  echo "run_tests.sh: $*"
}

mkdir -p "$LOG_DIR" "$ATTEMPT_DIR"
rm -f "$LOG_DIR/pytest_exit_code"

if [[ ! -f "$TEST_FILE" ]]; then
  say "no test at $TEST_FILE" >&2
  exit 2
fi
if [[ ! -f "$REPO_DIR/server.js" ]]; then
  say "no app at $REPO_DIR/server.js" >&2
  exit 2
fi

APP_PID=""
FFMPEG_PID=""

stop_ffmpeg() {
  [[ -n "$FFMPEG_PID" ]] || return 0
  if kill -0 "$FFMPEG_PID" 2>/dev/null; then
    kill -INT "$FFMPEG_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 "$FFMPEG_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$FFMPEG_PID" 2>/dev/null; then
      say "ffmpeg did not stop within 10 s; killing it"
      kill -KILL "$FFMPEG_PID" 2>/dev/null
    fi
  fi
  wait "$FFMPEG_PID" 2>/dev/null
  FFMPEG_PID=""
}

stop_app() {
  [[ -n "$APP_PID" ]] || return 0
  if kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
      kill -0 "$APP_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$APP_PID" 2>/dev/null
  fi
  wait "$APP_PID" 2>/dev/null
  APP_PID=""
}

cleanup() {
  stop_ffmpeg
  stop_app
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() {
  (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# App servers of this repo that are still running, e.g. one the agent started to try its fix
# (the official playbook ends with `pkill -f node`; this only looks at servers of $REPO_DIR).
leftover_app_pids() {
  local proc cmdline
  for proc in /proc/[0-9]*; do
    cmdline="$(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null)" || continue
    [[ "$cmdline" == *server.js* ]] || continue
    if [[ "$(readlink "$proc/cwd" 2>/dev/null)" == "$REPO_REAL" || "$cmdline" == *"$REPO_REAL/server.js"* ]]; then
      echo "${proc#/proc/}"
    fi
  done
}

# 1. the app
REPO_REAL="$(cd "$REPO_DIR" && pwd -P)"
if port_open; then
  pids="$(leftover_app_pids | tr '\n' ' ')"
  if [[ -n "${pids// /}" ]]; then
    say "port $PORT is taken: stopping leftover app servers of $REPO_DIR (pid ${pids% })"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null
    for ((i = 0; i < 50; i++)); do
      port_open || break
      sleep 0.1
    done
  fi
fi
if port_open; then
  say "something else already listens on 127.0.0.1:$PORT; stop it before running the tests" >&2
  exit 3
fi
(cd "$REPO_DIR" && PORT="$PORT" HOST=127.0.0.1 exec "$APP_NODE" server.js) > "$LOG_DIR/app.log" 2>&1 &
APP_PID=$!
ready=false
for ((i = 0; i < APP_START_TIMEOUT * 4; i++)); do
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    break
  fi
  if port_open; then
    ready=true
    break
  fi
  sleep 0.25
done
if [[ "$ready" != true ]]; then
  say "the app did not answer on 127.0.0.1:$PORT within ${APP_START_TIMEOUT} s; last lines of $LOG_DIR/app.log:" >&2
  tail -n 20 "$LOG_DIR/app.log" >&2
  exit 3
fi
say "app is up on 127.0.0.1:$PORT (pid $APP_PID)"

# 2. the screen recording (best effort: a missing recorder never fails the test)
if command -v ffmpeg > /dev/null 2>&1; then
  ffmpeg -nostdin -y -f x11grab -video_size "$VIDEO_SIZE" -framerate 10 -i "$DISPLAY" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -movflags +faststart \
    "$ATTEMPT_DIR/output.mp4" > "$LOG_DIR/ffmpeg.log" 2>&1 &
  FFMPEG_PID=$!
else
  say "ffmpeg not found: no screen recording"
fi

# 3. the test
say "running $TEST_FILE"
(
  cd "$TESTS_DIR" &&
    ISSUE_ID="$ISSUE_ID" TRACE="$TRACE" PORT="$PORT" REPO_DIR="$REPO_DIR" TESTS_DIR="$TESTS_DIR" \
      APP_URL="http://127.0.0.1:$PORT" exec "$TEST_NODE" "$TEST_FILE"
) > "$LOG_DIR/pytest.log" 2>&1
rc=$?

# 4. the result
echo "$rc" > "$LOG_DIR/pytest_exit_code"
say "test exit code $rc (logs in $LOG_DIR)"
if ! kill -0 "$APP_PID" 2>/dev/null; then
  say "note: the app server had exited during the test (see $LOG_DIR/app.log)"
fi

# 5. stop the recorder and the app (the EXIT trap does it)
cleanup
exit 0
