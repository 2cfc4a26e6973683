/* A synchronous rtnetlink address change (rtnl_address.c): the takeover's address add in a few
 * microseconds, where the request/reply path in JavaScript took 0.3-2 ms. */
#ifndef IPFAILOVERD_RTNL_ADDRESS_H
#define IPFAILOVERD_RTNL_ADDRESS_H

#include <stdint.h>

/* RTM_NEWADDR (add != 0: NLM_F_CREATE | NLM_F_EXCL) or RTM_DELADDR of `address` (4 or 16 bytes
 * for family 4 or 6) with `prefix_length` on `ifindex`; IFA_F_NODAD when `nodad` (IPv6).
 * Returns 0, or the positive errno the kernel answered (EEXIST, EADDRNOTAVAIL, ENODEV, EPERM ...)
 * or the socket failed with. *syscall names the call that failed ("netlink" for a kernel answer). */
int rtnl_address_change(int add, int family, int32_t ifindex, const unsigned char *address, uint32_t prefix_length,
                        int nodad, const char **syscall);

#endif
