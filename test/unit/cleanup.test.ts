// ipfailoverd --cleanup (runtime/cleanup.ts) against an AddressPort that behaves like the
// kernel: exactly the configured virtual addresses go, at any prefix length; the rest stays.
import t from 'tap';
import { removeVirtualAddresses } from '../../src/runtime/cleanup.js';
import { formatCleanup } from '../../src/cli/cleanup.js';
import type { LinkInfo } from '../../src/net/ports.js';
import { acceptedConfig, configWith, instance, instance6 } from '../helpers/config-documents.js';
import { FakeKernelAddresses } from '../helpers/fake-ports.js';

const ETH0: LinkInfo = { ifindex: 2, name: 'eth0', mac: new Uint8Array([2, 0, 0, 0, 0, 1]), up: true, mtu: 1500 };
const ETH1: LinkInfo = { ifindex: 3, name: 'eth1', mac: new Uint8Array([2, 0, 0, 0, 0, 2]), up: true, mtu: 1500 };
const now = { pause: async () => undefined };

function config() {
  return acceptedConfig(
    configWith(
      instance({ virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32'] }),
      instance6({ virtualAddresses: ['2001:db8::10/128'] }),
      instance({ name: 'owner', vrid: 52, priority: 255, sourceAddress: '203.0.113.20', virtualAddresses: ['203.0.113.20/32'] }),
      instance({ name: 'elsewhere', vrid: 53, interface: 'eth9', virtualAddresses: ['203.0.113.30/32'] }),
      instance({ name: 'other-nic', vrid: 54, interface: 'eth1', virtualAddresses: ['198.51.100.10/32'] }),
    ),
  ).config;
}

function kernel(): FakeKernelAddresses {
  const k = new FakeKernelAddresses([ETH0, ETH1]);
  for (const text of ['192.0.2.1/24', '203.0.113.10/32', '203.0.113.10/24', '203.0.113.99/32', '203.0.113.20/32', '203.0.113.30/32']) k.put('eth0', text);
  for (const text of ['2001:db8::10/128', '2001:db8::99/64', 'fe80::1/64']) k.put('eth0', text);
  // The address of another NIC's instance, on eth0 by mistake: not this instance's business.
  k.put('eth0', '198.51.100.10/32');
  k.put('eth1', '198.51.100.10/32');
  return k;
}

t.test('removes every copy of the configured virtual addresses and nothing else', async (t) => {
  const k = kernel();
  const report = await removeVirtualAddresses(config(), k, now);
  t.same(report.problems, []);
  t.same(
    report.removed.map((r) => `${r.instance} ${r.interface} ${r.address}/${r.prefixLength}`).sort(),
    ['other-nic eth1 198.51.100.10/32', 'web eth0 203.0.113.10/24', 'web eth0 203.0.113.10/32', 'web6 eth0 2001:db8::10/128'],
  );
  t.same(k.on('eth0'), ['192.0.2.1/24', '198.51.100.10/32', '2001:db8::99/64', '203.0.113.20/32', '203.0.113.30/32', '203.0.113.99/32', 'fe80::1/64'], 'eth0 keeps the rest');
  t.same(k.on('eth1'), [], 'eth1 loses its instance address');
  t.same(report.owners, ['owner'], 'the owner keeps 203.0.113.20');
  t.same(report.missingInterfaces, [{ instance: 'elsewhere', interface: 'eth9' }], 'a missing interface holds nothing');
  t.notOk(k.deletes.includes('203.0.113.11/32'), 'an absent address is not deleted');
  const text = formatCleanup('ipfailoverd', report);
  t.match(text, /^ipfailoverd: cleanup: removed 203\.0\.113\.10\/24 from eth0 \(instance web\)$/m);
  t.match(text, /interface eth9 \(instance elsewhere\) does not exist/);
});

t.test('nothing present: nothing deleted, success', async (t) => {
  const k = new FakeKernelAddresses([ETH0, ETH1]);
  k.put('eth0', '192.0.2.1/24');
  const report = await removeVirtualAddresses(config(), k, now);
  t.same(report.problems, []);
  t.same(report.removed, []);
  t.same(k.deletes, []);
  t.match(formatCleanup('ipfailoverd', report), /no virtual address was present/);
});

t.test('a delete that fails once is retried and the address goes', async (t) => {
  const k = kernel();
  k.failDeletes('203.0.113.10', 'ENOBUFS', 1);
  const report = await removeVirtualAddresses(config(), k, now);
  t.same(report.problems, []);
  t.notOk(k.on('eth0').some((a) => a.startsWith('203.0.113.10/')), 'both copies gone');
});

t.test('a delete that keeps failing is a problem with its errno; the other addresses still go', async (t) => {
  const k = kernel();
  k.failDeletes('203.0.113.10', 'EPERM');
  const report = await removeVirtualAddresses(config(), k, { passes: 3, pause: now.pause });
  t.same(
    report.problems.map((p) => [p.instance, p.address, p.prefixLength, p.code]),
    [
      ['web', '203.0.113.10', 32, 'EPERM'],
      ['web', '203.0.113.10', 24, 'EPERM'],
    ],
  );
  t.equal(k.deletes.filter((d) => d === '203.0.113.10/32').length, 3, 'tried once per pass');
  t.same(k.on('eth1'), [], 'the other instances are cleaned all the same');
  t.notOk(k.on('eth0').includes('2001:db8::10/128'));
});

t.test('a delete that reports success but leaves the address is caught by reading again', async (t) => {
  const k = kernel();
  k.stuck('2001:db8::10');
  const report = await removeVirtualAddresses(config(), k, now);
  t.same(report.problems.map((p) => [p.instance, p.address, p.code]), [['web6', '2001:db8::10', 'still-present']]);
});

t.test('an address dump that fails is a problem of that instance', async (t) => {
  const k = kernel();
  k.failLists('ETIMEDOUT', 1);
  const report = await removeVirtualAddresses(config(), k, now);
  t.same(report.problems.map((p) => [p.instance, p.code]), [['web', 'ETIMEDOUT']]);
  t.ok(k.on('eth0').includes('203.0.113.10/32'), 'web could not be cleaned');
  t.notOk(k.on('eth0').includes('2001:db8::10/128'), 'web6 was');
});
