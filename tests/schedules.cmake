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
