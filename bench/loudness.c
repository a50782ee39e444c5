/* Loudness analysis throughput: decodes FILE as ingest does and measures it
 * (EBU R128 integrated loudness, loudness range, true peak; cues), RUNS
 * times, and prints one line per run: seconds of wall time, seconds of CPU
 * time, the audio's length, the speed in times real time, and the values.
 * bench/loudness runs it beside ffmpeg's ebur128 filter.
 *
 *   loa-bench-loudness FILE [RUNS] */
#include "ingest.h"

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
cpu_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: loa-bench-loudness FILE [RUNS]\n");
    return 2;
  }
  int runs = argc == 3 ? (int)g_ascii_strtoll(argv[2], NULL, 10) : 1;
  for (int run = 0; run < runs; run++) {
    g_autoptr(GError) error = NULL;
    LoaLoudnessResult result;
    gint64 wall_start = g_get_monotonic_time();
    double cpu_start = cpu_seconds();
    if (!loa_ingest_measure(argv[1], -50.0, &result, &error)) {
      fprintf(stderr, "%s\n", error->message);
      return 1;
    }
    double wall = (double)(g_get_monotonic_time() - wall_start) / 1e6;
    double cpu = cpu_seconds() - cpu_start;
    /* The rate is not in the result; the length comes from the frames and
     * the rate GStreamer reports through the same decode, so ask once. */
    g_autoptr(GstDiscoverer) discoverer = gst_discoverer_new(10 * GST_SECOND, NULL);
    g_autofree char *uri = gst_filename_to_uri(argv[1], NULL);
    g_autoptr(GstDiscovererInfo) info = gst_discoverer_discover_uri(discoverer, uri, NULL);
    double seconds = info != NULL ? (double)gst_discoverer_info_get_duration(info) / GST_SECOND : 0;
    printf("run %d: wall %.3f s, cpu %.3f s, audio %.1f s, %.1f x real time; "
           "I %.2f LUFS, LRA %.2f LU, TP %.2f dBTP\n",
           run + 1, wall, cpu, seconds, seconds / wall, result.integrated_lufs, result.range_lu,
           result.true_peak_dbtp);
  }
  return 0;
}
