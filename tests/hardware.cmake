# hardware: line switches through their driver interface against real parts
# (a Modbus TCP relay board simulator built on libmodbus's server API, real
# scripts, libgpiod up to the kernel), and DTMF codes decoded back.
add_executable(loa-test-modbus-sim hardware/modbus-sim.c)
target_link_libraries(loa-test-modbus-sim PRIVATE PkgConfig::MODBUS PkgConfig::GLIB)
# The tests' side of it (start, stop, read its write log), also used by the
# switcher test in tests/playout.cmake.
add_library(loa-test-modbus-sim-client STATIC tools/modbus-sim-client.c)
target_include_directories(loa-test-modbus-sim-client PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tools)
target_link_libraries(loa-test-modbus-sim-client PUBLIC PkgConfig::GLIB)

add_executable(test-hardware-switch hardware/test-switch.c)
target_link_libraries(test-hardware-switch PRIVATE loa-hardware loa-test-modbus-sim-client)
add_test(NAME hardware.switch COMMAND test-hardware-switch)
set_tests_properties(hardware.switch PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8;LOA_TEST_MODBUS_SIM=$<TARGET_FILE:loa-test-modbus-sim>")

add_executable(test-hardware-dtmf hardware/test-dtmf.c)
target_link_libraries(test-hardware-dtmf PRIVATE loa-hardware m)
add_test(NAME hardware.dtmf COMMAND test-hardware-dtmf)
set_tests_properties(hardware.dtmf PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")

# `loa hw list` / `loa hw test` through the real binary, on a file output and
# on the virtual ALSA card.
add_test(NAME hardware.cli
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa>
          VCARD_CONF=$<TARGET_PROPERTY:loavcard,LOAVCARD_TYPE_CONF>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/hardware/test-hw.sh ${CMAKE_CURRENT_BINARY_DIR}/hardware-cli)
set_tests_properties(hardware.cli PROPERTIES TIMEOUT 120 LABELS "integration")

# Line monitoring: a capture PCM (ALSA `file` plugin reading a FIFO that the
# test fills in real time) carrying the program for all, none or half of an
# airing window; levels fed by hand for the output-meter path.
add_executable(test-hardware-monitor hardware/test-monitor.c)
target_link_libraries(test-hardware-monitor PRIVATE loa-hardware m)
add_test(NAME hardware.monitor COMMAND test-hardware-monitor)
set_tests_properties(hardware.monitor PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")

# A line's card mixer: control device names, errors without a mixer.
add_executable(test-hardware-mixer hardware/test-mixer.c)
target_link_libraries(test-hardware-mixer PRIVATE loa-hardware)
add_test(NAME hardware.mixer COMMAND test-hardware-mixer)

# The card clock's mend of torn readings, and its guard on a real alsasink
# (the virtual card).
add_executable(test-hardware-card-clock hardware/test-card-clock.c)
target_link_libraries(test-hardware-card-clock PRIVATE loa-hardware)
add_test(NAME hardware.card-clock COMMAND test-hardware-card-clock)
set_tests_properties(hardware.card-clock PROPERTIES TIMEOUT 60
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8;VCARD_CONF=$<TARGET_PROPERTY:loavcard,LOAVCARD_TYPE_CONF>")
