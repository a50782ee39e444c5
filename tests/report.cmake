# Compliance reports: the quota rules, the report's numbers against the
# hand-counted fixture tests/fixtures/report-2019.txt, the city's yearly
# report, and `loa report` / `loa audit report` as officials use them, with
# the HTML pages rendered in headless Chromium.
add_executable(test-quota schedules/test-quota.c)
target_link_libraries(test-quota PRIVATE loa-schedules)
add_test(NAME schedules.quota COMMAND test-quota)

add_executable(test-airlog-report airlog/test-report.c)
target_link_libraries(test-airlog-report PRIVATE loa-airlog)
add_test(NAME airlog.report COMMAND test-airlog-report)

# The city's yearly report on a hand-made audit database.
add_executable(test-airlog-audit-report airlog/test-audit-report.c)
target_link_libraries(test-airlog-audit-report PRIVATE loa-airlog)
add_test(NAME airlog.audit-report COMMAND test-airlog-audit-report)

set_tests_properties(schedules.quota airlog.report airlog.audit-report PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8;G_TEST_SRCDIR=${CMAKE_CURRENT_SOURCE_DIR}/airlog")

# Exit code 77: Chromium is not installed (scripts/install-deps installs it);
# the rest of the test has run by then.
add_test(NAME playout.report
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa>
          MAKE_STATION=$<TARGET_FILE:test-airlog-report>
          FIXTURE=${CMAKE_CURRENT_SOURCE_DIR}/fixtures/report-2019.txt
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-report.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-report)
set_tests_properties(playout.report PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
