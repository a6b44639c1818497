# shellcheck shell=bash
# meshfed_test_summary ROOT [MARKER]: prints "tests: N passed, N failed, N skipped"
# from every module's target/{surefire,failsafe}-reports/TEST-*.xml (only those
# newer than the MARKER file, when given, so stale reports of modules that did
# not run this time are not counted). "failed" counts failures + errors.
# Also sets MESHFED_TESTS_FAILED to that number.
meshfed_test_summary() {
  local root=$1 marker=${2:-} line
  local newer=()
  [[ -n "$marker" && -e "$marker" ]] && newer=(-newer "$marker")
  # shellcheck disable=SC2016  # the single-quoted text is an awk program
  line="$(
    find "$root" \( -name .git -o -name node_modules \) -prune -o \
         -type f \( -path '*/target/surefire-reports/TEST-*.xml' -o -path '*/target/failsafe-reports/TEST-*.xml' \) \
         "${newer[@]}" -print0 2>/dev/null |
      xargs -0 -r awk '
        function attr(s, name,   v) {
          if (match(s, "[ \t]" name "=\"[0-9]+\"")) {
            v = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); return v + 0
          }
          return 0
        }
        FNR == 1 { seen = 0 }
        !seen && /<testsuite[ \t>]/ {
          t += attr($0, "tests"); f += attr($0, "failures") + attr($0, "errors"); s += attr($0, "skipped")
          seen = 1
        }
        END { printf "%d %d %d\n", t - f - s, f, s }'
  )"
  local passed=0 failed=0 skipped=0
  [[ -n "$line" ]] && read -r passed failed skipped <<<"$line"
  # shellcheck disable=SC2034  # read by the caller
  MESHFED_TESTS_FAILED=$failed
  printf 'tests: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
}
