# The as-run log's hash chain: known-answer vectors and tampering.
add_executable(test-airlog-chain airlog/test-chain.c)
target_link_libraries(test-airlog-chain PRIVATE loa-airlog)
add_test(NAME airlog.chain COMMAND test-airlog-chain)
set_tests_properties(airlog.chain PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_TEST_SRCDIR=${CMAKE_CURRENT_SOURCE_DIR}/airlog;LC_ALL=C.UTF-8")
