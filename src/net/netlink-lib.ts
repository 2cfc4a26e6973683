/**
 * The parts of the `netlink` package the daemon uses: sockets and framing, the constants, the
 * attribute stream and rtnetlink's encoders. Imported by file, not through the package's index:
 * the index also loads its nl80211, WireGuard and generic-netlink modules (some 600 KB of
 * JavaScript), which cost about 9 MB of resident memory to parse and keep (measured: RSS after
 * importing each in a fresh node, issue 8) and are of no use to a VRRP daemon.
 */

export { createNetlink, type NetlinkSocket } from 'netlink/dist/netlink.js';
export { Flags, FlagsGet, FlagsNew, MessageType, Protocol } from 'netlink/dist/constants.js';
export { AttrStream, parseError, type NetlinkMessage } from 'netlink/dist/structs.js';
export * as rt from 'netlink/dist/rt/structs.js';
