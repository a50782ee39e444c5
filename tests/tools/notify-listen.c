/* Test tool: a systemd notification socket. Binds a datagram socket at PATH
 * and prints every message it receives, one line each, prefixed with the
 * CLOCK_MONOTONIC time in milliseconds, for SECONDS seconds.
 *
 *   loa-test-notify-listen PATH SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH SECONDS\n", argv[0]);
    return 2;
  }
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  if (strlen(argv[1]) >= sizeof address.sun_path) {
    fprintf(stderr, "%s: path too long\n", argv[0]);
    return 2;
  }
  memcpy(address.sun_path, argv[1], strlen(argv[1]) + 1); /* length checked above */
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  unlink(argv[1]);
  if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    perror("bind");
    return 1;
  }
  long long end = now_ms() + strtol(argv[2], NULL, 10) * 1000;
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (now_ms() < end) {
    struct timeval timeout = { .tv_sec = 0, .tv_usec = 200000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0)
      continue;
    buffer[n] = '\0';
    for (char *p = buffer; *p != '\0'; p++)
      if (*p == '\n')
        *p = ' ';
    printf("%lld %s\n", now_ms(), buffer);
  }
  close(fd);
  unlink(argv[1]);
  return 0;
}
