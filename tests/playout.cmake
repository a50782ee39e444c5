# Playout: integration tests that run the real `loa` binary on a virtual ALSA
# card (tests/vcard) and check the recorded output sample by sample.
add_executable(loa-test-dcwav tools/dcwav.c)
target_link_libraries(loa-test-dcwav PRIVATE PkgConfig::GLIB)

# How far a recording may wander from the pipeline's own measurement. The
# sink's clock slaving wanders by up to ~0.6 ms on a loaded machine (figures:
# bench/start-accuracy); these are functional bounds with room for noisy CI
# machines. Under the sanitizers every allocation unwinds its stack
# (scripts/test), which slows the audio threads further.
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  set(LOA_TIMING_SLACK_NS 5000000)
else()
  set(LOA_TIMING_SLACK_NS 2000000)
endif()

set(LOA_TEST_TOOLS
  LOA_TIMING_SLACK_NS=${LOA_TIMING_SLACK_NS}
  LOA=$<TARGET_FILE:loa>
  DCWAV=$<TARGET_FILE:loa-test-dcwav>
  ANALYZE=$<TARGET_FILE:loavcard-analyze>
  VCARD_CONF=$<TARGET_PROPERTY:loavcard,LOAVCARD_TYPE_CONF>)

add_test(NAME playout.airing
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-airing.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-airing)
set_tests_properties(playout.airing PROPERTIES TIMEOUT 120 LABELS "integration")

add_test(NAME playout.cli
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-cli.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-cli)
set_tests_properties(playout.cli PROPERTIES TIMEOUT 120)

# valgrind on the commands that do not air; not in the sanitizer build (the
# two instrumentations do not mix).
if(NOT CMAKE_BUILD_TYPE STREQUAL "Asan")
  find_program(VALGRIND valgrind)
  if(VALGRIND)
    add_test(NAME playout.valgrind
      COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
              bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-valgrind.sh
              ${CMAKE_CURRENT_BINARY_DIR}/playout-valgrind)
    set_tests_properties(playout.valgrind PROPERTIES TIMEOUT 300)
  endif()
endif()

# The engine alone, mostly on a GstTestClock faster than real time:
# placement, priorities and failures at air time.
pkg_check_modules(GSTCHECK REQUIRED IMPORTED_TARGET gstreamer-check-1.0)
add_library(loa-test-fast-clock STATIC tools/fast-clock.c)
target_include_directories(loa-test-fast-clock PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tools)
target_link_libraries(loa-test-fast-clock PUBLIC loa-playout PkgConfig::GSTCHECK)
add_executable(test-playout-engine playout/test-engine.c)
target_link_libraries(test-playout-engine PRIVATE loa-test-fast-clock m)
add_test(NAME playout.engine COMMAND test-playout-engine)
set_tests_properties(playout.engine PROPERTIES TIMEOUT 120 LABELS "integration")

add_test(NAME playout.clock-step
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-clock.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-clock)
set_tests_properties(playout.clock-step PROPERTIES TIMEOUT 60)

# Wall-clock over cards whose crystals are 1000 ppm fast and slow.
add_test(NAME playout.drift
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-drift.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-drift)
set_tests_properties(playout.drift PROPERTIES TIMEOUT 90 LABELS "integration")

# Priorities through the real daemon: emergency cut-in with fade, missed and
# late-play spots after it, priority after the spot on air.
add_test(NAME playout.priorities
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-priorities.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-priorities)
set_tests_properties(playout.priorities PROPERTIES TIMEOUT 120 LABELS "integration")

# The switcher alone: its worker thread against the Modbus relay-board
# simulator and a command script, with the main loop watched for stalls
# (simulator and its client library: tests/hardware.cmake).
add_executable(test-playout-switcher playout/test-switcher.c)
target_link_libraries(test-playout-switcher PRIVATE loa-playout loa-test-modbus-sim-client)
add_test(NAME playout.switcher COMMAND test-playout-switcher)
set_tests_properties(playout.switcher PROPERTIES TIMEOUT 120
  ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8;LOA_TEST_MODBUS_SIM=$<TARGET_FILE:loa-test-modbus-sim>")

# Loudness normalisation at air time, measured in the recorded output.
add_test(NAME playout.gain
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-gain.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-gain)
set_tests_properties(playout.gain PROPERTIES TIMEOUT 120 LABELS "integration")

# A sound card that disappears and comes back (virtual card fault injection).
add_test(NAME playout.device-fault
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-device-fault.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-device-fault)
set_tests_properties(playout.device-fault PROPERTIES TIMEOUT 120 LABELS "integration")

# Line switches through the daemon: pre-roll, post-roll, results in the log.
add_test(NAME playout.switching
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-switching.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-switching)
set_tests_properties(playout.switching PROPERTIES TIMEOUT 120 LABELS "integration")

# In-band switching: DTMF address codes before and after the program.
add_test(NAME playout.dtmf
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-dtmf.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-dtmf)
set_tests_properties(playout.dtmf PROPERTIES TIMEOUT 120 LABELS "integration")

# A spot failing at air time: the filler, or the event's next spot.
add_test(NAME playout.filler
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-filler.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-filler)
set_tests_properties(playout.filler PROPERTIES TIMEOUT 120 LABELS "integration")

# Compressed spots air from their air copies; a damaged copy falls back.
add_test(NAME playout.air-copy
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-air-copy.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-air-copy)
set_tests_properties(playout.air-copy PROPERTIES TIMEOUT 120 LABELS "integration")

# Operator commands against the real daemon over its control socket.
add_test(NAME playout.control
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-control.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-control)
set_tests_properties(playout.control PROPERTIES TIMEOUT 120 LABELS "integration")

# Line returns monitored: program present / absent, dead-air alarm.
add_test(NAME playout.monitor
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-monitor.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-monitor)
set_tests_properties(playout.monitor PROPERTIES TIMEOUT 120 LABELS "integration")

# Four stereo lines sharing one 8-channel card, each on its own channels.
add_test(NAME playout.card
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-card.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-card)
set_tests_properties(playout.card PROPERTIES TIMEOUT 120 LABELS "integration")

# systemd notification: READY, STATUS, WATCHDOG pings that stop while the
# daemon's loop is stalled, STOPPING.
add_executable(loa-test-notify-listen tools/notify-listen.c)
add_test(NAME playout.watchdog
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa> LISTEN=$<TARGET_FILE:loa-test-notify-listen>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-watchdog.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-watchdog)
set_tests_properties(playout.watchdog PROPERTIES TIMEOUT 120)

# The daemon ingests the drop folder while it runs.
add_test(NAME playout.drop-folder
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-drop-daemon.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-drop-folder)
set_tests_properties(playout.drop-folder PROPERTIES TIMEOUT 120)

# A shared card that disappears and comes back: rebuilt with all its lines.
add_test(NAME playout.card-fault
  COMMAND ${CMAKE_COMMAND} -E env ${LOA_TEST_TOOLS}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/playout/test-card-fault.sh
          ${CMAKE_CURRENT_BINARY_DIR}/playout-card-fault)
set_tests_properties(playout.card-fault PROPERTIES TIMEOUT 120 LABELS "integration")
