/* fleetload.c - sensor-fleet load generator for scripts/bench-fleet.mjs (single thread, epoll).
 * Build: cc -O2 -o fleetload fleetload.c
 * C connections publish QoS 1 at R msgs/s each (message m goes from connection m % C at
 * t0 + m / (C * R): evenly spread, no bursts), topic fleet/<i>/t, payload = send time + m.
 * A wildcard subscriber (fleet/#, QoS 1) on the broker measures publish -> subscriber latency;
 * a second subscriber on the cloud broker (--cloud-port) counts what the bridge forwarded.
 * Broker CPU (utime+stime of /proc/PID/stat) and RSS are read over the measured window, after
 * --warmup seconds. Prints one JSON line. MQTT 3.1.1; pre-encoded packets; cheap on purpose. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum { R_PUB, R_SUB, R_CLOUD };
typedef struct {
  int fd, role, idx, ready, closed, connecting;
  uint8_t *rb; uint32_t rlen, rcap;
  uint8_t *wb; uint32_t wlen, wcap;
  uint16_t mid; uint64_t acked;
} conn_t;

static int tfd = -1, C = 1000, port = 1883, cloud_port = 0, bpid = -1, size = 64, cwin = 100;
static double rate = 1, warmup = 10, duration = 30, drain = 10;
static conn_t **cs; static int nready, nfail, ep;
static uint64_t m_next, m_warm, m_total, t0;
static uint8_t *seen_sub, *seen_cloud; static uint64_t dup_sub, n_sub, n_cloud;
static int64_t *lat; static size_t nlat;

static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec; }
static void die(const char *m) { perror(m); exit(2); }
static double proc_cpu(int pid) {
  char path[64], buf[1024]; unsigned long ut = 0, st = 0;
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r"); if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
  char *p = strrchr(buf, ')'); if (!p) return -1;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
static long proc_kb(int pid, const char *key) {
  char path[64], line[256]; long v = -1; size_t kl = strlen(key);
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r"); if (!f) return -1;
  while (fgets(line, sizeof line, f)) if (!strncmp(line, key, kl) && line[kl] == ':') { v = strtol(line + kl + 1, NULL, 10); break; }
  fclose(f); return v;
}
static double self_cpu(void) {
  struct rusage r; getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int put_str(uint8_t *p, const char *s) { size_t l = strlen(s); p[0] = (uint8_t)(l >> 8); p[1] = (uint8_t)l; memcpy(p + 2, s, l); return (int)l + 2; }
static void wput(conn_t *c, const void *d, uint32_t n) {
  if (c->wlen + n > c->wcap) { c->wcap = (c->wlen + n) * 2; c->wb = realloc(c->wb, c->wcap); if (!c->wb) die("realloc"); }
  memcpy(c->wb + c->wlen, d, n); c->wlen += n;
}
static void flush(conn_t *c) {
  uint32_t off = 0;
  while (off < c->wlen) {
    ssize_t n = send(c->fd, c->wb + off, c->wlen - off, MSG_NOSIGNAL);
    if (n < 0) { if (errno == EINTR) continue; if (errno == EAGAIN) break; c->closed = 1; return; }
    off += (uint32_t)n;
  }
  if (off) { memmove(c->wb, c->wb + off, c->wlen - off); c->wlen -= off; }
}
static void put_connect(conn_t *c) {
  uint8_t b[128], v[100]; char id[48]; int n = 10;
  snprintf(id, sizeof id, "fl%d%c%d", (int)getpid(), "psc"[c->role], c->idx);
  static const uint8_t vh[10] = { 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 120 }; /* clean session, keepalive 120 s */
  memcpy(v, vh, 10); n += put_str(v + n, id);
  b[0] = 0x10; b[1] = (uint8_t)n; memcpy(b + 2, v, (size_t)n); wput(c, b, (uint32_t)n + 2);
}
static void put_subscribe(conn_t *c) {
  uint8_t b[32] = { 0x82, 0, 0, 1 }; int n = 4; n += put_str(b + n, "fleet/#"); b[n++] = 1;
  b[1] = (uint8_t)(n - 2); wput(c, b, (uint32_t)n);
}
static conn_t *open_conn(int role, int idx, int p) {
  conn_t *c = calloc(1, sizeof *c); if (!c) die("calloc");
  c->role = role; c->idx = idx; c->connecting = 1;
  c->rcap = role == R_PUB ? 1024 : 262144; c->rb = malloc(c->rcap); if (!c->rb) die("malloc");
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); if (c->fd < 0) die("socket");
  int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
  put_connect(c);
  struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
  return c;
}
static void on_publish(conn_t *c, uint8_t h, uint8_t *v, uint32_t rl, uint64_t now) {
  uint32_t off = 2 + (((uint32_t)v[0] << 8) | v[1]);
  if (h & 0x06) { uint8_t ack[4] = { 0x40, 2, v[off], v[off + 1] }; wput(c, ack, 4); off += 2; }
  if (rl < off + 16) return;
  uint64_t ts, m; memcpy(&ts, v + off, 8); memcpy(&m, v + off + 8, 8);
  if (m >= m_total) return;
  uint8_t *seen = c->role == R_SUB ? seen_sub : seen_cloud;
  if (seen[m]) { if (c->role == R_SUB) dup_sub++; return; }
  seen[m] = 1;
  if (c->role == R_CLOUD) { n_cloud++; return; }
  n_sub++;
  if (m >= m_warm) lat[nlat++] = (int64_t)(now - ts);
}
static void parse(conn_t *c, uint64_t now) {
  uint8_t *p = c->rb, *e = c->rb + c->rlen;
  while (e - p >= 2) {
    uint32_t rl = 0, i = 1, sh = 0;
    for (;;) { if (p + i >= e) goto partial; uint8_t b = p[i++]; rl |= (uint32_t)(b & 127) << sh; sh += 7; if (!(b & 128)) break; }
    if ((uint32_t)(e - p) < i + rl) goto partial;
    uint8_t *v = p + i;
    switch (p[0] >> 4) {
    case 3: on_publish(c, p[0], v, rl, now); break;
    case 4: c->acked++; break;
    case 2: if (rl < 2 || v[1]) { fprintf(stderr, "fleetload: CONNACK refused\n"); nfail++; break; }
            if (c->role == R_PUB) { c->ready = 1; nready++; } else put_subscribe(c); break;
    case 9: c->ready = 1; nready++; break;
    default: break;
    }
    p += i + rl;
  }
partial:
  c->rlen = (uint32_t)(e - p); if (c->rlen && p != c->rb) memmove(c->rb, p, c->rlen);
}
static void do_read(conn_t *c) {
  for (;;) {
    ssize_t n = recv(c->fd, c->rb + c->rlen, c->rcap - c->rlen, 0);
    if (n > 0) { /* a short read drained the socket: no second recv for EAGAIN (edge-triggered wakes again) */
      size_t want = c->rcap - c->rlen; c->rlen += (uint32_t)n; parse(c, now_ns());
      if ((size_t)n < want) break;
      continue;
    }
    if (n == 0) { if (!c->closed) fprintf(stderr, "fleetload: %c%d closed by broker\n", "psc"[c->role], c->idx); c->closed = 1; return; }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) c->closed = 1;
    break;
  }
  flush(c);
}
static void publish(uint64_t m) {
  conn_t *c = cs[m % (uint64_t)C]; char topic[40]; uint8_t b[300]; int n = 0;
  int tl = snprintf(topic, sizeof topic, "fleet/%d/t", c->idx);
  uint32_t rl = 2 + (uint32_t)tl + 2 + (uint32_t)size;
  b[n++] = 0x32; b[n++] = (uint8_t)(rl & 127) | (rl > 127 ? 128 : 0); if (rl > 127) b[n++] = (uint8_t)(rl >> 7);
  n += put_str(b + n, topic);
  if (++c->mid == 0) c->mid = 1;
  b[n++] = (uint8_t)(c->mid >> 8); b[n++] = (uint8_t)c->mid;
  uint64_t ts = now_ns(); memcpy(b + n, &ts, 8); memcpy(b + n + 8, &m, 8); memset(b + n + 16, 'x', (size_t)size - 16); n += size;
  wput(c, b, (uint32_t)n); flush(c);
}
static void loop_once(int tmo) {
  static struct epoll_event evs[1024];
  int n = epoll_wait(ep, evs, 1024, tmo);
  for (int i = 0; i < n; i++) {
    conn_t *c = evs[i].data.ptr;
    if (!c) { uint64_t x; if (read(tfd, &x, sizeof x) < 0) {} continue; } /* the 1 ms publish timer */
    if (c->closed) continue;
    if (c->connecting && (evs[i].events & EPOLLOUT)) c->connecting = 0;
    if (evs[i].events & EPOLLIN) do_read(c); else flush(c);
  }
}
static int cmp64(const void *a, const void *b) { int64_t x = *(const int64_t *)a, y = *(const int64_t *)b; return (x > y) - (x < y); }
static double pct(double q) { return nlat ? (double)lat[(size_t)(q * (double)(nlat - 1) + 0.5)] / 1000.0 : -1; }

int main(int argc, char **argv) {
  static struct option o[] = { { "conns", 1, 0, 'c' }, { "rate", 1, 0, 'r' }, { "port", 1, 0, 'p' }, { "cloud-port", 1, 0, 'C' },
    { "broker-pid", 1, 0, 'b' }, { "warmup", 1, 0, 'w' }, { "duration", 1, 0, 'd' }, { "drain", 1, 0, 'D' }, { "size", 1, 0, 's' }, { 0, 0, 0, 0 } };
  int ch;
  while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) switch (ch) {
    case 'c': C = atoi(optarg); break; case 'r': rate = atof(optarg); break; case 'p': port = atoi(optarg); break;
    case 'C': cloud_port = atoi(optarg); break; case 'b': bpid = atoi(optarg); break; case 'w': warmup = atof(optarg); break;
    case 'd': duration = atof(optarg); break; case 'D': drain = atof(optarg); break; case 's': size = atoi(optarg); break;
    default: fprintf(stderr, "usage: fleetload --conns C --rate R --port P [--cloud-port P] [--broker-pid PID] [--warmup S] [--duration S] [--drain S] [--size B]\n"); return 1;
  }
  if (size < 16 || size > 200 || C < 1 || rate <= 0) { fprintf(stderr, "fleetload: bad arguments\n"); return 1; }
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl);
  ep = epoll_create1(0); if (ep < 0) die("epoll_create1");
  double total_rate = C * rate;
  m_warm = (uint64_t)(warmup * total_rate); m_total = (uint64_t)((warmup + duration) * total_rate);
  seen_sub = calloc(m_total, 1); seen_cloud = calloc(m_total, 1); lat = calloc(m_total, sizeof *lat);
  /* subscribers first, then the fleet, at most cwin handshakes at a time */
  conn_t *sub = open_conn(R_SUB, 0, port), *cloud = cloud_port ? open_conn(R_CLOUD, 0, cloud_port) : NULL;
  int want = cloud ? 2 : 1; uint64_t dl = now_ns() + 10000000000ull;
  while (nready < want && now_ns() < dl && !nfail) loop_once(10);
  if (nready < want) { fprintf(stderr, "fleetload: subscribers not ready\n"); return 4; }
  cs = calloc((size_t)C, sizeof *cs);
  uint64_t tc = now_ns(); int opened = 0; dl = tc + 120000000000ull;
  while (nready < want + C && now_ns() < dl && !nfail) {
    while (opened < C && opened - (nready - want) < cwin) { cs[opened] = open_conn(R_PUB, opened, port); opened++; }
    loop_once(10);
  }
  double conn_s = (double)(now_ns() - tc) / 1e9;
  if (nready < want + C) { fprintf(stderr, "fleetload: only %d/%d publishers connected\n", nready - want, C); return 4; }
  for (int i = 0; i < 50; i++) loop_once(10); /* let the broker settle */
  long rss_conn = proc_kb(bpid, "VmRSS");
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } }; timerfd_settime(tfd, 0, &its, NULL);
  struct epoll_event tev = { .events = EPOLLIN, .data.ptr = NULL }; epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
  t0 = now_ns();
  uint64_t t_warm = t0 + (uint64_t)(warmup * 1e9), t_end = 0;
  double bc0 = -1, gc0 = 0, bc1 = -1, gc1 = 0; int measuring = 0; long rss_end = -1;
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= t_warm) { measuring = 1; bc0 = proc_cpu(bpid); gc0 = self_cpu(); }
    uint64_t due = (uint64_t)((double)(now - t0) / 1e9 * total_rate); if (due > m_total) due = m_total;
    while (m_next < due) publish(m_next++);
    if (m_next >= m_total && !t_end) { t_end = now; bc1 = proc_cpu(bpid); gc1 = self_cpu(); rss_end = proc_kb(bpid, "VmRSS"); }
    if (t_end) {
      if (n_sub >= m_total && (!cloud || n_cloud >= m_total)) break;
      if (now - t_end > (uint64_t)(drain * 1e9)) break;
    }
    loop_once(1);
  }
  double win = (double)(t_end - t_warm) / 1e9; /* the measured window: warm-up over .. last message sent */
  long hwm = proc_kb(bpid, "VmHWM");
  uint64_t lost_sub = 0, lost_cloud = 0, acked = 0;
  for (uint64_t m = m_warm; m < m_total; m++) { lost_sub += !seen_sub[m]; lost_cloud += cloud && !seen_cloud[m]; }
  for (int i = 0; i < C; i++) acked += cs[i]->acked;
  int closed = sub->closed + (cloud ? cloud->closed : 0); for (int i = 0; i < C; i++) closed += cs[i]->closed;
  qsort(lat, nlat, sizeof *lat, cmp64);
  uint64_t measured = m_total - m_warm;
  printf("{\"conns\":%d,\"rate_per_conn\":%g,\"msgs_s\":%.1f,\"connect_s\":%.2f,\"sent\":%llu,\"measured\":%llu,\"acked\":%llu,"
         "\"lost_sub\":%llu,\"lost_cloud\":%lld,\"dup_sub\":%llu,\"closed\":%d,\"window_s\":%.2f,"
         "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
         "\"broker_cpu_s\":%.2f,\"broker_cpu_pct\":%.2f,\"broker_cpu_s_per_M\":%.1f,\"broker_rss_conn_kb\":%ld,\"broker_rss_kb\":%ld,\"broker_hwm_kb\":%ld,"
         "\"gen_cpu_s\":%.3f,\"gen_cpu_pct\":%.2f}\n",
         C, rate, total_rate, conn_s, (unsigned long long)m_total, (unsigned long long)measured, (unsigned long long)acked,
         (unsigned long long)lost_sub, cloud ? (long long)lost_cloud : -1LL, (unsigned long long)dup_sub, closed, win,
         pct(0.5), pct(0.99), pct(0.999), nlat ? lat[nlat - 1] / 1000.0 : -1,
         bc1 - bc0, 100 * (bc1 - bc0) / win, (bc1 - bc0) / ((double)measured / 1e6), rss_conn, rss_end, hwm,
         gc1 - gc0, 100 * (gc1 - gc0) / win);
  return 0;
}
