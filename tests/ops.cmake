# Operating a station: the control socket over a real UNIX socket, sd_notify
# with a fake NOTIFY_SOCKET, journald-aware logging, the operator commands
# against a stand-in daemon, gettext catalogues and the Debian package.
#
# The unit tests compile their module's sources themselves: these modules
# need only loa-common, and the tests should not wait on the whole engine.
set(LOA_PLAYOUT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/../playout)
add_executable(test-ops-control ops/test-control.c
  ${LOA_PLAYOUT_DIR}/control.c ${LOA_PLAYOUT_DIR}/control-client.c)
target_link_libraries(test-ops-control PRIVATE loa-common PkgConfig::JSONGLIB)
add_executable(test-ops-notify ops/test-notify.c ${LOA_PLAYOUT_DIR}/notify.c)
target_link_libraries(test-ops-notify PRIVATE loa-common PkgConfig::SYSTEMD)
add_executable(test-ops-log ops/test-log.c)
target_link_libraries(test-ops-log PRIVATE loa-common)
foreach(name control notify log)
  target_include_directories(test-ops-${name} PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/common ${LOA_PLAYOUT_DIR})
  add_test(NAME ops.${name} COMMAND test-ops-${name})
  set_tests_properties(ops.${name} PROPERTIES
    TIMEOUT 120 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")
endforeach()

# The operator commands against a stand-in daemon over a real socket.
add_executable(loa-test-control-server ops/control-server.c ${LOA_PLAYOUT_DIR}/control.c)
target_include_directories(loa-test-control-server PRIVATE ${LOA_PLAYOUT_DIR})
target_link_libraries(loa-test-control-server PRIVATE loa-common PkgConfig::JSONGLIB)
add_test(NAME ops.commands
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa>
          CONTROL_SERVER=$<TARGET_FILE:loa-test-control-server>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/ops/test-commands.sh ${CMAKE_CURRENT_BINARY_DIR}/ops-commands)
set_tests_properties(ops.commands PROPERTIES TIMEOUT 120)

# Translations: nothing untranslated or fuzzy, msgfmt --check, Vietnamese output.
add_test(NAME ops.gettext
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/ops/test-gettext.sh ${PROJECT_SOURCE_DIR}
          ${CMAKE_CURRENT_BINARY_DIR}/ops-gettext)
set_tests_properties(ops.gettext PROPERTIES TIMEOUT 60)

# The Debian package, built by cpack from this build tree and unpacked in a temp root.
find_program(DPKG_DEB dpkg-deb)
if(DPKG_DEB)
  add_test(NAME ops.package
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/ops/test-package.sh ${CMAKE_BINARY_DIR}
            ${CMAKE_CURRENT_BINARY_DIR}/ops-package)
  set_tests_properties(ops.package PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
endif()
