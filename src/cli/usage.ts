// The text of `ipfailoverd --help`, laid out like a manual page.
import { EX_CONFIG, EX_OK, EX_OSERR, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';

export function usageText(): string {
  return `NAME
    ipfailoverd - VRRPv3 (RFC 9568) daemon for cloud IP failover groups

SYNOPSIS
    ipfailoverd --config FILE [--strict-startup]
    ipfailoverd --check-config FILE
    ipfailoverd --cleanup --config FILE
    ipfailoverd --help | --version

DESCRIPTION
    ipfailoverd runs inside each VM of a cloud IP failover group: VMs that
    share reserved IP addresses without a virtual MAC address. The VMs elect
    a master with VRRP version 3; the master adds the shared addresses to its
    interface and announces them with gratuitous ARP or unsolicited
    Neighbor Advertisements.

OPTIONS
    --config FILE
        Run the daemon with the JSON configuration in FILE. An instance
        whose interface does not exist yet, or has no usable source address
        yet, waits in FAULT (interface-missing, no-source-address) and starts
        by itself when both appear; the other instances run meanwhile.

    --strict-startup
        With --config: exit 69 instead if any instance's interface is
        missing or has no usable source address at start-up.

    --check-config FILE
        Validate FILE and exit. Prints a summary of each instance and any
        warnings on standard output, or every error as "PATH: MESSAGE" on
        standard error, PATH being a JSON Pointer such as /instances/0/vrid.

    --cleanup --config FILE
        Remove from each instance's interface the virtual addresses that
        FILE configures and that are present there, at whatever prefix
        length, and nothing else. An owner's (priority 255) stay; a missing
        interface has nothing to remove. Prints a line per address removed
        and exits ${EX_OK} once none is left, ${EX_OSERR} if one could not be removed,
        ${EX_CONFIG} on a bad configuration (nothing is touched then). The unit
        runs it as ExecStopPost=, so that the failover IP never outlives the
        daemon, even after a crash or SIGKILL.

    -h, --help
        Show this text and exit.

    --version
        Print the version and exit.

EXIT STATUS
    ${EX_OK}   success
    ${EX_USAGE}  wrong command line (EX_USAGE)
    ${EX_UNAVAILABLE}  a needed feature is not available in this build (EX_UNAVAILABLE)
    ${EX_OSERR}  --cleanup could not remove a virtual address (EX_OSERR)
    ${EX_CONFIG}  the configuration is invalid or unreadable (EX_CONFIG)

FILES
    /etc/ipfailoverd/config.json
        Conventional location of the configuration; config.example.json in
        the source tree shows every setting.
`;
}

/** One line for stderr after a usage error. */
export function usageHint(): string {
  return "Try 'ipfailoverd --help' for more information.";
}
