# airlog: the station key, export bundles and the city's audit database (unit
# tests on temporary station databases), and the whole path through the real
# `loa` binary: a station airs, exports, the city imports, attacks are named.
foreach(name bundle audit)
  add_executable(test-airlog-${name} airlog/test-${name}.c)
  target_link_libraries(test-airlog-${name} PRIVATE loa-airlog)
  add_test(NAME airlog.${name} COMMAND test-airlog-${name})
  set_tests_properties(airlog.${name} PROPERTIES TIMEOUT 300
    ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8;G_TEST_SRCDIR=${CMAKE_CURRENT_SOURCE_DIR}/airlog")
endforeach()

add_test(NAME playout.export-audit
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa> DCWAV=$<TARGET_FILE:loa-test-dcwav>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-export-audit.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-export-audit)
set_tests_properties(playout.export-audit PROPERTIES TIMEOUT 180 LABELS "integration")
