/**
 * The receive path on the wire: µs of CPU per datagram received, and what survives a stall.
 *   node dist/test/bench/receive-batch.js [--rate N] [--seconds S] [--burst N] [--stall MS]
 * Two members on a bridge (test/integration/helpers/topology.ts). Member 2 runs the daemon's own
 * transport (receive-batch-peer.ts), started as the unit starts the daemon: its NODE_OPTIONS and
 * Nice= from systemd/ipfailoverd.service (unit-options.ts). Member 1 sends VRRP advertisements to the
 * group from python3, per family:
 *   steady  RATE datagrams a second for S seconds: receiver CPU time / datagrams received;
 *   stall   the receiver's event loop blocked for MS ms while BURST datagrams arrive at once
 *           (a busy machine): how many it still gets once it runs again, and how fast it drains
 *           the queue (first to last delivery / datagrams: µs per datagram, no wake-ups between).
 * Prints figures; asserts nothing (figures vary with the machine: indicative only).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { encode } from '../../src/protocol/advertisement.js';
import { ip } from '../helpers/addresses.js';
import { createTopology, inNs, type Member } from '../integration/helpers/topology.js';
import { readUnitLaunch } from './unit-options.js';

const PEER = fileURLToPath(new URL('./receive-batch-peer.js', import.meta.url));

const SENDER = `
import socket, sys, time
family, src, hexmsg, count, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
msg = bytes.fromhex(hexmsg)
ifindex = socket.if_nametoindex('eth0')
if family == '6':
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.bind((src, 0, 0, ifindex))
    dst = ('ff02::12', 0, 0, ifindex)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.bind((src, 0))
    dst = ('224.0.0.18', 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
start = time.monotonic()
sent = 0
while sent < count:
    if rate > 0:
        due = int((time.monotonic() - start) * rate) + 1
        if due <= sent:
            time.sleep(0.0005)
            continue
    else:
        due = count
    while sent < min(due, count):
        try:
            s.sendto(msg, dst)
            sent += 1
        except BlockingIOError:
            time.sleep(0.0001)
print(sent, flush=True)
`;

class Peer {
  readonly lines: Array<Record<string, unknown>> = [];
  private wake: () => void = () => undefined;
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ text: line });
      }
      this.wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }
  async next(event: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((l) => l.event === event);
      if (index >= 0) return this.lines.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`receiver: no ${event} within ${timeoutMs} ms (${JSON.stringify(this.lines)})`);
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), sleep(50)]);
    }
  }
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
}

async function send(from: Member, family: 4 | 6, count: number, rate: number): Promise<number> {
  const src = family === 4 ? from.ipv4 : from.linkLocal;
  const dst = family === 4 ? '224.0.0.18' : 'ff02::12';
  const message = encode({ vrid: 200, priority: 100, maxAdvertIntervalCs: 100, addresses: [ip(family === 4 ? '203.0.113.200' : '2001:db8::200')] }, { family, src: ip(src), dst: ip(dst), variant: 'rfc9568' });
  const child = spawn('ip', ['netns', 'exec', from.ns, 'python3', '-c', SENDER, String(family), src, Buffer.from(message).toString('hex'), String(count), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return Number(out.trim());
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  const rate = option('rate', 20_000);
  const seconds = option('seconds', 2);
  const burst = option('burst', 4_000);
  const stallMs = option('stall', 300);
  const unit = readUnitLaunch();
  const nodeOptions = unit.nodeOptions.split(/\s+/).filter(Boolean);
  console.log(`receiver as the unit runs it: nice ${unit.nice}, node ${unit.nodeOptions || '(no options)'}`);
  const topology = await createTopology(2, { prefix: 'ipfo-rxb' });
  const dir = mkdtempSync(`${tmpdir()}/ipfo-rxb-`);
  try {
    const [sender, receiver] = topology.members as [Member, Member];
    const [link] = JSON.parse(await inNs(receiver.ns, 'ip', '-j', 'link', 'show', 'eth0')) as Array<{ ifindex: number }>;
    for (const family of [4, 6] as const) {
      const child = spawn('ip', ['netns', 'exec', receiver.ns, 'nice', '-n', String(unit.nice), process.execPath, ...nodeOptions, PEER, String(family), 'eth0', String(link!.ifindex)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...unit.env } });
      const peer = new Peer(child);
      try {
        await peer.next('ready');
        await sleep(300); // the group join settles (IPv6 MLD) before the count starts
        peer.send('mark');
        await peer.next('marked');
        const sent = await send(sender, family, Math.round(rate * seconds), rate);
        await sleep(300);
        peer.send('report');
        const steady = await peer.next('report');
        const got = steady.received as number;
        const perDatagram = (us: unknown): string => ((us as number) / got).toFixed(2);
        console.log(`IPv${family} steady ${rate}/s for ${seconds} s: sent ${sent}, received ${got} (${sent - got} lost), ${perDatagram(steady.cpuUs)} µs CPU per datagram (user ${perDatagram(steady.userUs)})`);

        peer.send('mark');
        await peer.next('marked');
        const release = `${dir}/release-${family}`;
        peer.send(`stall ${stallMs} ${release}`);
        await peer.next('stalling');
        const burstSent = await send(sender, family, burst, 0);
        writeFileSync(release, '');
        await sleep(stallMs + 300);
        peer.send('report');
        const stalled = await peer.next('report');
        const kept = stalled.received as number;
        console.log(`IPv${family} stall ${stallMs} ms, burst of ${burstSent}: received ${kept} (${burstSent - kept} dropped by the kernel), drained at ${((stalled.drainUs as number) / Math.max(1, kept - 1)).toFixed(2)} µs per datagram`);
        peer.send('close');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  } finally {
    await topology.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
