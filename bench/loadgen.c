/*
 * loadgen: a small epoll load generator for Braid's network benchmarks (bench/README.md).
 *
 * echo mode: N connections, each keeping D messages of S bytes in flight against an echo server;
 * a message counts as completed when S more bytes have come back on its connection, and each
 * completion sends one more message. After a warm-up, counts completed messages and bytes for
 * the measured duration and prints one JSON object, with this process's CPU use over that window.
 *
 * lines mode: like echo mode, but the messages are lines of S bytes (S-1 letters and '\n'), D in
 * flight per connection, against a server that answers each line with one line: a reply counts
 * as completed for each '\n' that comes back (the replies may be of any length).
 *
 * idle mode: opens N connections (at most 256 handshakes at a time), prints one JSON line when
 * they are all connected, then holds them open until stdin is closed (or the duration runs out).
 *
 * stdout lines (JSON): {"event":"window-start"} when measuring starts, then the result.
 *
 * usage: loadgen -p PORT [-h 127.0.0.1] [-m echo|lines|idle] [-c conns] [-s size] [-d depth]
 *                [-w warmup_s] [-t duration_s]
 *
 * Built by bench/run.ts with `cc -O2 -o bench/.build/loadgen bench/loadgen.c`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define READ_BUF (256 * 1024)
#define MAX_CONNECTING 256

struct conn {
  int fd;
  int connected;
  int want_out;          /* EPOLLOUT registered */
  uint64_t pending;      /* bytes still to write */
  uint64_t received;     /* bytes read, ever */
  uint64_t done;         /* messages completed, ever */
  uint64_t sent;         /* bytes written, ever (lines mode: keeps writes on line boundaries) */
};

static const char *host = "127.0.0.1";
static int port = 0;
static int idle_mode = 0;
static int lines_mode = 0;
static int nconns = 256;
static uint64_t msg_size = 64;
static int depth = 1;
static double warmup = 1.0;
static double duration = 5.0;

static int ep;
static struct conn *conns;
static char *sendbuf;
static uint64_t sendbuf_len;
static char readbuf[READ_BUF];

static uint64_t total_msgs, total_bytes;
static int n_connected, n_failed, n_closed, n_started;
static int n_connecting;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void set_events(struct conn *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
}

static void drop(struct conn *c, int failed) {
  if (c->fd < 0) return;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  if (!c->connected) {
    n_connecting--;
    n_failed++;
  } else {
    n_connected--;
    if (failed) n_failed++;
    else n_closed++;
  }
}

static void start_connect(struct conn *c) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad host %s\n", host);
    exit(2);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  c->connected = 0;
  n_connecting++;
  n_started++;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    drop(c, 1);
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl add");
}

static void try_write(struct conn *c) {
  while (c->pending > 0) {
    /* lines mode: resume a partly written line where it stopped (sendbuf holds whole lines) */
    uint64_t off = lines_mode ? c->sent % msg_size : 0;
    uint64_t room = sendbuf_len - off;
    uint64_t n = c->pending < room ? c->pending : room;
    ssize_t w = write(c->fd, sendbuf + off, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      drop(c, 1);
      return;
    }
    c->pending -= (uint64_t)w;
    c->sent += (uint64_t)w;
  }
  int want = c->pending > 0;
  if (want != c->want_out) {
    c->want_out = want;
    set_events(c, EPOLLIN | (want ? EPOLLOUT : 0));
  }
}

static void on_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    drop(c, 1);
    return;
  }
  c->connected = 1;
  n_connecting--;
  n_connected++;
  c->want_out = 0;
  set_events(c, EPOLLIN);
  if (!idle_mode) {
    c->pending = msg_size * (uint64_t)depth;
    try_write(c);
  }
}

static void on_readable(struct conn *c) {
  ssize_t r = read(c->fd, readbuf, sizeof readbuf);
  if (r == 0) {
    drop(c, 0);
    return;
  }
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    drop(c, 1);
    return;
  }
  if (idle_mode) return;
  c->received += (uint64_t)r;
  total_bytes += (uint64_t)r;
  uint64_t done;
  if (lines_mode) {
    done = c->done;
    for (const char *p = readbuf, *end = readbuf + r; (p = memchr(p, '\n', (size_t)(end - p))); p++)
      done++;
  } else {
    done = c->received / msg_size;
  }
  uint64_t fresh = done - c->done;
  if (fresh > 0) {
    c->done = done;
    total_msgs += fresh;
    c->pending += fresh * msg_size;
    try_write(c);
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen -p PORT [-h HOST] [-m echo|lines|idle] [-c CONNS] [-s SIZE] [-d DEPTH] "
          "[-w WARMUP_S] [-t DURATION_S]\n");
  exit(2);
}

int main(int argc, char **argv) {
  int opt;
  while ((opt = getopt(argc, argv, "h:p:m:c:s:d:w:t:")) != -1) {
    switch (opt) {
      case 'h': host = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'm':
        idle_mode = strcmp(optarg, "idle") == 0;
        lines_mode = strcmp(optarg, "lines") == 0;
        break;
      case 'c': nconns = atoi(optarg); break;
      case 's': msg_size = (uint64_t)atoll(optarg); break;
      case 'd': depth = atoi(optarg); break;
      case 'w': warmup = atof(optarg); break;
      case 't': duration = atof(optarg); break;
      default: usage();
    }
  }
  if (port <= 0 || nconns <= 0 || msg_size == 0 || depth <= 0) usage();
  if (lines_mode && msg_size < 2) usage();

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  sendbuf_len = msg_size * (uint64_t)depth;
  if (sendbuf_len < 65536) sendbuf_len = 65536;
  if (lines_mode) sendbuf_len += msg_size - sendbuf_len % msg_size; /* whole lines */
  sendbuf = malloc(sendbuf_len);
  conns = calloc((size_t)nconns, sizeof *conns);
  if (!sendbuf || !conns) die("malloc");
  for (uint64_t i = 0; i < sendbuf_len; i++) sendbuf[i] = (char)('a' + i % 26);
  if (lines_mode)
    for (uint64_t i = msg_size - 1; i < sendbuf_len; i += msg_size) sendbuf[i] = '\n';
  for (int i = 0; i < nconns; i++) conns[i].fd = -1;

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  if (idle_mode) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) die("epoll_ctl stdin");
  }

  struct epoll_event events[MAX_EVENTS];
  double t0 = now();
  double window_start = t0 + warmup, window_end = window_start + duration;
  int measuring = 0, reported_ready = 0, stdin_closed = 0;
  uint64_t msgs0 = 0, bytes0 = 0;
  double cpu0 = 0, tstart = 0;
  int next = 0;

  for (;;) {
    while (next < nconns && n_connecting < MAX_CONNECTING) start_connect(&conns[next++]);

    double t = now();
    if (idle_mode) {
      if (!reported_ready && next == nconns && n_connecting == 0) {
        printf("{\"event\":\"ready\",\"connected\":%d,\"failed\":%d}\n", n_connected, n_failed);
        fflush(stdout);
        reported_ready = 1;
      }
      if (stdin_closed || t >= t0 + duration) break;
    } else {
      if (!measuring && t >= window_start) {
        measuring = 1;
        msgs0 = total_msgs;
        bytes0 = total_bytes;
        cpu0 = cpu_seconds();
        tstart = t;
        printf("{\"event\":\"window-start\",\"connected\":%d}\n", n_connected);
        fflush(stdout);
      }
      if (measuring && t >= window_end) break;
    }

    double until = idle_mode ? t0 + duration : (measuring ? window_end : window_start);
    int timeout = (int)((until - t) * 1000) + 1;
    if (timeout > 100) timeout = 100;
    int n = epoll_wait(ep, events, MAX_EVENTS, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        char b[256];
        ssize_t r = read(0, b, sizeof b);
        if (r <= 0) {
          stdin_closed = 1;
          epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
        }
        continue;
      }
      if (c->fd < 0) continue;
      if (!c->connected) {
        on_connected(c);
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
      if (c->fd >= 0 && (events[i].events & EPOLLOUT)) try_write(c);
    }
  }

  if (idle_mode) {
    printf("{\"event\":\"done\",\"connected\":%d,\"failed\":%d,\"closed\":%d}\n", n_connected,
           n_failed, n_closed);
  } else {
    double secs = now() - tstart;
    double cpu = cpu_seconds() - cpu0;
    uint64_t msgs = total_msgs - msgs0, bytes = total_bytes - bytes0;
    printf(
        "{\"event\":\"result\",\"connected\":%d,\"failed\":%d,\"closed\":%d,\"seconds\":%.4f,"
        "\"messages\":%llu,\"bytes\":%llu,\"msgs_per_s\":%.1f,\"mib_per_s\":%.2f,"
        "\"cpu_pct\":%.1f}\n",
        n_connected, n_failed, n_closed, secs, (unsigned long long)msgs,
        (unsigned long long)bytes, (double)msgs / secs, (double)bytes / secs / 1048576.0,
        100.0 * cpu / secs);
  }
  fflush(stdout);
  for (int i = 0; i < nconns; i++)
    if (conns[i].fd >= 0) close(conns[i].fd);
  return 0;
}
