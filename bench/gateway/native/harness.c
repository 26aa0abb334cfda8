/*
 * The gateway benchmark's harness: the SSE upstream and the open-loop load generator, in one single-threaded
 * epoll program. As Node processes (node:http, undici) they took ~1.3 of the benchmark machine's two cores at 200
 * streams in flight (20k chunks/s), so every proxy was starved and the benchmark measured the harness. Here each
 * content chunk costs one write() on one side and one read() on the other, nearly all of it kernel time (loopback
 * TCP and waking the reader); measured standalone at 20k chunks/s: ~0.25 cores upstream, ~0.2 load generator.
 *
 * Built by ../native-harness.ts at first run (cc -std=c11 -O2 -Wall -Wextra ... -lm); libc and Linux only.
 *
 *   harness upstream --chunks N --interval-ms X --prefill-ms P
 *     Listens on 127.0.0.1, port 0 (backlog 4096), prints "PORT <n>" when ready. HTTP/1.1 keep-alive:
 *     GET /health, GET /v1/models, POST /v1/chat/completions streamed byte for byte as the former Node upstream
 *     did, in vLLM's chat-chunk format: role chunk, N content chunks whose text is "@<ms>" (CLOCK_MONOTONIC, read
 *     right before the write), finish chunk, usage chunk when the body holds "include_usage":true, "data: [DONE]".
 *     Each event is one HTTP chunk written with one write() when due. The body is not parsed as JSON: one that is
 *     not {...} gets the 400 the Node upstream gave invalid JSON. Bodies may be chunked; Expect: 100-continue is
 *     honoured; HTTP/1.0 and Connection: close get their answer and then a close. Other paths: 404.
 *     Exits on SIGTERM, SIGINT (default dispositions) or when stdin reaches EOF (the parent is gone).
 *
 *   harness load --port P --rate R --warmup W --seconds S --seed N --body FILE --chunks N --usage 0|1 --out DIR
 *                [--interval S] [--drain-timeout S]
 *     Poisson arrivals (splitmix64 seeded with N), each one POST of FILE to 127.0.0.1:P on a keep-alive
 *     connection (idle pool, LIFO, else a new one; no limit). Records the requests that arrive in [W, W+S) as the
 *     former Node probe did: TTFT (first content chunk read - request sent), chunk latency (read - embedded write
 *     time), errors http_<status>, incomplete, unexpected_usage, missing_usage, an errno name, socket_closed,
 *     and "unfinished" for streams (any, as before) still open when the drain (default 30 s) ends. Samples go to
 *     little-endian float64 files in DIR; stdout gets JSON lines: window_start, interval (every S s of the window,
 *     and one at its end if the last was over 0.5 s before), window_end, result. Exits when done or on stdin EOF.
 *
 * Both modes read CLOCK_MONOTONIC in milliseconds, so the upstream's embedded write time and the load
 * generator's receive time are on one clock: per-chunk latency is exact across the two processes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MODEL "meta-llama/Llama-3.1-8B-Instruct"
/* Request heads (ours, undici's, nginx's) are a few hundred bytes; anything this large is not a benchmark peer. */
#define MAX_HEAD 65536
/* Bytes a client may send while its stream runs (a pipelined next request) before it is cut off. */
#define MAX_PENDING_IN (16u << 20)
#define EVENTS 1024

/* ---------------------------------------------------------------------------------------------------------- */
/* Common: errors, time, buffers, sockets                                                                      */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("harness: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Warnings are printed once per kind: a failing setsockopt on every connection would flood the terminal. */
static void warn_once(int *said, const char *fmt, ...) {
  if (*said) return;
  *said = 1;
  va_list ap;
  va_start(ap, fmt);
  fputs("harness: warning: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL && n > 0) die("out of memory (%zu bytes)", n);
  return q;
}

static void *xcalloc(size_t n) {
  void *p = calloc(1, n);
  if (p == NULL) die("out of memory (%zu bytes)", n);
  return p;
}

/* Milliseconds on CLOCK_MONOTONIC (a vDSO call, ~20 ns): the one clock both modes share. */
static double now_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime: %s", strerror(errno));
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* epoll_wait's timeout for a wake-up at `at`: rounded up, so the loop never wakes early and spins. */
static int timeout_until(double at, double now) {
  if (isinf(at)) return -1;
  double d = at - now;
  if (d <= 0) return 0;
  if (d > 1e9) return 1000000000;
  return (int)ceil(d);
}

struct buf {
  char *p;
  size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t c = b->cap ? b->cap : 512;
  while (c < b->len + extra) c *= 2;
  b->p = xrealloc(b->p, c);
  b->cap = c;
}

static void buf_append(struct buf *b, const void *d, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, d, n);
  b->len += n;
}

static void buf_consume(struct buf *b, size_t n) {
  if (n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
}

static void buf_free(struct buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* The benchmark opens thousands of sockets; the soft limit is often 1024. */
static void raise_fd_limit(void) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) die("getrlimit: %s", strerror(errno));
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0) fprintf(stderr, "harness: warning: setrlimit(NOFILE): %s\n", strerror(errno));
  }
}

static int nodelay_said;
static void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) warn_once(&nodelay_said, "TCP_NODELAY: %s", strerror(errno));
}

static void epoll_set(int ep, int op, int fd, uint32_t events, void *ptr) {
  struct epoll_event e = {.events = events, .data.ptr = ptr};
  if (epoll_ctl(ep, op, fd, &e) != 0) die("epoll_ctl(%d): %s", op, strerror(errno));
}

/* Every read lands here first (one buffer for all connections, instead of 16 KiB reserved in each). */
static char iobuf[1 << 16];

/* Marks the data.ptr of stdin's epoll entry. */
static char STDIN_TAG;

/* The parent holds our stdin open: EOF means it is gone, and so should we be (even when it was SIGKILLed).
 * Without a pipe (stdin a file or /dev/null, epoll refuses those with EPERM) there is nothing to watch. */
static void watch_stdin(int ep) {
  struct epoll_event e = {.events = EPOLLIN, .data.ptr = &STDIN_TAG};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &e) != 0 && errno != EPERM && errno != EBADF) die("epoll_ctl(stdin): %s", strerror(errno));
}

static void stdin_readable(void) {
  char b[256];
  ssize_t r = read(0, b, sizeof b);
  if (r == 0) exit(0);
  if (r < 0 && errno != EINTR && errno != EAGAIN) exit(0);
}

/* A name for an errno value, as a load-generator error kind (the names undici and Node use for the same). */
static const char *errno_kind(int e, char *tmp, size_t n) {
  switch (e) {
  case ECONNREFUSED: return "ECONNREFUSED";
  case ECONNRESET: return "ECONNRESET";
  case EPIPE: return "EPIPE";
  case ETIMEDOUT: return "ETIMEDOUT";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  case ENOBUFS: return "ENOBUFS";
  case ENOMEM: return "ENOMEM";
  case EHOSTUNREACH: return "EHOSTUNREACH";
  case ENETUNREACH: return "ENETUNREACH";
  default: snprintf(tmp, n, "errno_%d", e); return tmp;
  }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1), decoded incrementally: boundaries may fall anywhere */

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LINE, CH_TRAILER_LF, CH_DONE };

struct chunked {
  int st;
  int digits;
  uint64_t left;
};

typedef void (*emit_fn)(void *ctx, const char *p, size_t n);

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Feeds n bytes; payload spans go to emit (no copy). Returns the bytes consumed (fewer than n only once the
 * message is complete, st == CH_DONE) or -1 on a framing error. */
static ssize_t chunked_feed(struct chunked *c, const char *p, size_t n, emit_fn emit, void *ctx) {
  size_t i = 0;
  while (i < n && c->st != CH_DONE) {
    char ch = p[i];
    switch (c->st) {
    case CH_SIZE: {
      int v = hexval(ch);
      if (v >= 0) {
        if (c->left > (UINT64_MAX >> 4)) return -1;
        c->left = c->left * 16 + (uint64_t)v;
        c->digits++;
        i++;
      } else if (c->digits == 0) {
        return -1;
      } else if (ch == '\r') {
        c->st = CH_SIZE_LF;
        i++;
      } else if (ch == ';' || ch == ' ' || ch == '\t') {
        c->st = CH_EXT;
        i++;
      } else {
        return -1;
      }
      break;
    }
    case CH_EXT:
      if (ch == '\r') c->st = CH_SIZE_LF;
      i++;
      break;
    case CH_SIZE_LF:
      if (ch != '\n') return -1;
      i++;
      c->digits = 0;
      c->st = c->left > 0 ? CH_DATA : CH_TRAILER;
      break;
    case CH_DATA: {
      size_t take = n - i;
      if ((uint64_t)take > c->left) take = (size_t)c->left;
      emit(ctx, p + i, take);
      i += take;
      c->left -= take;
      if (c->left == 0) c->st = CH_DATA_CR;
      break;
    }
    case CH_DATA_CR:
      if (ch != '\r') return -1;
      i++;
      c->st = CH_DATA_LF;
      break;
    case CH_DATA_LF:
      if (ch != '\n') return -1;
      i++;
      c->st = CH_SIZE;
      break;
    case CH_TRAILER:
      if (ch == '\r') {
        c->st = CH_TRAILER_LF;
        i++;
      } else {
        c->st = CH_TRAILER_LINE;
      }
      break;
    case CH_TRAILER_LINE:
      if (ch == '\n') c->st = CH_TRAILER;
      i++;
      break;
    case CH_TRAILER_LF:
      if (ch != '\n') return -1;
      i++;
      c->st = CH_DONE;
      break;
    default:
      return -1;
    }
  }
  return (ssize_t)i;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* HTTP head parsing shared by both modes                                                                      */

struct head {
  /* Request: method and target; response: status. */
  const char *method;
  size_t method_len;
  const char *target;
  size_t target_len;
  int status;
  int http10;
  int chunked;
  long long content_length; /* -1: none */
  int conn_close;
  int expect_continue;
};

static int token_eq(const char *p, size_t n, const char *s) { return strlen(s) == n && strncasecmp(p, s, n) == 0; }

/* Case-insensitive search of a comma-separated header value for a token (Connection: close). */
static int has_token(const char *v, size_t n, const char *tok) {
  size_t tl = strlen(tok);
  for (size_t i = 0; i + tl <= n; i++) {
    if (strncasecmp(v + i, tok, tl) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
        (i + tl == n || v[i + tl] == ',' || v[i + tl] == ' ' || v[i + tl] == '\t'))
      return 1;
  }
  return 0;
}

/* Parses a head ending at p + len (the blank line included). `request` picks the first line's shape.
 * Returns 0, or -1 when it is malformed. */
static int parse_head(const char *p, size_t len, int request, struct head *h) {
  memset(h, 0, sizeof *h);
  h->content_length = -1;
  const char *end = p + len;
  const char *eol = memmem(p, len, "\r\n", 2);
  if (eol == NULL) return -1;
  if (request) {
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (sp1 == NULL) return -1;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (sp2 == NULL) return -1;
    h->method = p;
    h->method_len = (size_t)(sp1 - p);
    h->target = sp1 + 1;
    h->target_len = (size_t)(sp2 - sp1 - 1);
    if (eol - sp2 - 1 != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return -1;
    h->http10 = sp2[8] == '0';
  } else {
    if (eol - p < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') return -1;
    h->http10 = p[7] == '0';
    int s = 0;
    for (int i = 9; i < 12; i++) {
      if (p[i] < '0' || p[i] > '9') return -1;
      s = s * 10 + (p[i] - '0');
    }
    h->status = s;
  }
  for (const char *line = eol + 2; line < end;) {
    const char *le = memmem(line, (size_t)(end - line), "\r\n", 2);
    if (le == NULL) return -1;
    if (le == line) break; /* the blank line */
    const char *colon = memchr(line, ':', (size_t)(le - line));
    if (colon == NULL) return -1;
    const char *v = colon + 1;
    while (v < le && (*v == ' ' || *v == '\t')) v++;
    const char *ve = le;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    size_t nl = (size_t)(colon - line), vl = (size_t)(ve - v);
    if (token_eq(line, nl, "content-length")) {
      long long cl = 0;
      if (vl == 0) return -1;
      for (size_t i = 0; i < vl; i++) {
        if (v[i] < '0' || v[i] > '9' || cl > (LLONG_MAX - 9) / 10) return -1;
        cl = cl * 10 + (v[i] - '0');
      }
      h->content_length = cl;
    } else if (token_eq(line, nl, "transfer-encoding")) {
      if (has_token(v, vl, "chunked")) h->chunked = 1;
    } else if (token_eq(line, nl, "connection")) {
      if (has_token(v, vl, "close")) h->conn_close = 1;
    } else if (token_eq(line, nl, "expect")) {
      if (has_token(v, vl, "100-continue")) h->expect_continue = 1;
    }
    line = le + 2;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Upstream mode                                                                                               */

struct uconn {
  int fd;
  int dead;
  uint32_t ev;
  struct buf in;
  /* Bytes the socket did not take yet (EAGAIN); written on EPOLLOUT before anything newer. */
  struct buf out;
  size_t out_off;
  /* The request being read. */
  int have_head;
  int route;
  int chunked;
  size_t need; /* content-length of the body */
  struct chunked dec;
  struct buf body;
  int keep_alive;
  /* Close once `out` is flushed (Connection: close, HTTP/1.0, or a bad request). */
  int close_after;
  /* The stream being sent. */
  int streaming;
  int usage;
  int sent;
  double t0;
  double due;
  size_t hidx; /* position in the heap; SIZE_MAX when not in it */
  char common[256];
  /* A content chunk up to its text: "data: <common>[{...\"content\":\"@". */
  char pre[320];
  size_t pre_len;
  struct uconn *next_dead;
};

static struct {
  int ep;
  int lfd;
  int spare; /* an fd kept open to free when accept hits EMFILE */
  int chunks;
  double interval;
  double prefill;
  long long created;
  unsigned long long next_id;
  /* A binary min-heap of streaming connections by their next send time. */
  struct uconn **heap;
  size_t hn, hcap;
  struct uconn *dead;
} U;

static char LISTEN_TAG;

static void heap_swap(size_t i, size_t j) {
  struct uconn *t = U.heap[i];
  U.heap[i] = U.heap[j];
  U.heap[j] = t;
  U.heap[i]->hidx = i;
  U.heap[j]->hidx = j;
}

static void heap_up(size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (U.heap[p]->due <= U.heap[i]->due) break;
    heap_swap(i, p);
    i = p;
  }
}

static void heap_down(size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < U.hn && U.heap[l]->due < U.heap[m]->due) m = l;
    if (r < U.hn && U.heap[r]->due < U.heap[m]->due) m = r;
    if (m == i) return;
    heap_swap(i, m);
    i = m;
  }
}

static void heap_push(struct uconn *c) {
  if (U.hn == U.hcap) {
    U.hcap = U.hcap ? U.hcap * 2 : 1024;
    U.heap = xrealloc(U.heap, U.hcap * sizeof *U.heap);
  }
  U.heap[U.hn] = c;
  c->hidx = U.hn++;
  heap_up(c->hidx);
}

static void heap_remove(struct uconn *c) {
  size_t i = c->hidx;
  if (i == SIZE_MAX) return;
  c->hidx = SIZE_MAX;
  struct uconn *last = U.heap[--U.hn];
  if (i == U.hn) return;
  U.heap[i] = last;
  last->hidx = i;
  heap_down(i);
  heap_up(last->hidx);
}

/* Closes now; the struct is freed after the current batch of events, which may still point at it. */
static void u_close(struct uconn *c) {
  if (c->dead) return;
  c->dead = 1;
  heap_remove(c);
  if (close(c->fd) != 0) fprintf(stderr, "harness: warning: close: %s\n", strerror(errno));
  buf_free(&c->in);
  buf_free(&c->out);
  buf_free(&c->body);
  c->next_dead = U.dead;
  U.dead = c;
}

static void u_events(struct uconn *c, uint32_t ev) {
  if (c->ev == ev) return;
  c->ev = ev;
  epoll_set(U.ep, EPOLL_CTL_MOD, c->fd, ev, c);
}

/* Writes with one write(); what the socket does not take waits in `out` (and keeps its order). */
static void u_send(struct uconn *c, const char *p, size_t n) {
  if (c->dead) return;
  if (c->out.len > c->out_off) {
    buf_append(&c->out, p, n);
    return;
  }
  ssize_t w;
  do w = write(c->fd, p, n);
  while (w < 0 && errno == EINTR);
  if (w < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      u_close(c); /* the client went away (EPIPE, ECONNRESET): its stream is dropped */
      return;
    }
    w = 0;
  }
  if ((size_t)w < n) {
    c->out.len = 0;
    c->out_off = 0;
    buf_append(&c->out, p + w, n - (size_t)w);
    u_events(c, EPOLLIN | EPOLLOUT);
  }
}

static void u_process(struct uconn *c);

static void u_flush(struct uconn *c) {
  while (c->out_off < c->out.len) {
    ssize_t w = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      u_close(c);
      return;
    }
    c->out_off += (size_t)w;
  }
  c->out.len = c->out_off = 0;
  u_events(c, EPOLLIN);
  if (c->close_after && !c->streaming) u_close(c);
}

/* A complete response that is not a stream (health, models, errors), with content-length. */
static void u_simple(struct uconn *c, const char *status, const char *body) {
  char b[1024];
  int n = snprintf(b, sizeof b, "HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n%s\r\n%s", status, strlen(body),
                   c->keep_alive ? "" : "connection: close\r\n", body);
  if (n < 0 || (size_t)n >= sizeof b) die("response too long");
  u_send(c, b, (size_t)n);
}

/* One SSE event as one HTTP chunk: "<hex size>\r\n<event>\r\n". */
static size_t frame(char *dst, size_t cap, const char *event, size_t n) {
  char hex[16];
  size_t h = 0;
  for (size_t v = n; h == 0 || v > 0; v >>= 4) hex[h++] = "0123456789abcdef"[v & 15];
  if (h + 2 + n + 2 > cap) die("event too long");
  for (size_t i = 0; i < h; i++) dst[i] = hex[h - 1 - i];
  memcpy(dst + h, "\r\n", 2);
  memcpy(dst + h + 2, event, n);
  memcpy(dst + h + 2 + n, "\r\n", 2);
  return h + 2 + n + 2;
}

/* The fixed part of every chunk of one stream, as vLLM writes it: id, object, created, model. */
static void u_common(struct uconn *c) {
  int n = snprintf(c->common, sizeof c->common,
                   "{\"id\":\"chatcmpl-%032llx\",\"object\":\"chat.completion.chunk\",\"created\":%lld,\"model\":\"" MODEL "\",\"choices\":",
                   U.next_id++, U.created);
  if (n < 0 || (size_t)n >= sizeof c->common) die("chunk prefix too long");
  n = snprintf(c->pre, sizeof c->pre, "data: %s[{\"index\":0,\"delta\":{\"content\":\"@", c->common);
  if (n < 0 || (size_t)n >= sizeof c->pre) die("chunk prefix too long");
  c->pre_len = (size_t)n;
}

/* ms with three decimals, as "%.3f" prints it, without printf: this runs 20k times a second. */
static size_t format_ms(char *dst, double ms) {
  uint64_t us = (uint64_t)(ms * 1000.0 + 0.5);
  char tmp[24];
  size_t n = 0;
  uint64_t whole = us / 1000;
  do tmp[n++] = (char)('0' + whole % 10);
  while ((whole /= 10) > 0);
  size_t o = 0;
  while (n > 0) dst[o++] = tmp[--n];
  unsigned frac = (unsigned)(us % 1000);
  dst[o++] = '.';
  dst[o++] = (char)('0' + frac / 100);
  dst[o++] = (char)('0' + frac / 10 % 10);
  dst[o++] = (char)('0' + frac % 10);
  return o;
}

static void u_start_stream(struct uconn *c, int usage) {
  static const char hdr[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
                            "transfer-encoding: chunked\r\n";
  char ev[512], out[1024];
  u_common(c);
  int n = snprintf(ev, sizeof ev, "data: %s[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
                   c->common);
  if (n < 0 || (size_t)n >= sizeof ev) die("role chunk too long");
  /* Head and role chunk in one write, as Node's http sends a head with the first body write. */
  size_t o = sizeof hdr - 1;
  memcpy(out, hdr, o);
  if (!c->keep_alive) {
    memcpy(out + o, "connection: close\r\n", 19);
    o += 19;
  }
  memcpy(out + o, "\r\n", 2);
  o += 2;
  o += frame(out + o, sizeof out - o, ev, (size_t)n);
  c->streaming = 1;
  c->usage = usage;
  c->sent = 0;
  u_send(c, out, o);
  if (c->dead) return;
  c->t0 = now_ms();
  c->due = c->t0 + U.prefill;
  heap_push(c);
}

/* The next content chunk; the timestamp is taken as late as possible, right before the write. */
static void u_send_content(struct uconn *c) {
  static const char suffix[] = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
  char ev[sizeof c->pre + 32 + sizeof suffix], out[sizeof ev + 16];
  size_t n = c->pre_len;
  memcpy(ev, c->pre, n);
  n += format_ms(ev + n, now_ms());
  memcpy(ev + n, suffix, sizeof suffix - 1);
  n += sizeof suffix - 1;
  u_send(c, out, frame(out, sizeof out, ev, n));
}

/* Finish chunk, usage chunk if asked, [DONE] and the last-chunk marker: due at the same instant, so one write,
 * each event still in its own HTTP chunk. */
static void u_send_tail(struct uconn *c) {
  char ev[512], out[1600];
  size_t o = 0;
  int n = snprintf(ev, sizeof ev,
                   "data: %s[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n", c->common);
  if (n < 0 || (size_t)n >= sizeof ev) die("finish chunk too long");
  o += frame(out + o, sizeof out - o, ev, (size_t)n);
  if (c->usage) {
    n = snprintf(ev, sizeof ev, "data: %s[],\"usage\":{\"prompt_tokens\":52,\"total_tokens\":%d,\"completion_tokens\":%d}}\n\n", c->common, 52 + U.chunks,
                 U.chunks);
    if (n < 0 || (size_t)n >= sizeof ev) die("usage chunk too long");
    o += frame(out + o, sizeof out - o, ev, (size_t)n);
  }
  o += frame(out + o, sizeof out - o, "data: [DONE]\n\n", 14);
  if (o + 5 > sizeof out) die("tail too long");
  memcpy(out + o, "0\r\n\r\n", 5);
  o += 5;
  u_send(c, out, o);
}

static void u_end_stream(struct uconn *c) {
  heap_remove(c);
  u_send_tail(c);
  c->streaming = 0;
  if (c->dead) return;
  if (c->close_after) {
    if (c->out.len == c->out_off) u_close(c);
    return;
  }
  u_process(c); /* a request that arrived while the stream ran */
}

static void body_append(void *ctx, const char *p, size_t n) { buf_append(&((struct uconn *)ctx)->body, p, n); }

/* "include_usage" : true, with any whitespace: the body is not parsed as JSON (the benchmark's clients send
 * valid JSON; a body that does not look like an object gets today's 400). */
static int wants_usage(const char *p, size_t n) {
  static const char key[] = "\"include_usage\"";
  const char *end = p + n;
  for (const char *k = memmem(p, n, key, sizeof key - 1); k != NULL; k = memmem(k + 1, (size_t)(end - k - 1), key, sizeof key - 1)) {
    const char *q = k + sizeof key - 1;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')) q++;
    if (q >= end || *q != ':') continue;
    q++;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')) q++;
    if (end - q >= 4 && memcmp(q, "true", 4) == 0) return 1;
  }
  return 0;
}

static int looks_like_object(const char *p, size_t n) {
  size_t i = 0, j = n;
  while (i < j && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  while (j > i && (p[j - 1] == ' ' || p[j - 1] == '\t' || p[j - 1] == '\r' || p[j - 1] == '\n')) j--;
  return j - i >= 2 && p[i] == '{' && p[j - 1] == '}';
}

enum { R_HEALTH, R_MODELS, R_CHAT, R_NOT_FOUND };

static int route_of(const struct head *h) {
  size_t tl = h->target_len;
  const char *q = memchr(h->target, '?', tl);
  if (q != NULL) tl = (size_t)(q - h->target);
  int get = token_eq(h->method, h->method_len, "GET");
  if (get && token_eq(h->target, tl, "/health")) return R_HEALTH;
  if (get && token_eq(h->target, tl, "/v1/models")) return R_MODELS;
  if (token_eq(h->method, h->method_len, "POST") && token_eq(h->target, tl, "/v1/chat/completions")) return R_CHAT;
  return R_NOT_FOUND;
}

static void u_respond(struct uconn *c) {
  const char *body = c->body.p != NULL ? c->body.p : "";
  size_t n = c->body.len;
  switch (c->route) {
  case R_HEALTH: u_simple(c, "200 OK", ""); break;
  case R_MODELS: u_simple(c, "200 OK", "{\"object\":\"list\",\"data\":[{\"id\":\"" MODEL "\",\"object\":\"model\"}]}"); break;
  case R_CHAT:
    if (looks_like_object(body, n)) u_start_stream(c, wants_usage(body, n));
    else u_simple(c, "400 Bad Request", "{\"error\":{\"message\":\"invalid JSON\",\"type\":\"invalid_request_error\",\"code\":400}}");
    break;
  default: u_simple(c, "404 Not Found", "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\",\"code\":404}}");
  }
}

/* A request that cannot be read: answered, and the connection closed (what follows it cannot be framed). */
static void u_reject(struct uconn *c, const char *status) {
  c->keep_alive = 0;
  c->close_after = 1;
  u_simple(c, status, "");
  if (!c->dead && c->out.len == c->out_off) u_close(c);
}

/* Reads requests from `in` until one starts a stream or more bytes are needed. The head is parsed into scalars
 * and consumed at once, so nothing points into `in` when it grows. */
static void u_process(struct uconn *c) {
  while (!c->dead && !c->streaming && !c->close_after) {
    if (!c->have_head) {
      char *e = c->in.len >= 4 ? memmem(c->in.p, c->in.len, "\r\n\r\n", 4) : NULL;
      if (e == NULL) {
        if (c->in.len > MAX_HEAD) u_reject(c, "431 Request Header Fields Too Large");
        return;
      }
      size_t hl = (size_t)(e + 4 - c->in.p);
      struct head h;
      if (parse_head(c->in.p, hl, 1, &h) != 0) {
        u_reject(c, "400 Bad Request");
        return;
      }
      c->route = route_of(&h);
      /* Chunked responses need HTTP/1.1: an HTTP/1.0 client gets its answer and then the connection closes (no
       * benchmark peer speaks 1.0 to its upstream). */
      c->keep_alive = !h.http10 && !h.conn_close;
      c->chunked = h.chunked;
      c->need = h.chunked || h.content_length < 0 ? 0 : (size_t)h.content_length;
      memset(&c->dec, 0, sizeof c->dec);
      c->body.len = 0;
      c->have_head = 1;
      buf_consume(&c->in, hl);
      /* curl asks before sending a body over 1 KiB; Node, undici and nginx never do. */
      if (h.expect_continue && (c->chunked || c->in.len < c->need)) u_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
      if (c->dead) return;
    }
    if (c->chunked) {
      ssize_t used = chunked_feed(&c->dec, c->in.p, c->in.len, body_append, c);
      if (used < 0) {
        u_reject(c, "400 Bad Request");
        return;
      }
      buf_consume(&c->in, (size_t)used);
      if (c->dec.st != CH_DONE) return;
    } else {
      size_t take = c->need - c->body.len < c->in.len ? c->need - c->body.len : c->in.len;
      buf_append(&c->body, c->in.p, take);
      buf_consume(&c->in, take);
      if (c->body.len < c->need) return;
    }
    c->have_head = 0;
    if (!c->keep_alive) c->close_after = 1;
    u_respond(c);
    if (!c->dead && c->close_after && !c->streaming && c->out.len == c->out_off) u_close(c);
  }
}

static void u_read(struct uconn *c) {
  for (;;) {
    ssize_t r = read(c->fd, iobuf, sizeof iobuf);
    if (r > 0) {
      buf_append(&c->in, iobuf, (size_t)r);
      if ((size_t)r < sizeof iobuf) break;
      continue;
    }
    if (r == 0) {
      u_close(c); /* the client closed; mid-stream that drops the stream */
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    u_close(c);
    return;
  }
  if (c->streaming) {
    if (c->in.len > MAX_PENDING_IN) u_close(c);
    return;
  }
  u_process(c);
}

static int emfile_said;

static void u_accept(void) {
  for (;;) {
    int fd = accept4(U.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if ((errno == EMFILE || errno == ENFILE) && U.spare >= 0) {
        /* Out of descriptors: accept with the spare one and close, so the client sees a reset instead of the
         * listener staying readable and the loop spinning. */
        warn_once(&emfile_said, "accept: %s (connections are being refused)", strerror(errno));
        if (close(U.spare) != 0) die("close: %s", strerror(errno));
        int x = accept4(U.lfd, NULL, NULL, SOCK_CLOEXEC);
        if (x >= 0 && close(x) != 0) die("close: %s", strerror(errno));
        U.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (U.spare < 0) die("open /dev/null: %s", strerror(errno));
        continue;
      }
      fprintf(stderr, "harness: warning: accept: %s\n", strerror(errno));
      return;
    }
    set_nodelay(fd);
    struct uconn *c = xcalloc(sizeof *c);
    c->fd = fd;
    c->hidx = SIZE_MAX;
    c->ev = EPOLLIN;
    epoll_set(U.ep, EPOLL_CTL_ADD, fd, EPOLLIN, c);
  }
}

/* Sends every chunk that is due. A stream's chunks follow its own timeline (t0 + prefill + k * interval), so a
 * late wake-up sends the overdue ones at once instead of stretching the stream. At most `budget` per call, so
 * that --interval-ms 0 cannot starve accepts and reads (the loop comes back with a zero timeout). */
static void u_timers(double now) {
  for (int budget = 8192; budget > 0 && U.hn > 0 && U.heap[0]->due <= now; budget--) {
    struct uconn *c = U.heap[0];
    u_send_content(c);
    if (c->dead) continue; /* u_close took it off the heap */
    c->sent++;
    if (c->sent < U.chunks) {
      c->due = c->t0 + U.prefill + c->sent * U.interval;
      heap_down(0);
    } else {
      u_end_stream(c);
    }
  }
}

static double num_arg(const char *name, const char *v) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (errno != 0 || end == v || *end != '\0' || !isfinite(d) || d < 0) die("%s needs a non-negative number, got \"%s\"", name, v);
  return d;
}

static _Noreturn void run_upstream(int argc, char **argv) {
  U.chunks = 40;
  U.interval = 10;
  U.prefill = 0;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) die("%s needs a value", argv[i]);
    if (strcmp(argv[i], "--chunks") == 0) U.chunks = (int)num_arg(argv[i], argv[i + 1]);
    else if (strcmp(argv[i], "--interval-ms") == 0) U.interval = num_arg(argv[i], argv[i + 1]);
    else if (strcmp(argv[i], "--prefill-ms") == 0) U.prefill = num_arg(argv[i], argv[i + 1]);
    else die("upstream: unknown option %s (--chunks N --interval-ms X --prefill-ms P)", argv[i]);
  }
  if (U.chunks < 1) die("--chunks must be at least 1");
  U.created = (long long)time(NULL);
  U.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (U.spare < 0) die("open /dev/null: %s", strerror(errno));

  U.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (U.lfd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  if (setsockopt(U.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("SO_REUSEADDR: %s", strerror(errno));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(U.lfd, (struct sockaddr *)&a, sizeof a) != 0) die("bind 127.0.0.1:0: %s", strerror(errno));
  if (listen(U.lfd, 4096) != 0) die("listen: %s", strerror(errno));
  socklen_t al = sizeof a;
  if (getsockname(U.lfd, (struct sockaddr *)&a, &al) != 0) die("getsockname: %s", strerror(errno));

  U.ep = epoll_create1(EPOLL_CLOEXEC);
  if (U.ep < 0) die("epoll_create1: %s", strerror(errno));
  epoll_set(U.ep, EPOLL_CTL_ADD, U.lfd, EPOLLIN, &LISTEN_TAG);
  watch_stdin(U.ep);
  if (printf("PORT %d\n", ntohs(a.sin_port)) < 0 || fflush(stdout) != 0) die("stdout: %s", strerror(errno));

  struct epoll_event evs[EVENTS];
  for (;;) {
    double now = now_ms();
    u_timers(now);
    int n = epoll_wait(U.ep, evs, EVENTS, U.hn > 0 ? timeout_until(U.heap[0]->due, now_ms()) : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == &LISTEN_TAG) {
        u_accept();
        continue;
      }
      if (p == &STDIN_TAG) {
        stdin_readable();
        continue;
      }
      struct uconn *c = p;
      if (c->dead) continue;
      if (evs[i].events & EPOLLOUT) u_flush(c);
      if (!c->dead && (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) u_read(c);
    }
    while (U.dead != NULL) {
      struct uconn *d = U.dead;
      U.dead = d->next_dead;
      free(d);
    }
  }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Load mode: recording                                                                                        */

/* Float64 samples go to files as they are taken (Node reads them back as a Float64Array), so the generator's
 * memory stays flat over a soak and nothing is formatted as text. */
struct sample_file {
  FILE *f;
  char path[4096];
};

static void sf_open(struct sample_file *s, const char *dir, const char *name, int k) {
  int n = snprintf(s->path, sizeof s->path, "%s/%s-%d.f64", dir, name, k);
  if (n < 0 || (size_t)n >= sizeof s->path) die("--out path too long");
  s->f = fopen(s->path, "wb");
  if (s->f == NULL) die("open %s: %s", s->path, strerror(errno));
  if (setvbuf(s->f, NULL, _IOFBF, 1 << 16) != 0) die("setvbuf: %s", strerror(errno));
}

static void sf_add(struct sample_file *s, double x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  uint64_t u;
  memcpy(&u, &x, 8);
  u = __builtin_bswap64(u);
  memcpy(&x, &u, 8);
#endif
  if (fwrite(&x, sizeof x, 1, s->f) != 1) die("write %s: %s", s->path, strerror(errno));
}

static void sf_close(struct sample_file *s) {
  if (fclose(s->f) != 0) die("close %s: %s", s->path, strerror(errno));
  s->f = NULL;
}

struct error_count {
  char kind[48];
  long count;
};

/* What was recorded since the last interval line: the counterpart of recorder.ts's Recorded. */
static struct {
  int k;
  struct sample_file ttft, chunk;
  long requests, chunks;
  struct error_count *errors;
  size_t nerrors, errcap;
} R;

static const char *out_dir;

static void rec_open(void) {
  sf_open(&R.ttft, out_dir, "ttft", R.k);
  sf_open(&R.chunk, out_dir, "chunk", R.k);
  R.requests = R.chunks = 0;
  R.nerrors = 0;
}

static void rec_error(const char *kind, long n) {
  for (size_t i = 0; i < R.nerrors; i++) {
    if (strcmp(R.errors[i].kind, kind) == 0) {
      R.errors[i].count += n;
      return;
    }
  }
  if (R.nerrors == R.errcap) {
    R.errcap = R.errcap ? R.errcap * 2 : 8;
    R.errors = xrealloc(R.errors, R.errcap * sizeof *R.errors);
  }
  snprintf(R.errors[R.nerrors].kind, sizeof R.errors[R.nerrors].kind, "%s", kind);
  R.errors[R.nerrors++].count = n;
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') printf("\\%c", ch);
    else if (ch < 0x20) printf("\\u%04x", ch);
    else putchar(ch);
  }
  putchar('"');
}

static void line_end(void) {
  if (puts("}") == EOF || fflush(stdout) != 0) die("stdout: %s", strerror(errno));
}

/* Closes the current files, prints what they hold ({"type":..., <head>, requests, chunks, errors, files}),
 * and opens the next ones unless this was the last take. `head` is the line's own fields, with a trailing comma. */
static void rec_take(const char *type, const char *head, int last) {
  sf_close(&R.ttft);
  sf_close(&R.chunk);
  printf("{\"type\":\"%s\",%s\"requests\":%ld,\"chunks\":%ld,\"errors\":{", type, head, R.requests, R.chunks);
  for (size_t i = 0; i < R.nerrors; i++) {
    if (i > 0) putchar(',');
    json_string(R.errors[i].kind);
    printf(":%ld", R.errors[i].count);
  }
  printf("},\"ttftFile\":");
  json_string(R.ttft.path);
  printf(",\"chunkFile\":");
  json_string(R.chunk.path);
  line_end();
  if (last) return;
  R.k++;
  rec_open();
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Load mode: connections and responses                                                                        */

enum { L_CONNECTING, L_SENDING, L_WAITING, L_IDLE };
enum { P_HEAD, P_BODY };
enum { F_LENGTH, F_CHUNKED, F_CLOSE };

struct lconn {
  int fd;
  int dead;
  int state;
  uint32_t ev;
  size_t req_off;
  /* Response. */
  int phase;
  struct buf head;
  int status;
  int framing;
  int keep_alive;
  uint64_t left;
  struct chunked dec;
  /* SSE bytes not yet ended by a blank line, and where the search for one resumes. */
  struct buf evb;
  size_t evscan;
  /* The stream: its request was sent at sent_at (ms); `now` is when the bytes being parsed were read. */
  int measured;
  double sent_at;
  double now;
  int content;
  int usage;
  int done;
  struct lconn *next_dead;
};

static struct {
  int ep;
  struct sockaddr_in addr;
  char *req;
  size_t req_len;
  int chunks;
  int usage;
  long in_flight;
  /* Idle keep-alive connections, most recently used on top (LIFO keeps the working set of sockets small). */
  struct lconn **idle;
  size_t nidle, idlecap;
  struct lconn *dead;
} L;

static void l_events(struct lconn *c, uint32_t ev) {
  if (c->ev == ev) return;
  c->ev = ev;
  epoll_set(L.ep, EPOLL_CTL_MOD, c->fd, ev, c);
}

static void l_close(struct lconn *c) {
  if (c->dead) return;
  c->dead = 1;
  if (c->state == L_IDLE) {
    for (size_t i = L.nidle; i-- > 0;) {
      if (L.idle[i] == c) {
        memmove(L.idle + i, L.idle + i + 1, (L.nidle - i - 1) * sizeof *L.idle);
        L.nidle--;
        break;
      }
    }
  }
  if (close(c->fd) != 0) fprintf(stderr, "harness: warning: close: %s\n", strerror(errno));
  buf_free(&c->head);
  buf_free(&c->evb);
  c->next_dead = L.dead;
  L.dead = c;
}

/* The stream ended, well or not: counted as today's stream-probe.ts does (onResponseEnd / onResponseError). */
static void l_outcome(struct lconn *c, const char *error_kind) {
  L.in_flight--;
  if (!c->measured) return;
  R.requests++;
  char kind[48];
  if (error_kind != NULL) rec_error(error_kind, 1);
  else if (c->status != 200) {
    snprintf(kind, sizeof kind, "http_%d", c->status);
    rec_error(kind, 1);
  } else if (c->content != L.chunks || !c->done) rec_error("incomplete", 1);
  else if (c->usage != (L.usage ? 1 : 0)) rec_error(c->usage > 0 ? "unexpected_usage" : "missing_usage", 1);
}

static void l_fail(struct lconn *c, const char *kind) {
  if (c->state != L_IDLE) l_outcome(c, kind);
  l_close(c);
}

static void l_fail_errno(struct lconn *c, int e) {
  char tmp[32];
  l_fail(c, errno_kind(e, tmp, sizeof tmp));
}

/* One SSE event: a content chunk (its embedded write time read with a digit loop, no JSON parse), [DONE], or
 * a usage chunk. */
static void l_event(struct lconn *c, const char *e, size_t n) {
  static const char marker[] = "\"content\":\"@";
  const char *m = memmem(e, n, marker, sizeof marker - 1);
  if (m != NULL) {
    const char *q = m + sizeof marker - 1, *end = e + n;
    double v = 0;
    while (q < end && *q >= '0' && *q <= '9') v = v * 10 + (*q++ - '0');
    if (q < end && *q == '.') {
      double scale = 0.1;
      for (q++; q < end && *q >= '0' && *q <= '9'; q++, scale /= 10) v += (*q - '0') * scale;
    }
    if (c->measured) {
      if (c->content == 0) sf_add(&R.ttft, c->now - c->sent_at);
      sf_add(&R.chunk, c->now - v);
      R.chunks++;
    }
    c->content++;
    return;
  }
  if (n >= 12 && memcmp(e, "data: [DONE]", 12) == 0) c->done = 1;
  else if (memmem(e, n, "\"usage\":{", 9) != NULL) c->usage++;
}

/* Body bytes (chunk framing already removed): events end at a blank line, which may fall in a later read. */
static void l_sse(void *ctx, const char *p, size_t n) {
  struct lconn *c = ctx;
  if (c->status != 200 || n == 0) return;
  buf_append(&c->evb, p, n);
  size_t start = 0, from = c->evscan;
  for (;;) {
    char *e = memmem(c->evb.p + from, c->evb.len - from, "\n\n", 2);
    if (e == NULL) break;
    size_t end = (size_t)(e - c->evb.p);
    l_event(c, c->evb.p + start, end - start);
    start = from = end + 2;
  }
  buf_consume(&c->evb, start);
  c->evscan = c->evb.len > 0 ? c->evb.len - 1 : 0;
}

/* The response is complete: record it and keep the connection for the next arrival when it allows that. */
static void l_finish(struct lconn *c, int leftover) {
  l_outcome(c, NULL);
  if (!c->keep_alive || c->framing == F_CLOSE || leftover) {
    l_close(c);
    return;
  }
  c->state = L_IDLE;
  c->head.len = 0;
  c->evb.len = 0;
  if (L.nidle == L.idlecap) {
    L.idlecap = L.idlecap ? L.idlecap * 2 : 256;
    L.idle = xrealloc(L.idle, L.idlecap * sizeof *L.idle);
  }
  L.idle[L.nidle++] = c;
}

static void l_body(struct lconn *c, const char *p, size_t n) {
  if (c->framing == F_LENGTH) {
    size_t take = (uint64_t)n < c->left ? n : (size_t)c->left;
    l_sse(c, p, take);
    c->left -= take;
    if (c->left == 0) l_finish(c, take < n);
  } else if (c->framing == F_CHUNKED) {
    ssize_t used = chunked_feed(&c->dec, p, n, l_sse, c);
    if (used < 0) l_fail(c, "bad_chunk_framing");
    else if (c->dec.st == CH_DONE) l_finish(c, (size_t)used < n);
  } else {
    l_sse(c, p, n);
  }
}

static void l_feed(struct lconn *c, const char *p, size_t n) {
  if (c->state != L_WAITING && c->state != L_SENDING) {
    l_close(c); /* bytes nobody asked for (an idle connection): it cannot be trusted with a request */
    return;
  }
  if (c->phase == P_BODY) {
    l_body(c, p, n);
    return;
  }
  size_t old = c->head.len;
  buf_append(&c->head, p, n);
  size_t from = old > 3 ? old - 3 : 0;
  char *e = memmem(c->head.p + from, c->head.len - from, "\r\n\r\n", 4);
  if (e == NULL) {
    if (c->head.len > MAX_HEAD) l_fail(c, "bad_response");
    return;
  }
  size_t hl = (size_t)(e + 4 - c->head.p);
  struct head h;
  if (parse_head(c->head.p, hl, 0, &h) != 0) {
    l_fail(c, "bad_response");
    return;
  }
  c->status = h.status;
  c->keep_alive = !h.http10 && !h.conn_close;
  c->phase = P_BODY;
  if (h.status == 204 || h.status == 304 || (h.status >= 100 && h.status < 200)) {
    /* Interim (1xx) answers are not expected from any path: counted as http_1xx with the connection dropped. */
    c->keep_alive = c->keep_alive && h.status >= 200;
    l_finish(c, hl < c->head.len);
    return;
  }
  if (h.chunked) {
    c->framing = F_CHUNKED;
    memset(&c->dec, 0, sizeof c->dec);
  } else if (h.content_length >= 0) {
    c->framing = F_LENGTH;
    c->left = (uint64_t)h.content_length;
    if (c->left == 0) {
      l_finish(c, hl < c->head.len);
      return;
    }
  } else {
    c->framing = F_CLOSE;
  }
  if (hl < c->head.len) l_body(c, c->head.p + hl, c->head.len - hl);
}

static void l_read(struct lconn *c) {
  while (!c->dead) {
    ssize_t r = read(c->fd, iobuf, sizeof iobuf);
    if (r > 0) {
      c->now = now_ms();
      l_feed(c, iobuf, (size_t)r);
      if ((size_t)r < sizeof iobuf) return;
      continue;
    }
    if (r == 0) {
      if (c->state == L_IDLE) l_close(c); /* the server's keep-alive timeout */
      else if (c->phase == P_BODY && c->framing == F_CLOSE) l_finish(c, 0);
      else l_fail(c, "socket_closed");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    l_fail_errno(c, errno);
    return;
  }
}

/* Request head and body in one write; the rest, if the socket takes less, on EPOLLOUT. */
static void l_write_request(struct lconn *c) {
  while (c->req_off < L.req_len) {
    ssize_t w = write(c->fd, L.req + c->req_off, L.req_len - c->req_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        l_events(c, EPOLLIN | EPOLLOUT);
        return;
      }
      l_fail_errno(c, errno);
      return;
    }
    c->req_off += (size_t)w;
  }
  c->state = L_WAITING;
  l_events(c, EPOLLIN);
}

static void l_connected(struct lconn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    l_fail_errno(c, err);
    return;
  }
  c->state = L_SENDING;
  l_write_request(c);
}

/* One arrival: the request goes out now on an idle connection, or on a new one once it connects. */
static void l_fire(int measured) {
  L.in_flight++;
  struct lconn *c = L.nidle > 0 ? L.idle[--L.nidle] : NULL;
  double sent_at = now_ms();
  if (c == NULL) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      char tmp[32];
      L.in_flight--;
      if (measured) {
        R.requests++;
        rec_error(errno_kind(errno, tmp, sizeof tmp), 1);
      }
      return;
    }
    set_nodelay(fd);
    c = xcalloc(sizeof *c);
    c->fd = fd;
    int r = connect(fd, (struct sockaddr *)&L.addr, sizeof L.addr);
    int cerr = r == 0 ? 0 : errno;
    c->state = r == 0 ? L_SENDING : L_CONNECTING;
    c->ev = r == 0 ? EPOLLIN : EPOLLOUT;
    epoll_set(L.ep, EPOLL_CTL_ADD, fd, c->ev, c);
    c->measured = measured;
    c->sent_at = sent_at;
    if (r != 0 && cerr != EINPROGRESS) {
      l_fail_errno(c, cerr);
      return;
    }
  } else {
    c->state = L_SENDING;
  }
  c->measured = measured;
  c->sent_at = sent_at;
  c->req_off = 0;
  c->phase = P_HEAD;
  c->head.len = 0;
  c->evb.len = 0;
  c->evscan = 0;
  c->content = c->usage = c->done = 0;
  c->status = 0;
  if (c->state == L_SENDING) l_write_request(c);
}

/* splitmix64: seeded, so a seed gives the same arrival times on every path of a round. */
static uint64_t rng_state;
static double rng_uniform(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

/* An exponential gap (ms) between Poisson arrivals at `rate` per second. */
static double gap_ms(double rate) { return -log(1.0 - rng_uniform()) / rate * 1000.0; }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("open %s: %s", path, strerror(errno));
  struct buf b = {0};
  for (;;) {
    buf_reserve(&b, 65536);
    size_t r = fread(b.p + b.len, 1, b.cap - b.len, f);
    b.len += r;
    if (r == 0) break;
  }
  if (ferror(f)) die("read %s: %s", path, strerror(errno));
  if (fclose(f) != 0) die("close %s: %s", path, strerror(errno));
  *len = b.len;
  return b.p;
}

static int run_load(int argc, char **argv) {
  double port = -1, rate = -1, warmup = 0, seconds = -1, seed = 1, interval = 0, drain = 30;
  const char *body_path = NULL;
  int chunks = -1, usage = 0;
  for (int i = 2; i < argc; i += 2) {
    const char *k = argv[i];
    if (i + 1 >= argc) die("%s needs a value", k);
    const char *v = argv[i + 1];
    if (strcmp(k, "--port") == 0) port = num_arg(k, v);
    else if (strcmp(k, "--rate") == 0) rate = num_arg(k, v);
    else if (strcmp(k, "--warmup") == 0) warmup = num_arg(k, v);
    else if (strcmp(k, "--seconds") == 0) seconds = num_arg(k, v);
    else if (strcmp(k, "--seed") == 0) seed = num_arg(k, v);
    else if (strcmp(k, "--body") == 0) body_path = v;
    else if (strcmp(k, "--chunks") == 0) chunks = (int)num_arg(k, v);
    else if (strcmp(k, "--usage") == 0) usage = num_arg(k, v) != 0;
    else if (strcmp(k, "--out") == 0) out_dir = v;
    else if (strcmp(k, "--interval") == 0) interval = num_arg(k, v);
    else if (strcmp(k, "--drain-timeout") == 0) drain = num_arg(k, v);
    else die("load: unknown option %s", k);
  }
  if (port < 1 || port > 65535 || rate <= 0 || seconds < 0 || body_path == NULL || chunks < 1 || out_dir == NULL)
    die("load needs --port P --rate R --seconds S --body FILE --chunks N --out DIR (and optionally --warmup W --seed N "
        "--usage 0|1 --interval S --drain-timeout S)");
  L.chunks = chunks;
  L.usage = usage;
  L.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  size_t body_len;
  char *body = read_file(body_path, &body_len);
  char head[256];
  int hn = snprintf(head, sizeof head,
                    "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n\r\n",
                    (int)port, body_len);
  if (hn < 0 || (size_t)hn >= sizeof head) die("request head too long");
  L.req_len = (size_t)hn + body_len;
  L.req = xrealloc(NULL, L.req_len);
  memcpy(L.req, head, (size_t)hn);
  if (body_len > 0) memcpy(L.req + hn, body, body_len);
  free(body);
  rng_state = (uint64_t)seed;
  rec_open();

  L.ep = epoll_create1(EPOLL_CLOEXEC);
  if (L.ep < 0) die("epoll_create1: %s", strerror(errno));
  watch_stdin(L.ep);

  struct buf lags = {0};
  long offered = 0, samples = 0;
  double in_flight_sum = 0;
  const double t0 = now_ms(), ws = t0 + warmup * 1000, we = ws + seconds * 1000;
  double next = t0 + gap_ms(rate), next_sample = INFINITY, next_tick = INFINITY, last_tick = 0, drain_until = INFINITY;
  int phase = 0; /* 0 warm-up, 1 measured window, 2 drain */
  struct epoll_event evs[EVENTS];
  for (;;) {
    double now = now_ms();
    if (phase == 0 && now >= ws) {
      phase = 1;
      printf("{\"type\":\"window_start\"");
      line_end();
      last_tick = now;
      next_sample = now + 100;
      if (interval > 0) next_tick = now + interval * 1000;
    }
    /* Every due arrival fires now: wake-ups come up to ~1 ms late, so several may be due at once. The lag is
     * the generator's own health: how late a measured request went out against its arrival time. */
    while (phase < 2 && next <= now && next < we) {
      int measured = next >= ws;
      if (measured) {
        offered++;
        double lag = now - next;
        buf_append(&lags, &lag, sizeof lag);
      }
      l_fire(measured);
      next += gap_ms(rate);
    }
    if (phase == 1) {
      if (now >= next_sample) {
        in_flight_sum += (double)L.in_flight;
        samples++;
        next_sample += 100;
        if (next_sample <= now) next_sample = now + 100;
      }
      if (now >= next_tick) {
        char f[64];
        snprintf(f, sizeof f, "\"elapsed\":%.3f,", (now - ws) / 1000);
        rec_take("interval", f, 0);
        last_tick = now;
        next_tick += interval * 1000;
        if (next_tick <= now) next_tick = now + interval * 1000;
      }
      if (now >= we) {
        phase = 2;
        printf("{\"type\":\"window_end\"");
        line_end();
        /* The window's last interval ends with it (streams still draining are reported with the result),
         * unless an interval line just went out: a sliver of a second says nothing. */
        if (interval > 0 && now - last_tick > 500) {
          char f[64];
          snprintf(f, sizeof f, "\"elapsed\":%.3f,", seconds);
          rec_take("interval", f, 0);
        }
        drain_until = now + drain * 1000;
      }
    }
    if (phase == 2 && (L.in_flight == 0 || now >= drain_until)) break;
    double wake = drain_until;
    if (phase < 2) {
      wake = phase == 0 ? ws : we;
      if (next < we && next < wake) wake = next;
      if (next_sample < wake) wake = next_sample;
      if (next_tick < wake) wake = next_tick;
    }
    int n = epoll_wait(L.ep, evs, EVENTS, timeout_until(wake, now_ms()));
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == &STDIN_TAG) {
        stdin_readable();
        continue;
      }
      struct lconn *c = p;
      uint32_t e = evs[i].events;
      if (c->dead) continue;
      if (c->state == L_CONNECTING) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) l_connected(c);
        continue;
      }
      if ((e & EPOLLOUT) && c->state == L_SENDING) l_write_request(c);
      if (!c->dead && (e & (EPOLLIN | EPOLLERR | EPOLLHUP))) l_read(c);
    }
    while (L.dead != NULL) {
      struct lconn *d = L.dead;
      L.dead = d->next_dead;
      free(d);
    }
  }

  long unfinished = L.in_flight;
  if (unfinished > 0) rec_error("unfinished", unfinished);
  size_t nl = lags.len / sizeof(double);
  double *lv = (double *)(void *)lags.p;
  char f[256];
  char p99[32] = "null";
  if (nl > 0) {
    qsort(lv, nl, sizeof *lv, cmp_double);
    double r = ceil(0.99 * (double)nl) - 1;
    size_t idx = r < 0 ? 0 : (size_t)r;
    if (idx > nl - 1) idx = nl - 1;
    snprintf(p99, sizeof p99, "%.4f", lv[idx]);
  }
  snprintf(f, sizeof f, "\"offered\":%ld,\"meanInFlight\":%.3f,\"lagP99Ms\":%s,\"unfinished\":%ld,", offered,
           samples > 0 ? in_flight_sum / (double)samples : 0.0, p99, unfinished);
  rec_take("result", f, 1);
  return 0;
}

int main(int argc, char **argv) {
  /* A peer that closes mid-write must be an EPIPE to handle, not a signal that kills us. */
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die("signal(SIGPIPE): %s", strerror(errno));
  raise_fd_limit();
  if (argc >= 2 && strcmp(argv[1], "upstream") == 0) run_upstream(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "load") == 0) return run_load(argc, argv);
  fprintf(stderr,
          "usage: harness upstream --chunks N --interval-ms X --prefill-ms P\n"
          "       harness load --port P --rate R --warmup W --seconds S --seed N --body FILE --chunks N --usage 0|1 --out DIR\n"
          "                    [--interval S] [--drain-timeout S]\n");
  return 2;
}
