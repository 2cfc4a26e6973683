// struct ip_mreqn: the group in network order, the ifindex an int in host order.
import { endianness } from 'node:os';
import t from 'tap';
import { ipMreqn } from '../../src/net/ipv4-transport.js';

t.test('ip_mreqn: group, zero address, ifindex in the byte order asked for, the host\'s by default', async (t) => {
  const group = Uint8Array.from([224, 0, 0, 18]);
  t.same([...ipMreqn(group, 0x01020304, 'LE')], [224, 0, 0, 18, 0, 0, 0, 0, 4, 3, 2, 1]);
  t.same([...ipMreqn(group, 0x01020304, 'BE')], [224, 0, 0, 18, 0, 0, 0, 0, 1, 2, 3, 4]);
  t.same(ipMreqn(group, 7), ipMreqn(group, 7, endianness()));
});
