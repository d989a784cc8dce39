#!/usr/bin/env bash
# run.sh: the task container's entry point (the sample benchmark's equivalent of the official
# /app/tests/run.sh).
#
# swe_manager (EVAL_VARIANT=swe_manager): nothing to start. Otherwise: start Xvfb on $DISPLAY,
# wait until the display answers, run setup_task.sh when RUNTIME_SETUP is set (monolith image),
# then write "done" to /setup_done.txt and idle. Like the official one it runs under `set -e`:
# a failing step ends the container and /setup_done.txt is never written.
#
# Environment (defaults are the container layout): EVAL_VARIANT, ISSUE_ID, RUNTIME_SETUP,
# TESTS_DIR=/app/tests, DISPLAY=:99, SETUP_DONE_FILE=/setup_done.txt, XVFB_LOG=/tmp/xvfb.log,
# USER_TOOL_RC=~/.bashrc (where the `user-tool` alias goes; empty: do not write it).

set -e

TESTS_DIR="${TESTS_DIR:-/app/tests}"
SETUP_DONE_FILE="${SETUP_DONE_FILE:-/setup_done.txt}"
XVFB_LOG="${XVFB_LOG:-/tmp/xvfb.log}"
USER_TOOL_RC="${USER_TOOL_RC-$HOME/.bashrc}"

display_ready() {
  if command -v xdpyinfo > /dev/null 2>&1; then
    xdpyinfo -display "$DISPLAY" > /dev/null 2>&1
  else
    [[ -S "/tmp/.X11-unix/X${DISPLAY_NUMBER}" ]]
  fi
}

if [[ "${EVAL_VARIANT:-}" == "swe_manager" ]]; then
  echo "run.sh: swe_manager task: no services to start"
else
  export DISPLAY="${DISPLAY:-:99}"
  DISPLAY_NUMBER="${DISPLAY#*:}"
  DISPLAY_NUMBER="${DISPLAY_NUMBER%%.*}"

  Xvfb "$DISPLAY" -screen 0 1280x800x24 > "$XVFB_LOG" 2>&1 &
  XVFB_PID=$!
  # Looked at every 50 ms: Xvfb is usually up within a tenth of a second, and every attempt waits
  # for this loop before its set-up.
  for ((i = 0; i < 300; i++)); do
    if display_ready; then
      break
    fi
    if ! kill -0 "$XVFB_PID" 2> /dev/null; then
      echo "run.sh: Xvfb exited; see $XVFB_LOG" >&2
      exit 1
    fi
    sleep 0.05
  done
  if ! display_ready; then
    echo "run.sh: display $DISPLAY did not answer within 15 s" >&2
    exit 1
  fi
  echo "run.sh: Xvfb is up on $DISPLAY"

  if [[ -n "$USER_TOOL_RC" ]] && ! grep -qs "alias user-tool=" "$USER_TOOL_RC"; then
    echo "alias user-tool='TRACE=true bash $TESTS_DIR/run_tests.sh'" >> "$USER_TOOL_RC"
  fi

  if [[ -n "${RUNTIME_SETUP:-}" ]]; then
    bash "$TESTS_DIR/setup_task.sh"
  fi
fi

echo "done" > "$SETUP_DONE_FILE"
exec tail -f /dev/null
