/*
 * bench/honeypot/floor: the least CPU a honeypot can spend per attempt on this kernel. A minimal
 * single-threaded epoll server (no limits, no parsing beyond what the load needs, no personality)
 * that does what every attempt requires of any honeypot: accept, answer, and write one log line to
 * a file with write(2) before answering. Not Kyoka code: a measuring stick for bench/honeypot.
 *
 *   cc -O2 -o floor floor.c && ./floor PORT redis|ftp|http LOGFILE
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

enum { REDIS, FTP, HTTP };
typedef struct { int fd; size_t len; char buf[8192]; } conn;
static int logfd, mode;
static char page[4096];
static size_t pagelen;

static void logline(int logtype, const char *what) {
  char line[512];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int n = snprintf(line, sizeof line,
                   "{\"dst_host\": \"127.0.0.1\", \"dst_port\": 1, \"local_time\": \"%ld.%06ld\", \"logdata\": "
                   "{\"CMD\": \"%s\"}, \"logtype\": %d, \"node_id\": \"floor\", \"src_host\": \"127.0.0.1\", "
                   "\"src_port\": 1}\n",
                   (long)ts.tv_sec, ts.tv_nsec / 1000, what, logtype);
  if (write(logfd, line, n) < 0) perror("log");
}

static void reply(conn *c, const char *s, size_t n) {
  if (write(c->fd, s, n) < 0) { /* the peer went away: its read sees EOF */ }
}

/* Consumes complete requests in c->buf; returns 1 when the connection is to be closed. */
static int serve(conn *c) {
  char *p = c->buf, *end = c->buf + c->len, *nl;
  int closing = 0;
  if (mode == REDIS) {
    /* redis-cli sends "*1\r\n$4\r\nping\r\n" */
    while (end - p >= 14 && p[0] == '*') {
      logline(17001, "PING");
      reply(c, "-NOAUTH Authentication required.\r\n", 34);
      p += 14;
    }
  } else if (mode == FTP) {
    while (!closing && (nl = memchr(p, '\n', end - p))) {
      if (!strncasecmp(p, "USER", 4)) reply(c, "331 Please specify the password.\r\n", 34);
      else if (!strncasecmp(p, "PASS", 4)) { logline(2000, "PASS"); reply(c, "530 Login incorrect.\r\n", 22); }
      else if (!strncasecmp(p, "QUIT", 4)) { reply(c, "221 Goodbye.\r\n", 14); closing = 1; }
      else reply(c, "500 Unknown command.\r\n", 22);
      p = nl + 1;
    }
  } else {
    while ((nl = memmem(p, end - p, "\r\n\r\n", 4))) {
      logline(3000, "GET");
      reply(c, page, pagelen);
      p = nl + 4;
    }
  }
  memmove(c->buf, p, end - p);
  c->len = end - p;
  return closing || c->len == sizeof c->buf;
}

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: floor PORT redis|ftp|http LOGFILE\n"), 2;
  mode = !strcmp(argv[2], "redis") ? REDIS : !strcmp(argv[2], "ftp") ? FTP : HTTP;
  logfd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
  const char *no2001 = getenv("FLOOR_NO_2001");
  int connect_record = !(no2001 && *no2001 == '1'); /* floor.ts --no-ftp-initiated: as older OpenCanary releases */
  pagelen = snprintf(page, sizeof page,
                     "HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 09:00:00 GMT\r\nServer: Apache/2.4.62 (Debian)\r\n"
                     "Content-Length: 1995\r\nContent-Type: text/html\r\n\r\n");
  memset(page + pagelen, 'a', 1995);
  pagelen += 1995;
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(0x7f000001)};
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) return perror("listen"), 1;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  fprintf(stderr, "floor: listening\n");
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      conn *c = evs[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          c = calloc(1, sizeof *c);
          c->fd = fd;
          struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
          if (mode == FTP) { if (connect_record) logline(2001, "connect"); reply(c, "220 (vsFTPd 3.0.3)\r\n", 20); }
        }
        continue;
      }
      ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
      if (r > 0) c->len += r;
      if (r <= 0 || serve(c)) { close(c->fd); free(c); }
    }
  }
}
