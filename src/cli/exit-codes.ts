// Exit statuses from sysexits.h, so that systemd and scripts can tell a
// usage mistake from a bad configuration from a missing feature.
export const EX_OK = 0;
/** Wrong command line. */
export const EX_USAGE = 64;
/** A service the command needs is not available. */
export const EX_UNAVAILABLE = 69;
/** Something in the configuration is wrong. */
export const EX_CONFIG = 78;
/** A system call failed (e.g. `--cleanup` could not remove an address). */
export const EX_OSERR = 71;
