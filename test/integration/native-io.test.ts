/**
 * The native addon on real interfaces: two network namespaces joined by a veth pair, fe80::1 on
 * one side and fe80::2 on the other, each end driven by a child process running
 * helpers/native-io-peer.js (Ipv6VrrpTransport + PacketFrameSender). Python sends what our own
 * code must not (hop limit 254) and receives raw frames. Then the same for IPv4 (Ipv4VrrpTransport:
 * native receive, raw-socket send), with the receive queue's drain, size and drop count.
 * Needs root; skipped otherwise.
 */

import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '../../src/protocol/advertisement.js';
import { Ipv6VrrpTransport } from '../../src/net/ipv6-transport.js';
import { PacketFrameSender } from '../../src/net/packet-socket.js';
import { RECEIVE_BUFFER_BYTES } from '../../src/net/receive-buffer.js';
import { NetError } from '../../src/net/ports.js';
import { ip } from '../helpers/addresses.js';

const PEER = fileURLToPath(new URL('./helpers/native-io-peer.js', import.meta.url));
const ETHERTYPE_EXPERIMENTAL = '88b5'; // IEEE 802 Local Experimental EtherType 1

const PYTHON_SEND_HOPS = `
import socket, sys
ifname, ifindex, dst, hops, message = sys.argv[1:]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, int(hops))
s.sendto(bytes.fromhex(message), (dst, 0, 0, int(ifindex)))
`;

const PYTHON_RECEIVE_FRAME = `
import socket, sys
ifname, ethertype = sys.argv[1], int(sys.argv[2], 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
s.bind((ifname, ethertype))
print('ready', flush=True)
while True:
    frame, address = s.recvfrom(65535)
    if address[2] != socket.PACKET_OUTGOING:
        print(frame.hex(), flush=True)
        break
`;

type Event = Record<string, unknown>;

/** A child process speaking JSON lines (or plain lines, kept as { line }) on stdout. */
class Child {
  readonly events: Event[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  #changed: () => void = () => {};

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        event = { line };
      }
      this.events.push(event);
      this.#changed();
    });
    proc.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = once(proc, 'exit').then(([code]) => code as number | null);
  }

  command(command: Event): void {
    this.proc.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The first event (past or future) matching; rejects after timeoutMs. */
  async waitFor(what: string, match: (event: Event) => boolean, timeoutMs = 3000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
      await Promise.race([new Promise<void>((resolve) => (this.#changed = resolve)), sleep(50)]);
    }
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Side {
  readonly ns: string;
  readonly ifname: string;
  readonly mac: string;
  readonly address: string;
  ifindex: number;
}

/** lo up, no DAD delay, our own MAC and link-local only; waits until the address is usable. */
async function configure(side: Side): Promise<void> {
  const { ns, ifname } = side;
  run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${ifname}.dad_transmits=0`]);
  // With DAD off the address still waits a random part of this delay (1 s) to leave tentative.
  run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${ifname}.router_solicitation_delay=0`]);
  run('ip', ['-n', ns, 'link', 'set', ifname, 'address', side.mac, 'addrgenmode', 'none']);
  run('ip', ['-n', ns, 'addr', 'add', `${side.address}/64`, 'dev', ifname]);
  run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
}

async function waitUsable(side: Side): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [link] = JSON.parse(run('ip', ['-n', side.ns, '-j', 'addr', 'show', 'dev', side.ifname])) as Array<{
      ifindex: number;
      operstate: string;
      addr_info: Array<{ local: string; tentative?: boolean }>;
    }>;
    side.ifindex = link!.ifindex;
    const address = link!.addr_info.find((a) => a.local === side.address);
    if (link!.operstate === 'UP' && address !== undefined && address.tentative !== true) return;
    await sleep(50);
  }
  throw new Error(`${side.ns}/${side.ifname}: ${side.address} never became usable`);
}

function vrrp(vrid: number, src: string, dst: string): string {
  const adv = { vrid, priority: 100, maxAdvertIntervalCs: 100, addresses: [ip('2001:db8::100')] };
  return Buffer.from(encode(adv, { family: 6, src: ip(src), dst: ip(dst), variant: 'rfc9568' })).toString('hex');
}

const isRoot = process.getuid?.() === 0;

t.test('native IPv6 VRRP and packet sockets between two namespaces', { skip: !isRoot && 'needs root' }, async (t) => {
  const suffix = randomBytes(4).toString('hex');
  const a: Side = { ns: `ipfo-nat-${suffix}a`, ifname: 'veth-a', mac: '02:1f:00:00:00:0a', address: 'fe80::1', ifindex: 0 };
  const b: Side = { ns: `ipfo-nat-${suffix}b`, ifname: 'veth-b', mac: '02:1f:00:00:00:0b', address: 'fe80::2', ifindex: 0 };
  const children: Child[] = [];
  const created: string[] = [];
  t.teardown(async () => {
    for (const child of children) child.kill();
    await Promise.all(children.map((child) => child.exited));
    for (const ns of created) run('ip', ['netns', 'del', ns]); // takes the veth pair with it
  });

  for (const side of [a, b]) {
    run('ip', ['netns', 'add', side.ns]);
    created.push(side.ns);
  }
  run('ip', ['-n', a.ns, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  await configure(a);
  await configure(b);
  await waitUsable(a);
  await waitUsable(b);

  const dir = t.testdir({ 'send-hops.py': PYTHON_SEND_HOPS, 'receive-frame.py': PYTHON_RECEIVE_FRAME });
  const inNs = (side: Side, command: string, args: string[]): Child => {
    const child = new Child(spawn('ip', ['netns', 'exec', side.ns, command, ...args], { stdio: 'pipe' }));
    children.push(child);
    return child;
  };
  const peer = (side: Side, mode = 'peer', ifname = side.ifname): Child =>
    inNs(side, process.execPath, [PEER, mode, ifname, String(side.ifindex), '1']);

  const peerA = peer(a);
  const peerB = peer(b);
  await peerA.waitFor('A ready', (e) => e.event === 'ready');
  await peerB.waitFor('B ready', (e) => e.event === 'ready');

  const fromA = vrrp(61, 'fe80::1', 'ff02::12');
  await t.test('(a) multicast from A arrives at B: hop limit 255, addresses and bytes intact', async (t) => {
    peerA.command({ cmd: 'send', message: fromA, src: 'fe80::1', dst: 'ff02::12' });
    await peerA.waitFor('A sent', (e) => e.event === 'sent' && e.message === fromA);
    const got = await peerB.waitFor('advert at B', (e) => e.event === 'packet' && e.message === fromA);
    t.match(got, { family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 255, ifindex: b.ifindex });
    const message = Buffer.from(got.message as string, 'hex');
    t.match(decode(message, { family: 6, src: ip('fe80::1'), dst: ip('ff02::12') }), { ok: true, value: { vrid: 61 } });
  });

  await t.test('(d) neither sender hears its own multicast', async (t) => {
    const fromB = vrrp(62, 'fe80::2', 'ff02::12');
    peerB.command({ cmd: 'send', message: fromB, src: 'fe80::2', dst: 'ff02::12' });
    await peerA.waitFor("B's advert at A", (e) => e.event === 'packet' && e.message === fromB);
    // A was listening (it heard B), and its own earlier advert never came back to it.
    t.notOk(peerA.events.some((e) => e.event === 'packet' && e.message === fromA), 'A did not hear itself');
    t.notOk(peerB.events.some((e) => e.event === 'packet' && e.message === fromB), 'B did not hear itself');
  });

  await t.test('(c) unicast from fe80::1 to fe80::2', async (t) => {
    const unicast = vrrp(63, 'fe80::1', 'fe80::2');
    peerA.command({ cmd: 'send', message: unicast, src: 'fe80::1', dst: 'fe80::2' });
    const got = await peerB.waitFor('unicast at B', (e) => e.event === 'packet' && e.message === unicast);
    t.match(got, { src: 'fe80::1', dst: 'fe80::2', ttl: 255, ifindex: b.ifindex });
  });

  await t.test('(b) a packet sent with hop limit 254 is reported with ttl 254', async (t) => {
    const lowHops = vrrp(64, 'fe80::1', 'ff02::12');
    const python = inNs(a, 'python3', [`${dir}/send-hops.py`, a.ifname, String(a.ifindex), 'ff02::12', '254', lowHops]);
    t.equal(await python.exited, 0, `python sender: ${python.stderr}`);
    const got = await peerB.waitFor('hop-254 packet at B', (e) => e.event === 'packet' && e.message === lowHops);
    t.match(got, { src: 'fe80::1', dst: 'ff02::12', ttl: 254 });
  });

  await t.test('(e) a PacketFrameSender frame arrives byte for byte', async (t) => {
    const receiver = inNs(b, 'python3', [`${dir}/receive-frame.py`, b.ifname, ETHERTYPE_EXPERIMENTAL]);
    await receiver.waitFor('frame receiver ready', (e) => e.line === 'ready');
    const payload = Buffer.alloc(46);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 37 + 11) & 0xff;
    const frame = b.mac.replaceAll(':', '') + a.mac.replaceAll(':', '') + ETHERTYPE_EXPERIMENTAL + payload.toString('hex');
    peerA.command({ cmd: 'frame', frame });
    await peerA.waitFor('frame sent', (e) => e.event === 'frame-sent');
    const got = await receiver.waitFor('frame at B', (e) => typeof e.line === 'string' && e.line !== 'ready');
    t.equal(got.line, frame);
  });

  await t.test("a PacketFrameSender's rehearsal (warm-up) sends nothing", async (t) => {
    const sent = async (): Promise<number> => Number(run('ip', ['netns', 'exec', a.ns, 'cat', `/sys/class/net/${a.ifname}/statistics/tx_packets`]).trim());
    // The link may send an MLD report of its own meanwhile: a window of 5 rehearsals with no
    // frame at all, in three tries, shows that they send none.
    const windows: number[] = [];
    const rehearsed = (): number => peerA.events.filter((e) => e.event === 'frame-rehearsed').length;
    for (let attempt = 0; attempt < 3 && !windows.includes(0); attempt++) {
      const before = await sent();
      const expected = rehearsed() + 5;
      for (let i = 0; i < 5; i++) peerA.command({ cmd: 'rehearse-frame' });
      await peerA.waitFor('5 rehearsals', (e) => e.event === 'frame-rehearsed' && rehearsed() >= expected);
      windows.push((await sent()) - before);
    }
    t.ok(windows.includes(0), `frames transmitted per window of 5 rehearsals: ${windows.join(', ')}`);
    t.notOk(peerA.events.some((e) => e.event === 'error'), 'and reported no error');
  });

  await t.test('sending from an address that is not ours is refused (Linux says EINVAL)', async (t) => {
    const message = vrrp(65, '2001:db8::99', 'ff02::12');
    peerA.command({ cmd: 'send', message, src: '2001:db8::99', dst: 'ff02::12' });
    const got = await peerA.waitFor('send error', (e) => e.event === 'send-error');
    t.match(got, { code: 'EINVAL', operation: /from 2001:db8::99 to ff02::12 on veth-a/ });
  });

  await t.test('close() releases the event loop; ref is the default and unref() opts out', async (t) => {
    for (const child of [peerA, peerB]) {
      child.command({ cmd: 'close' });
      await child.waitFor('closed', (e) => e.event === 'closed');
    }
    const exits = Promise.all([peerA.exited, peerB.exited]);
    t.same(await Promise.race([exits, sleep(3000, 'still running')]), [0, 0], 'both peers exit by themselves');

    const unref = peer(a, 'unref');
    t.equal(await Promise.race([unref.exited, sleep(3000, 'still running')]), 0, 'an unref()d socket lets it exit');
    const hold = peer(a, 'hold');
    await hold.waitFor('hold ready', (e) => e.event === 'ready');
    await sleep(500);
    t.equal(hold.proc.exitCode, null, 'an open, ref()d socket keeps the process alive');
    hold.kill();
  });

  await t.test('without CAP_NET_RAW, opening fails with EPERM', async (t) => {
    const noRaw = inNs(a, 'setpriv', [
      '--inh-caps=-net_raw', '--bounding-set=-net_raw', process.execPath, PEER, 'peer', a.ifname, String(a.ifindex), '1',
    ]);
    const got = await noRaw.waitFor('open error', (e) => e.event === 'open-error');
    t.match(got, { code: 'EPERM', operation: 'open IPv6 VRRP socket on veth-a' });
  });
});

t.test('(f) a missing interface is NetError ENODEV', { skip: !isRoot && 'needs root' }, async (t) => {
  const missing = `ipfonx${randomBytes(4).toString('hex')}`;
  const open = (ifname: string, ifindex: number) => () => new Ipv6VrrpTransport({ ifname, ifindex, multicast: true });
  t.throws(open(missing, 999_999), new NetError('ENODEV', `open IPv6 VRRP socket on ${missing}`));
  t.throws(open('lo', 999_999), { code: 'ENODEV' }, 'a name with another ifindex is refused too');
  t.throws(open('x'.repeat(16), 1), { code: 'ENODEV' }, 'a name too long for any interface');
  t.throws(() => new PacketFrameSender(0x7ffffff0), new NetError('ENODEV', 'open packet socket on ifindex 2147483632'));
});

const PYTHON_SEND4 = `
import socket, sys
ifname, dst, ttl, count, message = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), bytes.fromhex(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
for _ in range(count):
    s.sendto(message, (dst, 0))
`;

function vrrp4(vrid: number, src: string, dst: string): string {
  const adv = { vrid, priority: 100, maxAdvertIntervalCs: 100, addresses: [ip('203.0.113.100')] };
  return Buffer.from(encode(adv, { family: 4, src: ip(src), dst: ip(dst), variant: 'rfc9568' })).toString('hex');
}

t.test('native IPv4 VRRP socket between two namespaces (sending stays on raw-socket, IPPROTO_RAW)', { skip: !isRoot && 'needs root' }, async (t) => {
  const suffix = randomBytes(4).toString('hex');
  const a = { ns: `ipfo-na4-${suffix}a`, ifname: 'veth-a', ifindex: 0 };
  const b = { ns: `ipfo-na4-${suffix}b`, ifname: 'veth-b', ifindex: 0 };
  const children: Child[] = [];
  const created: string[] = [];
  t.teardown(async () => {
    for (const child of children) child.kill();
    await Promise.all(children.map((child) => child.exited));
    for (const ns of created) run('ip', ['netns', 'del', ns]);
  });
  for (const side of [a, b]) {
    run('ip', ['netns', 'add', side.ns]);
    created.push(side.ns);
  }
  run('ip', ['-n', a.ns, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  for (const [side, addresses] of [[a, ['192.0.2.1/24', '192.0.2.11/24']], [b, ['192.0.2.2/24']]] as const) {
    run('ip', ['-n', side.ns, 'link', 'set', 'lo', 'up']);
    for (const address of addresses) run('ip', ['-n', side.ns, 'addr', 'add', address, 'dev', side.ifname]);
    run('ip', ['-n', side.ns, 'link', 'set', side.ifname, 'up']);
    const [link] = JSON.parse(run('ip', ['-n', side.ns, '-j', 'link', 'show', side.ifname])) as Array<{ ifindex: number }>;
    side.ifindex = link!.ifindex;
  }
  const dir = t.testdir({ 'send4.py': PYTHON_SEND4 });
  const inNs = (side: typeof a, command: string, args: string[]): Child => {
    const child = new Child(spawn('ip', ['netns', 'exec', side.ns, command, ...args], { stdio: 'pipe' }));
    children.push(child);
    return child;
  };
  const peer = (side: typeof a, mode = 'peer', multicast = '1'): Child => inNs(side, process.execPath, [PEER, mode, side.ifname, String(side.ifindex), multicast, '4']);
  const python = async (dst: string, ttl: number, count: number, message: string): Promise<void> => {
    const sender = inNs(a, 'python3', [`${dir}/send4.py`, a.ifname, dst, String(ttl), String(count), message]);
    t.equal(await sender.exited, 0, `python sender: ${sender.stderr}`);
  };
  const packets = (child: Child, message: string) => child.events.filter((e) => e.event === 'packet' && e.message === message);
  /** Blocks `child`'s event loop while `during` runs; resolves once it reads again. */
  const stalled = async (child: Child, during: () => Promise<void>, options: { drain?: boolean } = {}): Promise<void> => {
    const release = `${dir}/release-${randomBytes(4).toString('hex')}`;
    child.command({ cmd: 'stall', until: release, ...options });
    await child.waitFor('stalling', (e) => e.event === 'stalling');
    child.events.splice(child.events.findIndex((e) => e.event === 'stalling'), 1);
    await during();
    writeFileSync(release, '');
  };

  const peerA = peer(a);
  await peerA.waitFor('A ready', (e) => e.event === 'ready');

  await t.test('without joinGroup, 224.0.0.18 is not received; unicast is', async (t) => {
    const unicastOnly = peer(b, 'peer', '0');
    await unicastOnly.waitFor('unicast-only ready', (e) => e.event === 'ready');
    const group = vrrp4(40, '192.0.2.1', '224.0.0.18');
    const direct = vrrp4(41, '192.0.2.1', '192.0.2.2');
    peerA.command({ cmd: 'send', message: group, src: '192.0.2.1', dst: '224.0.0.18' });
    peerA.command({ cmd: 'send', message: direct, src: '192.0.2.1', dst: '192.0.2.2' });
    // Same link, same order: once the unicast is in, the multicast before it was not delivered.
    await unicastOnly.waitFor('unicast at B', (e) => e.event === 'packet' && e.message === direct);
    t.same(packets(unicastOnly, group), [], 'no multicast without the join');
    unicastOnly.command({ cmd: 'close' });
    t.equal(await unicastOnly.exited, 0);
  });

  const peerB = peer(b);
  await peerB.waitFor('B ready', (e) => e.event === 'ready');

  await t.test('multicast from A arrives at B: TTL 255 from the header, source, destination, ifindex, payload intact', async (t) => {
    const message = vrrp4(42, '192.0.2.1', '224.0.0.18');
    peerA.command({ cmd: 'send', message, src: '192.0.2.1', dst: '224.0.0.18' });
    const got = await peerB.waitFor('advert at B', (e) => e.event === 'packet' && e.message === message);
    t.match(got, { family: 4, src: '192.0.2.1', dst: '224.0.0.18', ttl: 255, ifindex: b.ifindex });
    t.ok(typeof got.ageMs === 'number' && got.ageMs >= 0 && got.ageMs < 1000, `a kernel receive age (${String(got.ageMs)} ms)`);
    t.match(decode(Buffer.from(message, 'hex'), { family: 4, src: ip('192.0.2.1'), dst: ip('224.0.0.18') }), { ok: true, value: { vrid: 42 } });
  });

  await t.test('the source is exactly ours (IP_HDRINCL), not the interface primary; A does not hear itself', async (t) => {
    const message = vrrp4(43, '192.0.2.11', '224.0.0.18');
    peerA.command({ cmd: 'send', message, src: '192.0.2.11', dst: '224.0.0.18' });
    const got = await peerB.waitFor('advert from .11 at B', (e) => e.event === 'packet' && e.message === message);
    t.match(got, { src: '192.0.2.11', ttl: 255 });
    const fromB = vrrp4(44, '192.0.2.2', '224.0.0.18');
    peerB.command({ cmd: 'send', message: fromB, src: '192.0.2.2', dst: '224.0.0.18' });
    await peerA.waitFor("B's advert at A", (e) => e.event === 'packet' && e.message === fromB);
    t.same(packets(peerA, message), [], 'A did not hear its own multicast');
    t.same(packets(peerB, fromB), [], 'B did not hear its own multicast');
  });

  await t.test('unicast from A to B: TTL 255, destination B', async (t) => {
    const message = vrrp4(45, '192.0.2.1', '192.0.2.2');
    peerA.command({ cmd: 'send', message, src: '192.0.2.1', dst: '192.0.2.2' });
    const got = await peerB.waitFor('unicast at B', (e) => e.event === 'packet' && e.message === message);
    t.match(got, { src: '192.0.2.1', dst: '192.0.2.2', ttl: 255, ifindex: b.ifindex });
  });

  await t.test('a packet sent with TTL 254 is still delivered, with ttl 254, for the checks to drop', async (t) => {
    const message = vrrp4(46, '192.0.2.1', '224.0.0.18');
    await python('224.0.0.18', 254, 1, message);
    const got = await peerB.waitFor('TTL-254 packet at B', (e) => e.event === 'packet' && e.message === message);
    t.match(got, { src: '192.0.2.1', dst: '224.0.0.18', ttl: 254 });
  });

  await t.test('a burst of far more than one batch, queued while the loop is blocked, is all delivered', async (t) => {
    const message = vrrp4(47, '192.0.2.1', '192.0.2.2');
    const count = 1500;
    await stalled(peerB, () => python('192.0.2.2', 255, count, message));
    await peerB.waitFor('the whole burst', () => packets(peerB, message).length === count, 10_000);
    peerB.command({ cmd: 'stats' });
    const stats = await peerB.waitFor('stats', (e) => e.event === 'stats');
    t.match(stats, { kernelDrops: 0, receiveBufferBytes: RECEIVE_BUFFER_BYTES }, 'sized by SO_RCVBUFFORCE, nothing dropped');
  });

  await t.test('drain() delivers what is queued before it returns (the Active_Down_Timer reads the socket first)', async (t) => {
    const message = vrrp4(49, '192.0.2.1', '192.0.2.2');
    await stalled(peerB, () => python('192.0.2.2', 255, 5, message), { drain: true });
    const drained = await peerB.waitFor('drained', (e) => e.event === 'drained');
    t.equal(drained.during, 5, 'all five delivered inside the drain() call, before the loop polled');
    t.equal(packets(peerB, message).length, 5, 'and none twice');
  });

  await t.test('what overflows a full receive queue is counted as kernel drops (SO_RXQ_OVFL): every datagram accounted for', async (t) => {
    const small = peer(b, 'small');
    await small.waitFor('small ready', (e) => e.event === 'ready');
    const message = vrrp4(48, '192.0.2.1', '192.0.2.2');
    const count = 300;
    await stalled(small, () => python('192.0.2.2', 255, count, message));
    await peerB.waitFor('the big-buffer peer got them all', () => packets(peerB, message).length === count, 10_000);
    await sleep(200);
    small.command({ cmd: 'stats' });
    const stats = await small.waitFor('stats', (e) => e.event === 'stats');
    const delivered = packets(small, message).length;
    t.ok(delivered > 0 && delivered < count, `some delivered, not all (${delivered})`);
    t.equal(delivered + (stats.kernelDrops as number), count, 'delivered + kernel drops = sent');
  });
});
