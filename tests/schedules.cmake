# schedules: parsing, checking and expansion (one executable, three ctest
# entries selected by test path) and the schedule store on a temp database.
add_executable(test-schedule schedules/test-schedule.c)
target_link_libraries(test-schedule PRIVATE loa-schedules)
target_include_directories(test-schedule PRIVATE common)
foreach(part parse check expand)
  add_test(NAME schedules.${part} COMMAND test-schedule -p /schedules/${part})
endforeach()

add_executable(test-schedule-store schedules/test-store.c)
target_link_libraries(test-schedule-store PRIVATE loa-schedules)
target_include_directories(test-schedule-store PRIVATE common)
add_test(NAME schedules.store COMMAND test-schedule-store)

set_tests_properties(schedules.parse schedules.check schedules.expand schedules.store
  PROPERTIES TIMEOUT 300 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")

# The schedule language: recurrences against hand-computed calendars,
# rotation, checks of spots and priorities, quota predictions, CSV import.
add_executable(test-schedule-recurrence schedules/test-recurrence.c)
target_link_libraries(test-schedule-recurrence PRIVATE loa-schedules)
target_include_directories(test-schedule-recurrence PRIVATE common)
foreach(part recurrence rotation check2 plan import)
  add_test(NAME schedules.${part} COMMAND test-schedule-recurrence -p /schedules/${part})
  set_tests_properties(schedules.${part}
    PROPERTIES TIMEOUT 300 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")
endforeach()

# The commands on a real station database (no audio plays).
add_test(NAME schedules.commands
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa> DCWAV=$<TARGET_FILE:loa-test-dcwav>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/schedules/test-commands.sh
          ${CMAKE_CURRENT_BINARY_DIR}/schedules-commands)
set_tests_properties(schedules.commands PROPERTIES TIMEOUT 120 ENVIRONMENT "LC_ALL=C.UTF-8")

# libFuzzer target for the schedule parser: configure a separate build with
# clang, -DLOA_FUZZ=ON and -DCMAKE_C_FLAGS=-fsanitize=address,fuzzer-no-link
# (scripts/test does, and runs it for 30 s on tests/fuzz/schedule-corpus).
option(LOA_FUZZ "build the libFuzzer targets (clang only)" OFF)
if(LOA_FUZZ)
  add_executable(fuzz-schedule fuzz/fuzz-schedule.c)
  target_link_libraries(fuzz-schedule PRIVATE loa-schedules)
  target_include_directories(fuzz-schedule PRIVATE common)
  target_compile_options(fuzz-schedule PRIVATE -fsanitize=fuzzer,address)
  target_link_options(fuzz-schedule PRIVATE -fsanitize=fuzzer,address)
endif()
