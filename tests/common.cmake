# common: unit tests of the config loader, the database, civil time and the
# table printer. Each writes its fixtures into a fresh temporary folder.
foreach(name config db time table)
  add_executable(test-common-${name} common/test-${name}.c)
  target_link_libraries(test-common-${name} PRIVATE loa-common)
  add_test(NAME common.${name} COMMAND test-common-${name})
  set_tests_properties(common.${name} PROPERTIES
    TIMEOUT 300 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")
endforeach()
