/**
 * The rtnetlink AddressPort against the real kernel, in a network namespace of its own, checked
 * against what iproute2 (`ip -j`) says. The adapter runs in helpers/netlink-address-driver.js,
 * started with `ip netns exec`, because a netlink socket belongs to the namespace of the process
 * that opens it; the test changes things "from outside" with `ip -n NS`.
 *
 * Only documentation prefixes (RFC 5737, RFC 3849) and link-local addresses. Needs root.
 */

import t from 'tap';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DRIVER = fileURLToPath(new URL('./helpers/netlink-address-driver.js', import.meta.url));
const NS = `ipfo-nl-${randomBytes(4).toString('hex')}`;
const WAIT_MS = 5000;

interface Link { ifindex: number; name: string; mac: string; up: boolean; mtu: number }
interface Entry { ifindex: number; family: 4 | 6; address: string; prefixLength: number; scope: string; secondary: boolean; tentative: boolean }
type Change = { type: 'link' | 'link-removed'; link: Link } | { type: 'address-added' | 'address-removed'; entry: Entry };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string; operation: string };

/** One driver process inside the namespace, spoken to in JSON lines. */
class Driver {
  readonly changes: Change[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private nextId = 1;
  private readonly replies = new Map<number, (reply: Reply) => void>();
  private readonly onChange = new Set<() => void>();

  private readonly ready: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: true; change?: Change } & Partial<Reply>;
      if (message.ready) markReady();
      else if (message.change) {
        this.changes.push(message.change);
        for (const wake of [...this.onChange]) wake();
      } else if (typeof message.id === 'number') this.replies.get(message.id)?.(message as Reply);
      else this.stderr += `${line}\n`;
    });
  }

  /** `prefix` runs before node inside the namespace, e.g. setpriv to drop a capability. */
  static async start(prefix: string[] = []): Promise<Driver> {
    const driver = new Driver(spawn('ip', ['netns', 'exec', NS, ...prefix, process.execPath, DRIVER]));
    drivers.push(driver);
    await withTimeout(driver.ready, () => `driver did not start: ${driver.stderr}`);
    return driver;
  }

  call(op: string, args: object = {}): Promise<Reply> {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => this.replies.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    return withTimeout(reply, () => `no reply to ${op}: ${this.stderr}`);
  }

  /** The value of a command that must succeed. */
  async ok<T>(op: string, args: object = {}): Promise<T> {
    const reply = await this.call(op, args);
    if (!reply.ok) throw new Error(`${op} failed: ${reply.code} (${reply.operation})`);
    return reply.value as T;
  }

  /** The first change at or after index `since` that matches. */
  async change(since: number, matches: (change: Change) => boolean, what: string): Promise<Change> {
    for (;;) {
      const found = this.changes.slice(since).find(matches);
      if (found) return found;
      await withTimeout(new Promise<void>((resolve) => {
        const wake = (): void => { this.onChange.delete(wake); resolve(); };
        this.onChange.add(wake);
      }), () => `no change: ${what}; saw ${JSON.stringify(this.changes.slice(since))}`);
    }
  }

  endInput(): void {
    this.child.stdin.end();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

const drivers: Driver[] = [];

function withTimeout<T>(promise: Promise<T>, message: () => string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', ['-n', NS, ...args])).stdout;
}

async function sh(command: string): Promise<void> {
  await run('ip', ['netns', 'exec', NS, 'sh', '-c', command]);
}

interface IpLink { ifindex: number; address: string; mtu: number; flags: string[] }
interface IpAddr { family: string; local: string; prefixlen: number; scope: string; secondary?: boolean; tentative?: boolean }

async function ipLink(name: string): Promise<IpLink> {
  const [link] = JSON.parse(await ip('-j', 'link', 'show', 'dev', name)) as IpLink[];
  if (!link) throw new Error(`ip shows no ${name}`);
  return link;
}

/** `ip -j addr` of one device and family, as the same sorted strings as `describeEntries`. */
async function ipAddresses(name: string, family: 4 | 6): Promise<string[]> {
  const [dev] = JSON.parse(await ip('-j', 'addr', 'show', 'dev', name)) as { addr_info: IpAddr[] }[];
  const scopes = new Set(['global', 'link', 'host']);
  return (dev?.addr_info ?? [])
    .filter((a) => a.family === (family === 4 ? 'inet' : 'inet6'))
    .map((a) => `${a.local}/${a.prefixlen} ${scopes.has(a.scope) ? a.scope : 'other'}${a.secondary ? ' secondary' : ''}${a.tentative ? ' tentative' : ''}`)
    .sort();
}

function describeEntries(entries: Entry[]): string[] {
  return entries
    .map((e) => `${e.address}/${e.prefixLength} ${e.scope}${e.secondary ? ' secondary' : ''}${e.tentative ? ' tentative' : ''}`)
    .sort();
}

/** Polls until `accept` holds (the kernel updates IFF_RUNNING from a deferred work item). */
async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) {
      if (!accept(value)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (process.getuid?.() !== 0) {
  // Never a skip: a skipped integration test would pass CI silently.
  t.fail('needs root: creates a network namespace (run the suite as root, as CI does)');
} else {
  t.teardown(async () => {
    for (const driver of drivers) driver.kill();
    await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  });

  let driver: Driver;
  let ve0: Link;

  t.before(async () => {
    await run('ip', ['netns', 'add', NS]);
    await ip('link', 'add', 've0', 'type', 'veth', 'peer', 'name', 've1');
    await ip('link', 'set', 've0', 'mtu', '1420');
    // Slow DAD on ve0 keeps an address added with DAD tentative for the whole test, so that the
    // adapter and `ip` are compared on a state that does not change under them.
    await sh('echo 20000 > /proc/sys/net/ipv6/neigh/ve0/retrans_time_ms');
    await ip('link', 'set', 've1', 'up');
    await ip('link', 'set', 've0', 'up');
    driver = await Driver.start();
  });

  t.test('getLink reads ifindex, MAC and MTU as ip does; an absent link is null', async (t) => {
    const shown = await ipLink('ve0');
    ve0 = await eventually(() => driver.ok<Link>('getLink', { name: 've0' }), (l) => l.up, 've0 up');
    t.same(ve0, { ifindex: shown.ifindex, name: 've0', mac: shown.address, up: true, mtu: 1420 });
    t.equal(await driver.ok('getLink', { name: 'ipfo-absent0' }), null);
    t.equal(await driver.ok('getLink', { name: 'a-name-too-long-for-linux' }), null);
  });

  t.test('up follows the administrative state and the carrier', async (t) => {
    const get = (): Promise<Link> => driver.ok<Link>('getLink', { name: 've0' });
    await ip('link', 'set', 've0', 'down');
    t.equal((await eventually(get, (l) => !l.up, 've0 down')).up, false, 'ip link set down');
    await ip('link', 'set', 've0', 'up');
    t.equal((await eventually(get, (l) => l.up, 've0 up')).up, true, 'ip link set up');
    // The peer going down takes ve0's carrier: administratively up still, but not usable.
    await ip('link', 'set', 've1', 'down');
    t.equal((await eventually(get, (l) => !l.up, 've0 without carrier')).up, false, 'carrier lost');
    const flags = (await ipLink('ve0')).flags;
    t.ok(flags.includes('UP') && !flags.includes('LOWER_UP'), `ip agrees: ${flags.join(',')}`);
    await ip('link', 'set', 've1', 'up');
    t.equal((await eventually(get, (l) => l.up, 've0 carrier back')).up, true, 'carrier back');
  });

  t.test('listAddresses matches ip -j addr: scopes, secondary, tentative, one interface only', async (t) => {
    await ip('addr', 'add', '192.0.2.1/24', 'dev', 've0');
    await ip('addr', 'add', '192.0.2.2/24', 'dev', 've0');
    await ip('addr', 'add', '198.51.100.7/24', 'dev', 've0', 'scope', 'link');
    await ip('addr', 'add', '203.0.113.9/32', 'dev', 've0', 'scope', 'host');
    await ip('addr', 'add', '2001:db8:1::1/64', 'dev', 've0', 'nodad');
    await ip('addr', 'add', '2001:db8:1::2/64', 'dev', 've0');
    await ip('addr', 'add', '203.0.113.1/24', 'dev', 've1');
    for (const family of [4, 6] as const) {
      const entries = await driver.ok<Entry[]>('listAddresses', { ifindex: ve0.ifindex, family });
      t.strictSame(describeEntries(entries), await ipAddresses('ve0', family), `IPv${family}`);
      t.ok(entries.every((e) => e.ifindex === ve0.ifindex && e.family === family), `IPv${family}: ve0's only`);
    }
    const v4 = describeEntries(await driver.ok<Entry[]>('listAddresses', { ifindex: ve0.ifindex, family: 4 }));
    t.ok(v4.includes('192.0.2.2/24 global secondary'), 'secondary');
    t.ok(v4.includes('198.51.100.7/24 link') && v4.includes('203.0.113.9/32 host'), 'link and host scope');
    const v6 = describeEntries(await driver.ok<Entry[]>('listAddresses', { ifindex: ve0.ifindex, family: 6 }));
    t.ok(v6.includes('2001:db8:1::2/64 global tentative') && v6.includes('2001:db8:1::1/64 global'), 'tentative');
  });

  t.test('addAddress: IPv4, IPv6 with and without nodad, link-local; twice is fine', async (t) => {
    const add = (family: 4 | 6, address: string, prefixLength: number, nodad: boolean): Promise<unknown> =>
      driver.ok('addAddress', { ifindex: ve0.ifindex, family, address, prefixLength, nodad });
    for (let round = 1; round <= 2; round++) {
      await add(4, '192.0.2.50', 24, false);
      await add(6, '2001:db8:5::50', 64, true);
      await add(6, '2001:db8:6::60', 64, false);
      await add(6, 'fe80::50', 64, true);
      t.pass(`round ${round} resolved`);
    }
    const v4 = await ipAddresses('ve0', 4);
    const v6 = await ipAddresses('ve0', 6);
    t.ok(v4.includes('192.0.2.50/24 global secondary'), 'ip shows the IPv4 address');
    t.ok(v6.includes('2001:db8:5::50/64 global'), 'nodad: not tentative');
    t.ok(v6.includes('2001:db8:6::60/64 global tentative'), 'without nodad: tentative while DAD runs');
    t.ok(v6.includes('fe80::50/64 link'), 'link-local, link scope');
    const entries = describeEntries(await driver.ok<Entry[]>('listAddresses', { ifindex: ve0.ifindex, family: 6 }));
    t.strictSame(entries, v6, 'the adapter reads back what ip shows');
  });

  t.test('deleteAddress: IPv4 and IPv6; twice is fine', async (t) => {
    const del = (family: 4 | 6, address: string, prefixLength: number): Promise<unknown> =>
      driver.ok('deleteAddress', { ifindex: ve0.ifindex, family, address, prefixLength });
    for (let round = 1; round <= 2; round++) {
      await del(4, '192.0.2.50', 24);
      await del(6, '2001:db8:5::50', 64);
      await del(6, 'fe80::50', 64);
      t.pass(`round ${round} resolved`);
    }
    const shown = [...(await ipAddresses('ve0', 4)), ...(await ipAddresses('ve0', 6))].join(' | ');
    t.notMatch(shown, /192\.0\.2\.50|2001:db8:5::50|fe80::50\//, 'ip no longer shows them');
    t.match(shown, /192\.0\.2\.1\/24/, 'the others stay');
  });

  t.test('watch: addresses added and removed by ip, links going down, up and away', async (t) => {
    await driver.ok('watch');
    let mark = driver.changes.length;
    await ip('addr', 'add', '192.0.2.77/24', 'dev', 've0');
    const added = await driver.change(mark, (c) => c.type === 'address-added' && c.entry.address === '192.0.2.77', 'IPv4 added');
    t.match(added, { entry: { ifindex: ve0.ifindex, family: 4, prefixLength: 24, scope: 'global' } });
    mark = driver.changes.length;
    await ip('addr', 'del', '192.0.2.77/24', 'dev', 've0');
    await driver.change(mark, (c) => c.type === 'address-removed' && c.entry.address === '192.0.2.77', 'IPv4 removed');

    mark = driver.changes.length;
    await ip('addr', 'add', '2001:db8:7::7/64', 'dev', 've0', 'nodad');
    await driver.change(mark, (c) => c.type === 'address-added' && c.entry.address === '2001:db8:7::7' && !c.entry.tentative, 'IPv6 added');
    await ip('addr', 'del', '2001:db8:7::7/64', 'dev', 've0');
    await driver.change(mark, (c) => c.type === 'address-removed' && c.entry.address === '2001:db8:7::7', 'IPv6 removed');

    const ve0Is = (up: boolean) => (c: Change): boolean => c.type === 'link' && c.link.ifindex === ve0.ifindex && c.link.up === up;
    mark = driver.changes.length;
    await ip('link', 'set', 've0', 'down');
    t.match(await driver.change(mark, ve0Is(false), 've0 down'), { link: { name: 've0', mac: ve0.mac } });
    mark = driver.changes.length;
    await ip('link', 'set', 've0', 'up');
    await driver.change(mark, ve0Is(true), 've0 up');
    t.pass('link down and up seen');

    await ip('link', 'add', 've2', 'type', 'veth', 'peer', 'name', 've3');
    const ve2 = await ipLink('ve2');
    mark = driver.changes.length;
    await ip('link', 'del', 've2');
    const gone = await driver.change(mark, (c) => c.type === 'link-removed' && c.link.ifindex === ve2.ifindex && !c.link.up, 've2 gone');
    t.match(gone, { link: { name: 've2', up: false } }, 'a link that disappears reads as down');
  });

  t.test('after unsubscribing nothing more is delivered', async (t) => {
    await driver.ok('unwatch');
    const mark = driver.changes.length;
    await ip('addr', 'add', '192.0.2.88/24', 'dev', 've0');
    // The kernel notifies synchronously with the change; a round trip later it would be here.
    await driver.ok('getLink', { name: 've0' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.equal(driver.changes.length, mark);
  });

  t.test('the kernel refuses an add to an interface that is not there: ENODEV, naming the operation', async (t) => {
    const args = { ifindex: 99999, family: 4, address: '192.0.2.9', prefixLength: 24, nodad: false };
    t.match(await driver.call('addAddress', args), { ok: false, code: 'ENODEV', operation: 'add 192.0.2.9/24 to ifindex 99999' });
    t.match(await driver.call('addAddress', { ...args, family: 6, address: '2001:db8:7::9', prefixLength: 129 }), { ok: false, code: 'EINVAL' }, 'a prefix longer than the family allows');
  });

  t.test('the rehearsal of adds and deletes (warm-up) changes nothing the kernel or a watcher can see', async (t) => {
    const before = [...(await ipAddresses('ve0', 4)), ...(await ipAddresses('ve0', 6))];
    await driver.ok('watch');
    const mark = driver.changes.length;
    for (let i = 0; i < 3; i++) await driver.ok('rehearse');
    await driver.ok('getLink', { name: 've0' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.same(driver.changes.slice(mark), [], 'no address or link notification');
    await driver.ok('unwatch');
    t.same([...(await ipAddresses('ve0', 4)), ...(await ipAddresses('ve0', 6))], before, 've0 as before');
    const everywhere = await ip('-j', 'addr', 'show');
    t.notMatch(everywhere, /"192\.0\.2\.1","prefixlen":32|"2001:db8::1","prefixlen":128/, 'the rehearsal addresses are on no interface');
  });

  t.test('without CAP_NET_ADMIN: reads work, changes fail with EPERM naming the operation', async (t) => {
    const unprivileged = await Driver.start(['setpriv', '--bounding-set=-net_admin', '--inh-caps=-net_admin']);
    t.equal((await unprivileged.ok<Link>('getLink', { name: 've0' })).ifindex, ve0.ifindex);
    const args = { ifindex: ve0.ifindex, family: 4, address: '192.0.2.9', prefixLength: 24 };
    t.match(await unprivileged.call('addAddress', { ...args, nodad: false }), { ok: false, code: 'EPERM', operation: `add 192.0.2.9/24 to ifindex ${ve0.ifindex}` });
    t.match(await unprivileged.call('deleteAddress', args), { ok: false, code: 'EPERM', operation: /^delete 192\.0\.2\.9\/24/ });
    unprivileged.endInput();
    t.equal(await withTimeout(unprivileged.exited, () => 'did not exit'), 0);
  });

  t.test('close() lets the process exit, even after watching', async (t) => {
    await driver.ok('watch');
    driver.endInput();
    t.equal(await withTimeout(driver.exited, () => `did not exit after close: ${driver.stderr}`), 0);
  });
}
