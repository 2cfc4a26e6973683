/*
 * ipfailoverd native I/O: the sockets Node.js and npm cannot give us.
 *
 *   VrrpSocket   raw IPv4 or IPv6, protocol 112, on one interface. Reports each datagram's TTL /
 *                hop limit, source, destination and arrival ifindex (RFC 9568 §7.1: the receiver
 *                "MUST verify that the IPv4 TTL is 255" / "the IPv6 Hop Limit is 255"), how long
 *                ago the kernel received it, and the socket's kernel drop count. IPv6 also sends,
 *                from a source address we choose; IPv4 is sent by the raw-socket package.
 *   PacketSocket AF_PACKET: sends whole Ethernet frames (gratuitous ARP, unsolicited NA).
 *   peerCredentials  who is on the other end of a Unix socket (SO_PEERCRED, SO_PEERGROUPS): the
 *                status socket lets only root and the admin group act.
 *   changeAddress    an rtnetlink address add or delete, synchronously (rtnl_address.c).
 *
 * Plain N-API (node_api.h) and libuv. Conventions:
 *   - Addresses cross the boundary as 16-byte network-order Uint8Arrays (IPv6 send).
 *   - System errors are thrown (or given to onError) as an Error with .code = errno name (libuv's
 *     table: the names Node itself uses), .errno and .syscall.
 *   - No IPV6_CHECKSUM: TypeScript verifies and computes checksums, so bad ones reach JS and can
 *     be counted.
 *   - Received datagrams reach JavaScript in batches, one call per wake-up: see receive_batch().
 *   - An open VrrpSocket holds a strong reference to itself, so it is not garbage collected
 *     while the kernel may still deliver to it; close() drops it. Its uv_poll handle is ref'd
 *     like a dgram socket's; unref() lets the daemon's own timers and signals decide its lifetime.
 */
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>

#include "rtnl_address.h"

#define VRRP_PROTOCOL 112
#define VRRP_HOP_LIMIT 255
/* Datagrams read per readable event, at most. The poll is level-triggered, so what is left is
 * read on the next loop turn: a flood cannot starve the daemon's timers. */
#define RX_BATCH 256
/* A batch's layout, as JavaScript reads it (native.ts): one record per datagram, then the
 * datagrams. Record (host byte order): u32 message offset (from the buffer's start), u32 length,
 * i32 TTL / hop limit (-1 unknown), u32 ifindex, 16 bytes source, 16 bytes destination (IPv4:
 * the first 4), f64 age in ms (NaN: no kernel stamp). */
#define RX_RECORD_BYTES 56
#define RX_RECORDS_BYTES (RX_BATCH * RX_RECORD_BYTES)
/* The largest datagram: an IPv4 packet or an IPv6 payload (no jumbogram) is <= 65535 bytes, so
 * none is cut. A batch also ends when less than that is left. */
#define RX_MAX_DATAGRAM 65536
#define RX_DATA_BYTES (4 * RX_MAX_DATAGRAM)
#define RX_BATCH_BYTES (RX_RECORDS_BYTES + RX_DATA_BYTES)

/* ff02::12 and 224.0.0.18, the VRRP multicast groups (RFC 9568 §5.1.2.2, §5.1.1.2). */
static const struct in6_addr VRRP_GROUP6 = {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}}};
#define VRRP_GROUP4 0xe0000012u

/* Room for the control messages we send (pktinfo, hop limit) and ask for (those, IPv4 pktinfo,
 * the receive stamp and the drop count). */
typedef union {
  struct cmsghdr align;
  unsigned char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +
                      CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
} control_t;

/* ------------------------------------------------------------------------------ helpers */

/* Fills one IPPROTO_IPV6 control message; returns the next slot. */
static struct cmsghdr *put_cmsg(struct msghdr *mh, struct cmsghdr *c, int type, const void *data, size_t length) {
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(length);
  memcpy(CMSG_DATA(c), data, length);
  return CMSG_NXTHDR(mh, c);
}

/* After a failed N-API call: make sure some JS exception is pending, and return NULL to JS. */
static napi_value napi_failure(napi_env env) {
  bool pending = false;
  const napi_extended_error_info *info = NULL;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}
#define NAPI(env, call) do { if ((call) != napi_ok) return napi_failure(env); } while (0)

/* new Error("<syscall>: <strerror>") with .code, .errno and .syscall; NULL if that failed too. */
static napi_value errno_error(napi_env env, int err, const char *syscall) {
  char code[64], text[160];
  napi_value vcode, vtext, verrno, vsyscall, error;
  uv_err_name_r(-err, code, sizeof code); /* on Linux, UV_Exxx == -Exxx */
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &vcode) != napi_ok ||
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &vtext) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &vsyscall) != napi_ok ||
      napi_create_int32(env, err, &verrno) != napi_ok || napi_create_error(env, vcode, vtext, &error) != napi_ok ||
      napi_set_named_property(env, error, "errno", verrno) != napi_ok ||
      napi_set_named_property(env, error, "syscall", vsyscall) != napi_ok)
    return NULL;
  return error;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value error = errno_error(env, err, syscall);
  if (error == NULL || napi_throw(env, error) != napi_ok) return napi_failure(env);
  return NULL;
}

/* A constructor's failure before its object owns the fd: close it, then throw. */
static napi_value close_and_throw(napi_env env, int fd, int err, const char *syscall) {
  close(fd);
  return throw_errno(env, err, syscall);
}

/* The native struct behind `this`. napi_define_class gives methods a V8 signature, so `this` is
 * already known to be an instance of the method's own class ("Illegal invocation" otherwise). */
static void *unwrap_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, &data) != napi_ok) {
    napi_failure(env);
    return NULL;
  }
  return data;
}

/* A Uint8Array (Buffer included) of exactly `want` bytes, or a non-empty one if want is 0. */
static int get_bytes(napi_env env, napi_value value, size_t want, const void **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr = NULL;
  bool typed = false;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed ||
      napi_get_typedarray_info(env, value, &type, length, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      (want ? *length != want : *length == 0)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          want ? "expected a Uint8Array address of the family's length (4 or 16 bytes)" : "expected a non-empty Uint8Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

/* ---------------------------------------------------------------------------- VrrpSocket */

typedef struct {
  napi_env env;
  int family;       /* AF_INET or AF_INET6 */
  int fd;           /* -1 once closed */
  int ifindex;
  int in_callback;  /* inside on_readable, which then destroys `async` after a close() */
  uv_poll_t *poll;  /* on the heap: uv_close frees it later, maybe after this struct is gone */
  napi_ref self;    /* strong while open */
  napi_ref on_batch, on_error;
  napi_async_context async;
  /* SO_RXQ_OVFL: the socket's drop count when the last datagram read was queued. It lags (drops
   * after that datagram show only with a later one), so kernelDrops() reads the count itself. */
  uint32_t kernel_drops;
  /* One wake-up's datagrams, then copied to JavaScript in one buffer (RX_BATCH_BYTES). */
  unsigned char *batch;
  struct timespec stamps[RX_BATCH];
} vrrp_t;

static void free_handle(uv_handle_t *handle) { free(handle); }

/* Stops the poll, closes the fd and drops the references. Idempotent; no JS runs. */
static void vrrp_shutdown(napi_env env, vrrp_t *s) {
  napi_ref *refs[] = {&s->on_batch, &s->on_error, &s->self};
  if (s->poll != NULL) {
    uv_poll_stop(s->poll);
    uv_close((uv_handle_t *)s->poll, free_handle); /* a closing handle no longer holds the loop */
    s->poll = NULL;
  }
  if (s->fd >= 0) close(s->fd); /* close(2) errors are not actionable: the fd is gone either way */
  s->fd = -1;
  for (size_t i = 0; i < 3; i++) {
    if (*refs[i] != NULL) napi_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }
}

/* Runs on GC after close(), or at environment teardown. */
static void vrrp_finalize(napi_env env, void *data, void *hint) {
  vrrp_t *s = data;
  (void)hint;
  vrrp_shutdown(env, s);
  /* `async` is left only at teardown, when emitting async_hooks events is unsafe: leaked. */
  free(s->batch);
  free(s);
}

/* Calls fn(argv) with `this` = the socket in a real callback scope (microtasks and nextTicks run
 * after it). A throwing listener becomes an 'uncaughtException'; returns 0 then. */
static int call_js(vrrp_t *s, napi_value self, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_value fn, result, exception;
  bool pending = false;
  if (fn_ref == NULL || napi_get_reference_value(s->env, fn_ref, &fn) != napi_ok) return 0;
  if (napi_make_callback(s->env, s->async, self, fn, argc, argv, &result) == napi_ok) return 1;
  if (napi_is_exception_pending(s->env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(s->env, &exception) == napi_ok)
    napi_fatal_exception(s->env, exception);
  return 0;
}

/* onError(error, fatal): fatal means the socket no longer receives (the poll was stopped), so
   JavaScript must close it and open another; otherwise it reads on. */
static void report_error(vrrp_t *s, napi_value self, int err, const char *syscall, int fatal) {
  napi_value argv[2];
  argv[0] = errno_error(s->env, err, syscall);
  if (argv[0] != NULL && napi_get_boolean(s->env, fatal != 0, &argv[1]) == napi_ok) call_js(s, self, s->on_error, 2, argv);
}

/* The fields of one datagram that the control messages (and, for IPv4, its header) tell. */
typedef struct {
  unsigned char dst[16];
  int ttl;             /* -1 ("unknown", so never 255) if nobody said */
  uint32_t ifindex;
  struct timespec stamp; /* 0 if the kernel gave none */
} arrival_t;

static void read_cmsgs(vrrp_t *s, struct msghdr *mh, arrival_t *a) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      memcpy(&a->stamp, CMSG_DATA(c), sizeof a->stamp); /* CMSG_DATA need not be aligned for the struct */
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
      memcpy(&s->kernel_drops, CMSG_DATA(c), sizeof s->kernel_drops);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(a->dst, &info.ipi6_addr, 16);
      a->ifindex = info.ipi6_ifindex;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&a->ttl, CMSG_DATA(c), sizeof a->ttl);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
      struct in_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      a->ifindex = (uint32_t)info.ipi_ifindex;
    }
  }
}

/* Reads one datagram into the batch at `used` and writes its record; *taken is its size. Returns
 * 0 when the queue is empty or recvmsg failed: *err is then the errno, or 0 for EAGAIN. */
static int receive_one(vrrp_t *s, size_t used, int index, size_t *taken, int *err) {
  unsigned char *record = s->batch + (size_t)index * RX_RECORD_BYTES;
  unsigned char *data = s->batch + RX_RECORDS_BYTES + used;
  control_t control;
  struct sockaddr_in6 from6;
  struct iovec iov = {data, RX_DATA_BYTES - used};
  struct msghdr mh = {&from6, sizeof from6, &iov, 1, control.bytes, sizeof control.bytes, 0};
  arrival_t a = {.ttl = -1};
  uint32_t offset = 0, length, ifindex;
  int32_t ttl;
  ssize_t n;

  if (s->family == AF_INET) mh.msg_name = NULL, mh.msg_namelen = 0; /* the header has the source */
  do n = recvmsg(s->fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    *err = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
    return 0;
  }
  read_cmsgs(s, &mh, &a);
  length = (uint32_t)n;
  memset(record + 16, 0, 32);
  if (s->family == AF_INET6) {
    memcpy(record + 16, &from6.sin6_addr, 16);
    memcpy(record + 32, a.dst, 16);
  } else {
    /* A raw IPv4 socket hands over the whole packet. The TTL is the header's, as it arrived
     * (RFC 9568 §7.1: "MUST verify that the IPv4 TTL is 255"); so are the addresses. The kernel
     * has checked the header (ip_rcv); one it did not like never gets here, but a datagram we
     * cannot read a header from is still handed on whole, TTL unknown, for the checks to drop. */
    size_t header = n >= 20 ? (size_t)(data[0] & 0x0f) * 4 : 0;
    if (header >= 20 && header <= (size_t)n && (data[0] >> 4) == 4) {
      size_t total = ((size_t)data[2] << 8) | data[3];
      size_t end = total >= header && total < (size_t)n ? total : (size_t)n;
      a.ttl = data[8];
      memcpy(record + 16, data + 12, 4);
      memcpy(record + 32, data + 16, 4);
      offset = (uint32_t)header;
      length = (uint32_t)(end - header);
    }
  }
  offset += (uint32_t)used; /* from the data's start; receive_batch adds the records before it */
  ttl = a.ttl;
  ifindex = a.ifindex;
  memcpy(record + 0, &offset, 4);
  memcpy(record + 4, &length, 4);
  memcpy(record + 8, &ttl, 4);
  memcpy(record + 12, &ifindex, 4);
  s->stamps[index] = a.stamp;
  *taken = (size_t)n;
  return 1;
}

/*
 * Reads what is queued, up to RX_BATCH datagrams (or until the batch has no room for a largest
 * one), and hands them to onBatch(buffer, count) in ONE call: a call per datagram
 * would run the microtask queue after each. The poll is level-triggered, so what is left is read
 * on the next loop turn: a flood cannot starve the daemon's timers.
 *
 * The buffer is new for each batch (one allocation and one copy per wake-up, none per datagram),
 * so JavaScript may keep views into it. Each datagram's age, realtime now minus the kernel's
 * receive stamp, is taken just before the call: the runtime arms its timers from the moment the
 * packet reached the host (now - age on its monotonic clock), not from when it was read.
 */
static void receive_batch(vrrp_t *s, napi_value self) {
  size_t used = 0, taken;
  int count = 0, err = 0;
  struct timespec now;
  napi_handle_scope scope;
  napi_value argv[2];
  void *out;

  while (count < RX_BATCH && s->fd >= 0 && RX_DATA_BYTES - used >= RX_MAX_DATAGRAM &&
         receive_one(s, used, count, &taken, &err)) {
    used += (taken + 7) & ~(size_t)7;
    count++;
  }
  if (count > 0 && napi_open_handle_scope(s->env, &scope) == napi_ok) {
    size_t records = (size_t)count * RX_RECORD_BYTES;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int i = 0; i < count; i++) {
      unsigned char *record = s->batch + (size_t)i * RX_RECORD_BYTES;
      const struct timespec *t = &s->stamps[i];
      double age = NAN; /* no stamp: unknown */
      uint32_t offset;
      if (t->tv_sec != 0 || t->tv_nsec != 0)
        age = (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
      memcpy(record + 48, &age, sizeof age);
      memcpy(&offset, record, 4); /* from the data's start to from the buffer's */
      offset += (uint32_t)records;
      memcpy(record, &offset, 4);
    }
    if (napi_create_arraybuffer(s->env, records + used, &out, &argv[0]) == napi_ok) {
      memcpy(out, s->batch, records);
      memcpy((unsigned char *)out + records, s->batch + RX_RECORDS_BYTES, used);
      if (napi_create_int32(s->env, count, &argv[1]) == napi_ok) call_js(s, self, s->on_batch, 2, argv);
    }
    napi_close_handle_scope(s->env, scope);
  }
  if (err != 0 && s->fd >= 0) report_error(s, self, err, "recvmsg", 0);
}

/* What close() left for after a callback: the async context, once the socket is closed. */
static void finish_close(vrrp_t *s) {
  if (s->fd < 0 && s->async != NULL) {
    napi_async_destroy(s->env, s->async);
    s->async = NULL;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  vrrp_t *s = handle->data;
  napi_handle_scope scope;
  napi_value self;
  (void)events;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  /* `self` in this scope keeps `s` alive even if a listener calls close(). */
  if (napi_get_reference_value(s->env, s->self, &self) == napi_ok && self != NULL) {
    s->in_callback = 1;
    if (status < 0) {
      uv_poll_stop(handle); /* libuv cannot poll the fd: say so once rather than spin */
      report_error(s, self, -status, "epoll_wait", 1);
    } else {
      receive_batch(s, self);
    }
    s->in_callback = 0;
  }
  finish_close(s); /* closed by a listener */
  napi_close_handle_scope(s->env, scope);
}

/* An integer socket option; its name is the failing call's. */
typedef struct { int level, name, value; const char *call; } option_t;
#define OPTION(level, name, value) {level, name, value, "setsockopt(" #name ")"}

/* Every socket option. Returns the failing call's name with errno set, or NULL. */
static const char *configure_vrrp(int family, int fd, const char *ifname, size_t name_length, int ifindex, int join_group,
                                  int receive_buffer) {
  struct ifreq ifr;
  struct ipv6_mreq group6 = {VRRP_GROUP6, (unsigned)ifindex};
  struct ip_mreqn group4 = {.imr_multiaddr.s_addr = htonl(VRRP_GROUP4), .imr_ifindex = ifindex};
  const option_t common[] = {
    /* The kernel's receive stamp (realtime, ns) and its drop count, with every datagram. */
    OPTION(SOL_SOCKET, SO_TIMESTAMPNS, 1),
    OPTION(SOL_SOCKET, SO_RXQ_OVFL, 1),
  };
  const option_t ipv6[] = {
    OPTION(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1),
    OPTION(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1),
    OPTION(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0), /* never hear our own adverts */
    OPTION(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_HOP_LIMIT),
    OPTION(IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_HOP_LIMIT),
    OPTION(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex),
  };
  /* IPv4 is received only (the raw-socket package sends, with IP_HDRINCL): the header gives TTL
   * and addresses, IP_PKTINFO the arrival interface. */
  const option_t ipv4[] = {OPTION(IPPROTO_IP, IP_PKTINFO, 1), OPTION(IPPROTO_IP, IP_MULTICAST_LOOP, 0)};
  const option_t *own = family == AF_INET6 ? ipv6 : ipv4;
  size_t own_count = family == AF_INET6 ? sizeof ipv6 / sizeof ipv6[0] : sizeof ipv4 / sizeof ipv4[0];

  /* Binding by name also limits receive to this interface; a missing one gives ENODEV. */
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)name_length + 1) < 0)
    return "setsockopt(SO_BINDTODEVICE)";
  /* The caller's ifindex must be this name's, or joins and sends would go out elsewhere. */
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, name_length); /* name_length < IFNAMSIZ, so NUL-terminated */
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return "ioctl(SIOCGIFINDEX)";
  if (ifr.ifr_ifindex != ifindex) return errno = ENODEV, "ioctl(SIOCGIFINDEX)"; /* not under this name */
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
    if (setsockopt(fd, common[i].level, common[i].name, &common[i].value, sizeof(int)) < 0) return common[i].call;
  for (size_t i = 0; i < own_count; i++)
    if (setsockopt(fd, own[i].level, own[i].name, &own[i].value, sizeof(int)) < 0) return own[i].call;
  /* SO_RCVBUFFORCE passes net.core.rmem_max with CAP_NET_ADMIN (the unit grants it); without,
   * SO_RCVBUF gets what rmem_max allows. Either way the kernel doubles the figure (socket(7)). */
  if (receive_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0 &&
      (errno != EPERM || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) < 0))
    return "setsockopt(SO_RCVBUF)";
  if (!join_group) return NULL;
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &group6, sizeof group6) < 0)
    return "setsockopt(IPV6_ADD_MEMBERSHIP)";
  if (family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group4, sizeof group4) < 0)
    return "setsockopt(IP_ADD_MEMBERSHIP)";
  return NULL;
}

/* new VrrpSocket(family 4|6, ifname, ifindex, joinGroup, receiveBufferBytes,
 *                onBatch(buffer, count), onError(error, fatal)) */
static napi_value vrrp_new(napi_env env, napi_callback_info info) {
  size_t argc = 7, name_length = 0;
  napi_value argv[7], self;
  napi_valuetype fn0, fn1;
  char ifname[IFNAMSIZ + 1];
  int32_t family_number = 0, ifindex = 0, receive_buffer = 0;
  bool join_group = false;
  const char *failed;
  uv_loop_t *loop;
  vrrp_t *s;
  int fd, err, family;

  NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 7 || napi_get_value_int32(env, argv[0], &family_number) != napi_ok || (family_number != 4 && family_number != 6) ||
      napi_get_value_string_utf8(env, argv[1], ifname, sizeof ifname, &name_length) != napi_ok ||
      napi_get_value_int32(env, argv[2], &ifindex) != napi_ok || ifindex <= 0 ||
      napi_get_value_bool(env, argv[3], &join_group) != napi_ok || napi_get_value_int32(env, argv[4], &receive_buffer) != napi_ok ||
      napi_typeof(env, argv[5], &fn0) != napi_ok || napi_typeof(env, argv[6], &fn1) != napi_ok || fn0 != napi_function ||
      fn1 != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "expected (family: 4 | 6, ifname: string, ifindex > 0, joinGroup: boolean, receiveBufferBytes: number, "
                          "onBatch, onError)");
    return NULL;
  }
  family = family_number == 4 ? AF_INET : AF_INET6;
  /* No interface has an empty name or one of IFNAMSIZ bytes or more. */
  if (name_length == 0 || name_length >= IFNAMSIZ) return throw_errno(env, ENODEV, "setsockopt(SO_BINDTODEVICE)");

  fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTOCOL);
  if (fd < 0) /* EPERM: no CAP_NET_RAW */
    return throw_errno(env, errno, family == AF_INET ? "socket(AF_INET, SOCK_RAW, 112)" : "socket(AF_INET6, SOCK_RAW, 112)");
  if ((failed = configure_vrrp(family, fd, ifname, name_length, ifindex, join_group, receive_buffer)) != NULL)
    return close_and_throw(env, fd, errno, failed);
  if ((s = calloc(1, sizeof *s)) == NULL || (s->batch = malloc(RX_BATCH_BYTES)) == NULL ||
      napi_wrap(env, self, s, vrrp_finalize, NULL, NULL) != napi_ok)
    return s != NULL ? free(s->batch) : (void)0, free(s), close_and_throw(env, fd, ENOMEM, "napi_wrap");
  /* From here the finalizer owns fd, batch and poll, so a failure below need only throw. */
  s->env = env;
  s->family = family;
  s->fd = fd;
  s->ifindex = ifindex;
  NAPI(env, napi_create_reference(env, argv[5], 1, &s->on_batch));
  NAPI(env, napi_create_reference(env, argv[6], 1, &s->on_error));
  NAPI(env, napi_async_init(env, self, argv[1], &s->async)); /* async resource name: the interface */
  NAPI(env, napi_get_uv_event_loop(env, &loop));
  if ((s->poll = malloc(sizeof *s->poll)) == NULL) return throw_errno(env, ENOMEM, "malloc");
  if ((err = uv_poll_init(loop, s->poll, fd)) < 0) {
    free(s->poll); /* never initialized, so not for uv_close */
    s->poll = NULL;
    return throw_errno(env, -err, "uv_poll_init");
  }
  s->poll->data = s;
  if ((err = uv_poll_start(s->poll, UV_READABLE, on_readable)) < 0) return throw_errno(env, -err, "uv_poll_start");
  NAPI(env, napi_create_reference(env, self, 1, &s->self)); /* last: nothing can fail after it */
  return self;
}

/* send(message: Uint8Array, src: Uint8Array(16), dst: Uint8Array(16)): void. IPv6 only (IPv4 is
 * sent by the raw-socket package): hop limit 255. */
static napi_value vrrp_send(napi_env env, napi_callback_info info) {
  size_t argc = 3, length, src_length, dst_length;
  napi_value argv[3];
  const void *message, *src, *dst;
  vrrp_t *s = unwrap_this(env, info, &argc, argv);
  struct sockaddr_in6 to = {.sin6_family = AF_INET6};
  struct in6_pktinfo pktinfo;
  int hop_limit = VRRP_HOP_LIMIT;
  control_t control;
  struct iovec iov;
  struct msghdr mh = {&to, sizeof to, &iov, 1, control.bytes, CMSG_SPACE(sizeof pktinfo) + CMSG_SPACE(sizeof hop_limit), 0};
  ssize_t n;

  if (s == NULL) return NULL;
  if (argc < 3 || !get_bytes(env, argv[0], 0, &message, &length) || !get_bytes(env, argv[1], 16, &src, &src_length) ||
      !get_bytes(env, argv[2], 16, &dst, &dst_length))
    return NULL;
  if (s->family != AF_INET6) return throw_errno(env, EAFNOSUPPORT, "sendmsg");
  if (s->fd < 0) return throw_errno(env, EBADF, "sendmsg");
  memcpy(&to.sin6_addr, dst, 16);
  to.sin6_scope_id = (uint32_t)s->ifindex; /* the kernel uses it only for fe80:: / ff02:: */
  iov.iov_base = (void *)message;
  iov.iov_len = length;
  memset(&control, 0, sizeof control); /* CMSG_NXTHDR reads the next header's length */
  /* IPV6_PKTINFO: exactly this source, out of this interface. Linux refuses a source that is not
   * assigned here, or still tentative, with EINVAL (ip6_datagram_send_ctl). */
  memcpy(&pktinfo.ipi6_addr, src, 16);
  pktinfo.ipi6_ifindex = (unsigned)s->ifindex;
  /* IPV6_HOPLIMIT per packet as well as the socket defaults: RFC 9568 §5.1.2.3 says 255. */
  put_cmsg(&mh, put_cmsg(&mh, CMSG_FIRSTHDR(&mh), IPV6_PKTINFO, &pktinfo, sizeof pktinfo), IPV6_HOPLIMIT, &hop_limit,
           sizeof hop_limit);

  do n = sendmsg(s->fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  return n < 0 ? throw_errno(env, errno, "sendmsg") : NULL;
}

static napi_value vrrp_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  vrrp_t *s = unwrap_this(env, info, &argc, NULL);
  if (s == NULL) return NULL;
  vrrp_shutdown(env, s);
  if (!s->in_callback) finish_close(s); /* else the callback (on_readable, drain) does on its way out */
  return NULL;
}

/* drain(): reads what is queued now, as a wake-up would, delivering it before returning. The
 * runtime calls it before it acts on an Active_Down_Timer: an advertisement that reached the host
 * but waits behind a late timer (a busy loop, libuv running timers before polling) must reset
 * the timer (RFC 9568 §6.4.2) rather than let a live master be declared dead. A no-op while a
 * batch is being delivered (the queue is being read already) or once closed. */
static napi_value vrrp_drain(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  vrrp_t *s;
  if (napi_get_cb_info(env, info, &argc, NULL, &self, NULL) != napi_ok) return napi_failure(env);
  s = unwrap_this(env, info, &argc, NULL);
  if (s == NULL || s->fd < 0 || s->in_callback) return NULL;
  s->in_callback = 1;
  receive_batch(s, self);
  s->in_callback = 0;
  finish_close(s); /* closed by a listener */
  return NULL;
}

/* ref() / unref(): whether this open socket alone keeps the event loop alive (default: yes). */
static napi_value vrrp_set_ref(napi_env env, napi_callback_info info, int keep) {
  size_t argc = 0;
  vrrp_t *s = unwrap_this(env, info, &argc, NULL);
  if (s != NULL && s->poll != NULL) (keep ? uv_ref : uv_unref)((uv_handle_t *)s->poll);
  return NULL;
}
static napi_value vrrp_ref(napi_env env, napi_callback_info info) { return vrrp_set_ref(env, info, 1); }
static napi_value vrrp_unref(napi_env env, napi_callback_info info) { return vrrp_set_ref(env, info, 0); }

/* kernelDrops(): datagrams the kernel dropped on this socket, its receive queue full (sk_drops,
 * as SO_MEMINFO reads it now; what SO_RXQ_OVFL last said if that fails). */
static napi_value vrrp_kernel_drops(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  uint32_t meminfo[SK_MEMINFO_VARS], drops;
  socklen_t length = sizeof meminfo;
  napi_value result;
  vrrp_t *s = unwrap_this(env, info, &argc, NULL);
  if (s == NULL) return NULL;
  drops = s->kernel_drops;
  if (s->fd >= 0 && getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &length) == 0 &&
      length > SK_MEMINFO_DROPS * sizeof(uint32_t) && meminfo[SK_MEMINFO_DROPS] > drops)
    drops = meminfo[SK_MEMINFO_DROPS];
  s->kernel_drops = drops; /* a closed socket keeps saying what it last knew */
  NAPI(env, napi_create_uint32(env, drops, &result));
  return result;
}

/* receiveBufferBytes(): SO_RCVBUF as the kernel set it (twice what was asked, socket(7)). */
static napi_value vrrp_receive_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  int size = 0;
  socklen_t length = sizeof size;
  napi_value result;
  vrrp_t *s = unwrap_this(env, info, &argc, NULL);
  if (s == NULL) return NULL;
  if (s->fd < 0) return throw_errno(env, EBADF, "getsockopt(SO_RCVBUF)");
  if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, &length) < 0) return throw_errno(env, errno, "getsockopt(SO_RCVBUF)");
  NAPI(env, napi_create_int32(env, size, &result));
  return result;
}

/* -------------------------------------------------------------------------- PacketSocket */

typedef struct {
  int fd; /* -1 once closed */
  int ifindex;
} packet_t;

static void packet_finalize(napi_env env, void *data, void *hint) {
  packet_t *p = data;
  (void)env, (void)hint;
  if (p->fd >= 0) close(p->fd);
  free(p);
}

/* new PacketSocket(ifindex: number) */
static napi_value packet_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  int32_t ifindex = 0;
  struct sockaddr_ll sll = {.sll_family = AF_PACKET};
  packet_t *p;
  int fd;

  NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok || ifindex <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (ifindex: number > 0)");
    return NULL;
  }
  /* Protocol 0: on no receive list, so it never queues a frame. Non-blocking (beyond the brief's
   * flags) so a full send buffer gives EAGAIN instead of stalling the event loop. */
  fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket(AF_PACKET, SOCK_RAW, 0)");
  /* Bind, still with protocol 0, only to check the interface now: a missing one gives ENODEV. */
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) return close_and_throw(env, fd, errno, "bind(AF_PACKET)");
  if ((p = calloc(1, sizeof *p)) == NULL || napi_wrap(env, self, p, packet_finalize, NULL, NULL) != napi_ok)
    return free(p), close_and_throw(env, fd, ENOMEM, "napi_wrap");
  p->fd = fd;
  p->ifindex = ifindex;
  return self;
}

/* send(frame: Uint8Array): void. A whole frame: destination MAC first, EtherType at byte 12. */
static napi_value packet_send(napi_env env, napi_callback_info info) {
  size_t argc = 1, length;
  napi_value argv[1];
  const unsigned char *frame;
  packet_t *p = unwrap_this(env, info, &argc, argv);
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = ETH_ALEN};
  ssize_t n;

  if (p == NULL) return NULL;
  if (argc < 1 || !get_bytes(env, argv[0], 0, (const void **)&frame, &length)) return NULL;
  if (length < ETH_HLEN) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "an Ethernet frame has at least 14 bytes");
    return NULL;
  }
  if (p->fd < 0) return throw_errno(env, EBADF, "sendto");
  to.sll_ifindex = p->ifindex;
  memcpy(&to.sll_protocol, frame + 12, 2); /* network order already; becomes skb->protocol */
  memcpy(to.sll_addr, frame, ETH_ALEN);
  do n = sendto(p->fd, frame, length, 0, (struct sockaddr *)&to, sizeof to);
  while (n < 0 && errno == EINTR);
  return n < 0 ? throw_errno(env, errno, "sendto") : NULL;
}

static napi_value packet_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  packet_t *p = unwrap_this(env, info, &argc, NULL);
  if (p != NULL && p->fd >= 0) close(p->fd);
  if (p != NULL) p->fd = -1;
  return NULL;
}

/* -------------------------------------------------------------------------------- module */

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

/* ------------------------------------------------------------------------- changeAddress */

/* changeAddress(add, family, ifindex, address, prefixLength, nodad): void. Adds (EXCL) or deletes
 * an interface address and returns when the kernel has done it; its refusal is thrown with .code
 * (EEXIST, EADDRNOTAVAIL, ENODEV, EPERM ...) and .syscall "netlink". */
static napi_value change_address(napi_env env, napi_callback_info info) {
  size_t argc = 6, length = 0;
  napi_value argv[6];
  bool add = false, nodad = false;
  int32_t family = 0, ifindex = 0;
  uint32_t prefix_length = 0;
  const unsigned char *address = NULL;
  const char *syscall = "netlink";
  NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6 || napi_get_value_bool(env, argv[0], &add) != napi_ok || napi_get_value_int32(env, argv[1], &family) != napi_ok ||
      (family != 4 && family != 6) || napi_get_value_int32(env, argv[2], &ifindex) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &prefix_length) != napi_ok || napi_get_value_bool(env, argv[5], &nodad) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "changeAddress(add: boolean, family: 4 | 6, ifindex: number, address: Uint8Array, prefixLength: number, nodad: boolean)");
    return NULL;
  }
  if (!get_bytes(env, argv[3], family == 4 ? 4 : 16, (const void **)&address, &length)) return NULL;
  if (prefix_length > (family == 4 ? 32u : 128u)) return throw_errno(env, EINVAL, "netlink");
  int err = rtnl_address_change(add, family, ifindex, address, prefix_length, nodad, &syscall);
  return err == 0 ? NULL : throw_errno(env, err, syscall);
}

/* ------------------------------------------------------------------------------ sd_notify */

/* notify(socketPath, message): one datagram to systemd's $NOTIFY_SOCKET (sd_notify(3) protocol).
 * Node has no AF_UNIX datagram sockets, and spawning systemd-notify per message would both cost a
 * process and be sent from the wrong PID. A path starting with '@' is in the abstract namespace. */
static napi_value sd_notify_send(napi_env env, napi_callback_info info) {
  size_t argc = 2, path_length = 0, message_length = 0;
  napi_value argv[2];
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  char message[4096];
  struct sockaddr_un address;
  NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "notify(socketPath: string, message: string)");
    return NULL;
  }
  if (path_length == 0 || path_length >= sizeof address.sun_path || message_length >= sizeof message - 1) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "notify socket path or message too long");
    return NULL;
  }
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path, path_length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);
  ssize_t sent = sendto(fd, message, message_length, MSG_NOSIGNAL, (struct sockaddr *)&address, length);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, err, "sendto");
  return NULL;
}

/* ---------------------------------------------------------------------------- setCloexec */

/* The one argument of a function(fd: number); false with a TypeError pending otherwise. */
static bool fd_argument(napi_env env, napi_callback_info info, const char *usage, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_failure(env);
    return false;
  }
  if (argc < 1 || napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return false;
  }
  return true;
}

/* setCloexec(fd): sets FD_CLOEXEC, so that the programs the daemon runs (track scripts, notify
 * hooks) do not inherit the descriptor. Node opens its own descriptors close-on-exec, but not
 * those it is handed (systemd's LISTEN_FDS) nor those other addons open (raw-socket's). */
static napi_value set_cloexec(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (!fd_argument(env, info, "setCloexec(fd: number)", &fd)) return NULL;
  if (fd < 0) return throw_errno(env, EBADF, "fcntl(F_GETFD)");
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return throw_errno(env, errno, "fcntl(F_GETFD)");
  if ((flags & FD_CLOEXEC) == 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_errno(env, errno, "fcntl(F_SETFD)");
  return NULL;
}

/* ----------------------------------------------------------------------- peerCredentials */

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif
/* Supplementary groups read without an allocation; more take one (NGROUPS_MAX is 65536). */
#define PEER_GROUPS_INLINE 64

/* peerCredentials(fd) -> { pid, uid, gid, groups }: the credentials the kernel recorded when the
 * peer called connect(2) (unix(7): SO_PEERCRED, SO_PEERGROUPS). Node has no API for either. They
 * are the connecting process's, not whatever the peer later passes the descriptor to, and cannot be
 * forged by the peer. Throws with .code (EBADF, ENOTSOCK, ENOPROTOOPT on kernels before 4.13). */
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (!fd_argument(env, info, "peerCredentials(fd: number)", &fd)) return NULL;
  if (fd < 0) return throw_errno(env, EBADF, "getsockopt(SO_PEERCRED)");
  struct ucred credentials;
  socklen_t length = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) return throw_errno(env, errno, "getsockopt(SO_PEERCRED)");
  gid_t inline_groups[PEER_GROUPS_INLINE];
  gid_t *groups = inline_groups;
  socklen_t groups_length = sizeof inline_groups;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &groups_length) < 0) {
    /* ERANGE: the kernel has told us the size it needs. */
    if (errno != ERANGE) return throw_errno(env, errno, "getsockopt(SO_PEERGROUPS)");
    groups = malloc(groups_length);
    if (groups == NULL) return throw_errno(env, ENOMEM, "getsockopt(SO_PEERGROUPS)");
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &groups_length) < 0) {
      int err = errno;
      free(groups);
      return throw_errno(env, err, "getsockopt(SO_PEERGROUPS)");
    }
  }
  uint32_t count = groups_length / sizeof(gid_t);
  napi_value result, value, list;
  napi_status status = napi_create_object(env, &result);
  if (status == napi_ok) status = napi_create_int32(env, credentials.pid, &value);
  if (status == napi_ok) status = napi_set_named_property(env, result, "pid", value);
  if (status == napi_ok) status = napi_create_uint32(env, credentials.uid, &value);
  if (status == napi_ok) status = napi_set_named_property(env, result, "uid", value);
  if (status == napi_ok) status = napi_create_uint32(env, credentials.gid, &value);
  if (status == napi_ok) status = napi_set_named_property(env, result, "gid", value);
  if (status == napi_ok) status = napi_create_array_with_length(env, count, &list);
  for (uint32_t i = 0; status == napi_ok && i < count; i++) {
    status = napi_create_uint32(env, groups[i], &value);
    if (status == napi_ok) status = napi_set_element(env, list, i, value);
  }
  if (status == napi_ok) status = napi_set_named_property(env, result, "groups", list);
  if (groups != inline_groups) free(groups);
  if (status != napi_ok) return napi_failure(env);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor vrrp_methods[] = {METHOD("send", vrrp_send), METHOD("close", vrrp_close),
                                                   METHOD("ref", vrrp_ref), METHOD("unref", vrrp_unref),
                                                   METHOD("receiveBufferBytes", vrrp_receive_buffer),
                                                   METHOD("kernelDrops", vrrp_kernel_drops), METHOD("drain", vrrp_drain)};
  const napi_property_descriptor packet_methods[] = {METHOD("send", packet_send), METHOD("close", packet_close)};
  napi_value vrrp_class, packet_class;
  NAPI(env, napi_define_class(env, "VrrpSocket", NAPI_AUTO_LENGTH, vrrp_new, NULL, sizeof vrrp_methods / sizeof vrrp_methods[0], vrrp_methods, &vrrp_class));
  NAPI(env, napi_define_class(env, "PacketSocket", NAPI_AUTO_LENGTH, packet_new, NULL, sizeof packet_methods / sizeof packet_methods[0], packet_methods, &packet_class));
  NAPI(env, napi_set_named_property(env, exports, "VrrpSocket", vrrp_class));
  NAPI(env, napi_set_named_property(env, exports, "PacketSocket", packet_class));
  napi_value notify_fn;
  NAPI(env, napi_create_function(env, "notify", NAPI_AUTO_LENGTH, sd_notify_send, NULL, &notify_fn));
  NAPI(env, napi_set_named_property(env, exports, "notify", notify_fn));
  napi_value cloexec_fn;
  NAPI(env, napi_create_function(env, "setCloexec", NAPI_AUTO_LENGTH, set_cloexec, NULL, &cloexec_fn));
  NAPI(env, napi_set_named_property(env, exports, "setCloexec", cloexec_fn));
  napi_value peer_fn;
  NAPI(env, napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &peer_fn));
  NAPI(env, napi_set_named_property(env, exports, "peerCredentials", peer_fn));
  napi_value change_address_fn;
  NAPI(env, napi_create_function(env, "changeAddress", NAPI_AUTO_LENGTH, change_address, NULL, &change_address_fn));
  NAPI(env, napi_set_named_property(env, exports, "changeAddress", change_address_fn));
  return exports;
}
