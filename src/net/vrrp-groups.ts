/** RFC 9568 §5.1.1.2 / §5.1.2.2: the multicast groups VRRP advertisements go to. */
export const VRRP_IPV4_GROUP = new Uint8Array([224, 0, 0, 18]);
export const VRRP_IPV6_GROUP = new Uint8Array([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12]);
