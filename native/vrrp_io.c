/*
 * ipfailoverd native I/O: the two sockets Node.js and npm cannot give us.
 *
 *   Vrrp6Socket  raw IPv6, protocol 112, on one interface. Reports each datagram's hop limit,
 *                destination and arrival ifindex (RFC 9568 §7.1: the receiver "MUST verify that
 *                the IPv6 Hop Limit is 255"), and sends from a source address we choose.
 *   PacketSocket AF_PACKET: sends whole Ethernet frames (gratuitous ARP, unsolicited NA).
 *
 * Plain N-API (node_api.h) and libuv. Conventions:
 *   - Addresses cross the boundary as 16-byte network-order Uint8Arrays.
 *   - System errors are thrown (or given to onError) as an Error with .code = errno name (libuv's
 *     table: the names Node itself uses), .errno and .syscall.
 *   - No IPV6_CHECKSUM: TypeScript verifies and computes checksums, so bad ones reach JS and can
 *     be counted.
 *   - An open Vrrp6Socket holds a strong reference to itself, so it is not garbage collected
 *     while the kernel may still deliver to it; close() drops it. Its uv_poll handle is ref'd
 *     like a dgram socket's; unref() lets the daemon's own timers and signals decide its lifetime.
 */
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define VRRP_PROTOCOL 112
#define VRRP_HOP_LIMIT 255
/* Datagrams read per readable event. The poll is level-triggered, so what is left is read on the
 * next loop turn: a flood cannot starve the daemon's timers. */
#define RX_BATCH 256

/* ff02::12, the VRRP IPv6 multicast group (RFC 9568 §5.1.2.2). */
static const struct in6_addr VRRP_GROUP = {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}}};

/* Room for exactly the two control messages we send and ask for: pktinfo and hop limit. */
typedef union {
  struct cmsghdr align;
  unsigned char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
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
                          want ? "expected a 16-byte Uint8Array address" : "expected a non-empty Uint8Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

/* --------------------------------------------------------------------------- Vrrp6Socket */

typedef struct {
  napi_env env;
  int fd;           /* -1 once closed */
  int ifindex;
  int in_callback;  /* inside on_readable, which then destroys `async` after a close() */
  uv_poll_t *poll;  /* on the heap: uv_close frees it later, maybe after this struct is gone */
  napi_ref self;    /* strong while open */
  napi_ref on_packet, on_error;
  napi_async_context async;
} vrrp6_t;

static void free_handle(uv_handle_t *handle) { free(handle); }

/* Stops the poll, closes the fd and drops the references. Idempotent; no JS runs. */
static void vrrp6_shutdown(napi_env env, vrrp6_t *s) {
  napi_ref *refs[] = {&s->on_packet, &s->on_error, &s->self};
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
static void vrrp6_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  vrrp6_shutdown(env, data);
  /* `async` is left only at teardown, when emitting async_hooks events is unsafe: leaked. */
  free(data);
}

/* Calls fn(argv) with `this` = the socket in a real callback scope (microtasks and nextTicks run
 * after it). A throwing listener becomes an 'uncaughtException'; returns 0 then. */
static int call_js(vrrp6_t *s, napi_value self, napi_ref fn_ref, size_t argc, napi_value *argv) {
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
static void report_error(vrrp6_t *s, napi_value self, int err, const char *syscall, int fatal) {
  napi_value argv[2];
  argv[0] = errno_error(s->env, err, syscall);
  if (argv[0] != NULL && napi_get_boolean(s->env, fatal != 0, &argv[1]) == napi_ok) call_js(s, self, s->on_error, 2, argv);
}

/* Reads one datagram and hands it to onPacket. Returns 0 when draining should stop. */
static int receive_one(vrrp6_t *s, napi_value self) {
  unsigned char buf[65536]; /* an IPv6 payload (no jumbogram) is <= 65535 bytes: none is cut */
  control_t control;
  struct sockaddr_in6 from;
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh = {&from, sizeof from, &iov, 1, control.bytes, sizeof control.bytes, 0};
  struct in6_addr dst = IN6ADDR_ANY_INIT;
  int hop_limit = -1; /* stays -1 ("unknown", so never 255) if the kernel did not say */
  unsigned ifindex = 0;
  napi_handle_scope scope;
  napi_value argv[5];
  ssize_t n;
  int ok;

  do n = recvmsg(s->fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) report_error(s, self, errno, "recvmsg", 0);
    return 0;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info); /* CMSG_DATA need not be aligned for the struct */
      dst = info.ipi6_addr;
      ifindex = info.ipi6_ifindex;
    } else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
    }
  }
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return 0; /* one scope per datagram */
  ok = napi_create_buffer_copy(s->env, (size_t)n, buf, NULL, &argv[0]) == napi_ok &&
       napi_create_buffer_copy(s->env, 16, &from.sin6_addr, NULL, &argv[1]) == napi_ok &&
       napi_create_buffer_copy(s->env, 16, &dst, NULL, &argv[2]) == napi_ok &&
       napi_create_int32(s->env, hop_limit, &argv[3]) == napi_ok &&
       napi_create_uint32(s->env, ifindex, &argv[4]) == napi_ok && call_js(s, self, s->on_packet, 5, argv);
  napi_close_handle_scope(s->env, scope);
  return ok;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  vrrp6_t *s = handle->data;
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
      for (int i = 0; i < RX_BATCH && s->fd >= 0 && receive_one(s, self); i++) continue;
    }
    s->in_callback = 0;
  }
  if (s->fd < 0 && s->async != NULL) { /* closed by a listener: finish what close() left */
    napi_async_destroy(s->env, s->async);
    s->async = NULL;
  }
  napi_close_handle_scope(s->env, scope);
}

/* Every socket option. Returns the failing call's name with errno set, or NULL. */
static const char *configure_vrrp6(int fd, const char *ifname, size_t name_length, int ifindex, int join_group) {
  struct ifreq ifr;
  struct ipv6_mreq group = {VRRP_GROUP, (unsigned)ifindex};
  const struct { int name, value; const char *call; } options[] = {
    {IPV6_RECVHOPLIMIT, 1, "setsockopt(IPV6_RECVHOPLIMIT)"},
    {IPV6_RECVPKTINFO, 1, "setsockopt(IPV6_RECVPKTINFO)"},
    {IPV6_MULTICAST_LOOP, 0, "setsockopt(IPV6_MULTICAST_LOOP)"}, /* never hear our own adverts */
    {IPV6_MULTICAST_HOPS, VRRP_HOP_LIMIT, "setsockopt(IPV6_MULTICAST_HOPS)"},
    {IPV6_UNICAST_HOPS, VRRP_HOP_LIMIT, "setsockopt(IPV6_UNICAST_HOPS)"},
    {IPV6_MULTICAST_IF, ifindex, "setsockopt(IPV6_MULTICAST_IF)"},
  };
  /* Binding by name also limits receive to this interface; a missing one gives ENODEV. */
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)name_length + 1) < 0)
    return "setsockopt(SO_BINDTODEVICE)";
  /* The caller's ifindex must be this name's, or joins and sends would go out elsewhere. */
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, name_length); /* name_length < IFNAMSIZ, so NUL-terminated */
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return "ioctl(SIOCGIFINDEX)";
  if (ifr.ifr_ifindex != ifindex) return errno = ENODEV, "ioctl(SIOCGIFINDEX)"; /* not under this name */
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    if (setsockopt(fd, IPPROTO_IPV6, options[i].name, &options[i].value, sizeof(int)) < 0) return options[i].call;
  if (join_group && setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return "setsockopt(IPV6_ADD_MEMBERSHIP)";
  return NULL;
}

/* new Vrrp6Socket(ifname, ifindex, joinGroup, onPacket(message, src, dst, hopLimit, ifindex), onError(error, fatal)) */
static napi_value vrrp6_new(napi_env env, napi_callback_info info) {
  size_t argc = 5, name_length = 0;
  napi_value argv[5], self;
  napi_valuetype fn0, fn1;
  char ifname[IFNAMSIZ + 1];
  int32_t ifindex = 0;
  bool join_group = false;
  const char *failed;
  uv_loop_t *loop;
  vrrp6_t *s;
  int fd, err;

  NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 5 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &name_length) != napi_ok ||
      napi_get_value_int32(env, argv[1], &ifindex) != napi_ok || ifindex <= 0 ||
      napi_get_value_bool(env, argv[2], &join_group) != napi_ok || napi_typeof(env, argv[3], &fn0) != napi_ok ||
      napi_typeof(env, argv[4], &fn1) != napi_ok || fn0 != napi_function || fn1 != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "expected (ifname: string, ifindex > 0, joinGroup: boolean, onPacket, onError)");
    return NULL;
  }
  /* No interface has an empty name or one of IFNAMSIZ bytes or more. */
  if (name_length == 0 || name_length >= IFNAMSIZ) return throw_errno(env, ENODEV, "setsockopt(SO_BINDTODEVICE)");

  fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTOCOL);
  if (fd < 0) return throw_errno(env, errno, "socket(AF_INET6, SOCK_RAW, 112)"); /* EPERM: no CAP_NET_RAW */
  if ((failed = configure_vrrp6(fd, ifname, name_length, ifindex, join_group)) != NULL)
    return close_and_throw(env, fd, errno, failed);
  if ((s = calloc(1, sizeof *s)) == NULL || napi_wrap(env, self, s, vrrp6_finalize, NULL, NULL) != napi_ok)
    return free(s), close_and_throw(env, fd, ENOMEM, "napi_wrap");
  /* From here the finalizer owns fd and poll, so a failure below need only throw. */
  s->env = env;
  s->fd = fd;
  s->ifindex = ifindex;
  NAPI(env, napi_create_reference(env, argv[3], 1, &s->on_packet));
  NAPI(env, napi_create_reference(env, argv[4], 1, &s->on_error));
  NAPI(env, napi_async_init(env, self, argv[0], &s->async)); /* async resource name: the interface */
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

/* send(message: Uint8Array, src: Uint8Array(16), dst: Uint8Array(16)): void. Hop limit 255. */
static napi_value vrrp6_send(napi_env env, napi_callback_info info) {
  size_t argc = 3, length, src_length, dst_length;
  napi_value argv[3];
  const void *message, *src, *dst;
  vrrp6_t *s = unwrap_this(env, info, &argc, argv);
  struct sockaddr_in6 to = {.sin6_family = AF_INET6};
  struct in6_pktinfo pktinfo;
  int hop_limit = VRRP_HOP_LIMIT;
  control_t control;
  struct iovec iov;
  struct msghdr mh = {&to, sizeof to, &iov, 1, control.bytes, sizeof control.bytes, 0};
  ssize_t n;

  if (s == NULL) return NULL;
  if (argc < 3 || !get_bytes(env, argv[0], 0, &message, &length) || !get_bytes(env, argv[1], 16, &src, &src_length) ||
      !get_bytes(env, argv[2], 16, &dst, &dst_length))
    return NULL;
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

static napi_value vrrp6_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  vrrp6_t *s = unwrap_this(env, info, &argc, NULL);
  if (s == NULL) return NULL;
  vrrp6_shutdown(env, s);
  if (!s->in_callback && s->async != NULL) { /* else on_readable destroys it on its way out */
    napi_async_destroy(env, s->async);
    s->async = NULL;
  }
  return NULL;
}

/* ref() / unref(): whether this open socket alone keeps the event loop alive (default: yes). */
static napi_value vrrp6_set_ref(napi_env env, napi_callback_info info, int keep) {
  size_t argc = 0;
  vrrp6_t *s = unwrap_this(env, info, &argc, NULL);
  if (s != NULL && s->poll != NULL) (keep ? uv_ref : uv_unref)((uv_handle_t *)s->poll);
  return NULL;
}
static napi_value vrrp6_ref(napi_env env, napi_callback_info info) { return vrrp6_set_ref(env, info, 1); }
static napi_value vrrp6_unref(napi_env env, napi_callback_info info) { return vrrp6_set_ref(env, info, 0); }

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

/* setCloexec(fd): sets FD_CLOEXEC, so that the programs the daemon runs (track scripts, notify
 * hooks) do not inherit the descriptor. Node opens its own descriptors close-on-exec, but not
 * those it is handed (systemd's LISTEN_FDS) nor those other addons open (raw-socket's). */
static napi_value set_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  NAPI(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setCloexec(fd: number)");
    return NULL;
  }
  if (fd < 0) return throw_errno(env, EBADF, "fcntl(F_GETFD)");
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return throw_errno(env, errno, "fcntl(F_GETFD)");
  if ((flags & FD_CLOEXEC) == 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_errno(env, errno, "fcntl(F_SETFD)");
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor vrrp6_methods[] = {METHOD("send", vrrp6_send), METHOD("close", vrrp6_close),
                                                    METHOD("ref", vrrp6_ref), METHOD("unref", vrrp6_unref)};
  const napi_property_descriptor packet_methods[] = {METHOD("send", packet_send), METHOD("close", packet_close)};
  napi_value vrrp6_class, packet_class;
  NAPI(env, napi_define_class(env, "Vrrp6Socket", NAPI_AUTO_LENGTH, vrrp6_new, NULL, 4, vrrp6_methods, &vrrp6_class));
  NAPI(env, napi_define_class(env, "PacketSocket", NAPI_AUTO_LENGTH, packet_new, NULL, 2, packet_methods, &packet_class));
  NAPI(env, napi_set_named_property(env, exports, "Vrrp6Socket", vrrp6_class));
  NAPI(env, napi_set_named_property(env, exports, "PacketSocket", packet_class));
  napi_value notify_fn;
  NAPI(env, napi_create_function(env, "notify", NAPI_AUTO_LENGTH, sd_notify_send, NULL, &notify_fn));
  NAPI(env, napi_set_named_property(env, exports, "notify", notify_fn));
  napi_value cloexec_fn;
  NAPI(env, napi_create_function(env, "setCloexec", NAPI_AUTO_LENGTH, set_cloexec, NULL, &cloexec_fn));
  NAPI(env, napi_set_named_property(env, exports, "setCloexec", cloexec_fn));
  return exports;
}
