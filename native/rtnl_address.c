/*
 * Address changes over rtnetlink, one request and its acknowledgement, synchronously.
 *
 * The kernel carries out an RTM_NEWADDR / RTM_DELADDR inside our sendmsg() (rtnetlink runs in
 * the sender's context), so its acknowledgement is queued by the time sendmsg() returns and the
 * recv() below does not wait. keepalived changes its addresses the same way. One socket for the
 * process, opened on first use, close-on-exec, blocking with a receive timeout that only a kernel
 * bug could reach: the event loop is never held for longer.
 *
 * The attributes are those `ip addr add` sends (and src/net/netlink-addresses.ts sent before):
 * IFA_LOCAL and IFA_ADDRESS both the address (no peer), no broadcast, scope 0 (the kernel gives
 * IPv6 link-local addresses link scope itself), IFA_FLAGS with IFA_F_NODAD when asked.
 */
#include "rtnl_address.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef IFA_FLAGS
#define IFA_FLAGS 8
#endif

/* Acknowledgements come at once (see above); this bounds what a kernel bug could cost. */
#define ACK_TIMEOUT_US 500000

static int rtnl_fd = -1;
static uint32_t rtnl_seq;

static int rtnl_open(const char **syscall) {
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  struct timeval timeout = {.tv_sec = 0, .tv_usec = ACK_TIMEOUT_US};
  if (rtnl_fd >= 0) return 0;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return *syscall = "socket(AF_NETLINK)", errno;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0 || bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return *syscall = "bind(AF_NETLINK)", err;
  }
  rtnl_fd = fd;
  return 0;
}

/* Appends an attribute; the caller's buffer has room for the few an address request carries. */
static struct rtattr *put_attr(struct nlmsghdr *h, unsigned short type, const void *data, unsigned short length) {
  struct rtattr *attr = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
  attr->rta_type = type;
  attr->rta_len = RTA_LENGTH(length);
  memcpy(RTA_DATA(attr), data, length);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(attr->rta_len);
  return attr;
}

/* Reads until the acknowledgement of `seq` (an earlier request's late one is skipped). */
static int await_ack(uint32_t seq, const char **syscall) {
  union {
    struct nlmsghdr header;
    char bytes[8192];
  } reply;
  for (;;) {
    ssize_t n = recv(rtnl_fd, &reply, sizeof reply, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return *syscall = "recv(AF_NETLINK)", errno == EAGAIN ? ETIMEDOUT : errno;
    for (struct nlmsghdr *h = &reply.header; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return *syscall = "netlink", EPROTO;
      const struct nlmsgerr *answer = NLMSG_DATA(h);
      *syscall = "netlink";
      return -answer->error; /* 0: done */
    }
  }
}

int rtnl_address_change(int add, int family, int32_t ifindex, const unsigned char *address, uint32_t prefix_length,
                        int nodad, const char **syscall) {
  union {
    struct nlmsghdr align;
    char bytes[256];
  } request;
  struct nlmsghdr *h = (struct nlmsghdr *)request.bytes;
  struct ifaddrmsg *ifa = NLMSG_DATA(h);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  unsigned short length = family == 4 ? 4 : 16;
  int err = rtnl_open(syscall);
  if (err != 0) return err;
  memset(&request, 0, sizeof request);
  h->nlmsg_len = NLMSG_LENGTH(sizeof *ifa);
  h->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
  /* EXCL: an address already there answers EEXIST instead of being silently replaced. */
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  h->nlmsg_seq = ++rtnl_seq;
  ifa->ifa_family = family == 4 ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = (unsigned char)prefix_length;
  ifa->ifa_index = (unsigned)ifindex;
  put_attr(h, IFA_LOCAL, address, length);
  put_attr(h, IFA_ADDRESS, address, length);
  if (nodad && family == 6) {
    uint32_t flags = IFA_F_NODAD;
    ifa->ifa_flags = IFA_F_NODAD;
    put_attr(h, IFA_FLAGS, &flags, sizeof flags);
  }
  ssize_t n;
  do n = sendto(rtnl_fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  if (n < 0) return *syscall = "sendto(AF_NETLINK)", errno;
  return await_ack(h->nlmsg_seq, syscall);
}
