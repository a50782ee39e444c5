# Helpers shared by the shell tests of the `loa` command (sourced).
# Sets fail=0; ok/bad report a check; expect runs a command and checks its
# exit code and output; local_time formats epoch seconds as station time.

fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
# expect DESCRIPTION EXIT_CODE PATTERN COMMAND...: exit code and output (stdout+stderr)
expect() {
  local what=$1 code=$2 pattern=$3; shift 3
  local output rc
  output=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "$what: exit $rc, expected $code"; echo "$output"; return; fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<< "$output"; then
    bad "$what: output does not match /$pattern/"; echo "$output"; return
  fi
  ok "$what"
}
local_time() { TZ=Asia/Ho_Chi_Minh date -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
