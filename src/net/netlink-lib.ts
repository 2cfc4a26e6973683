/**
 * The parts of the `netlink` package the daemon uses: sockets and framing, the constants, the
 * attribute stream and rtnetlink's encoders. Imported by file, not through the package's index:
 * the index also loads its nl80211, WireGuard and generic-netlink modules (some 600 KB of
 * JavaScript), of no use to a VRRP daemon: leaving them out saves 0.6-0.7 MB of live heap
 * (heap snapshots of the running daemon, issue 8).
 */

export { createNetlink, type NetlinkSocket } from 'netlink/dist/netlink.js';
export { Flags, FlagsGet, FlagsNew, MessageType, Protocol } from 'netlink/dist/constants.js';
export { AttrStream, parseError, type NetlinkMessage } from 'netlink/dist/structs.js';
export * as rt from 'netlink/dist/rt/structs.js';
