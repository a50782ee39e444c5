# audio-library: ingest of generated files of every supported format and of
# damaged ones, the catalog, and `loa spot` run as an operator would.
add_executable(test-audio-library-ingest audio-library/test-ingest.c)
target_link_libraries(test-audio-library-ingest PRIVATE loa-audio-library)
add_test(NAME audio-library.ingest COMMAND test-audio-library-ingest)

add_test(NAME audio-library.cli
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/audio-library/test-cli.sh $<TARGET_FILE:loa>)

# MP3 gapless information: the LAME tag reader on handcrafted and damaged
# frames, and MP3 spots from lame (trimmed by GStreamer) and with
# libavcodec's tag (not trimmed) cued exactly on their audio.
add_executable(test-audio-library-mp3-gapless audio-library/test-mp3-gapless.c)
target_link_libraries(test-audio-library-mp3-gapless PRIVATE loa-audio-library)
add_test(NAME audio-library.mp3-gapless COMMAND test-audio-library-mp3-gapless)
add_executable(test-audio-library-ingest-mp3 audio-library/test-ingest-mp3.c)
target_link_libraries(test-audio-library-ingest-mp3 PRIVATE loa-audio-library m)
add_test(NAME audio-library.ingest-mp3 COMMAND test-audio-library-ingest-mp3)
# Which decoder decodes an MP3 (mpg123 where it is sound, FFmpeg elsewhere).
add_executable(test-audio-library-decoders audio-library/test-decoders.c)
target_link_libraries(test-audio-library-decoders PRIVATE loa-audio-library)
add_test(NAME audio-library.decoders COMMAND test-audio-library-decoders)

# The MP4 edit list reader (GStreamer 1.22's qtdemux drops an M4A's end).
add_executable(test-audio-library-mp4-edit audio-library/test-mp4-edit.c)
target_link_libraries(test-audio-library-mp4-edit PRIVATE loa-audio-library)
add_test(NAME audio-library.mp4-edit COMMAND test-audio-library-mp4-edit)

set_tests_properties(audio-library.ingest audio-library.cli audio-library.mp3-gapless
  audio-library.ingest-mp3 audio-library.decoders audio-library.mp4-edit PROPERTIES
  TIMEOUT 60 SKIP_RETURN_CODE 77 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")

# Loudness against reference signals (EBU Tech 3341/3342), cues, review rules,
# air-time integrity, the drop folder and spoken bulletins.
add_executable(test-audio-library-library audio-library/test-library.c)
target_link_libraries(test-audio-library-library PRIVATE loa-audio-library m)
add_test(NAME audio-library.library COMMAND test-audio-library-library)
add_test(NAME audio-library.review
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/audio-library/test-review.sh $<TARGET_FILE:loa>)
set_tests_properties(audio-library.library audio-library.review PROPERTIES
  TIMEOUT 120 SKIP_RETURN_CODE 77 ENVIRONMENT "G_DEBUG=fatal-criticals;LC_ALL=C.UTF-8")

# Real-world inputs through `loa spot add`: a 6-hour file, video files, an
# image, odd rates and channel counts, a name with quotes.
add_test(NAME audio-library.inputs
  COMMAND ${CMAKE_COMMAND} -E env LOA=$<TARGET_FILE:loa> DCWAV=$<TARGET_FILE:loa-test-dcwav>
          bash ${CMAKE_CURRENT_SOURCE_DIR}/audio-library/test-inputs.sh
          ${CMAKE_CURRENT_BINARY_DIR}/audio-library-inputs)
set_tests_properties(audio-library.inputs PROPERTIES TIMEOUT 600)
