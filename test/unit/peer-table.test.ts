/** The peer table: what each row keeps, its bound, and whom it drops when full. */

import t from 'tap';
import { PEER_TABLE_SIZE, PeerTable, wasActive } from '../../src/runtime/peer-table.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';

const adv = (priority: number, maxAdvertIntervalCs = 100, checksumVariant: 'rfc9568' | 'rfc5798' = 'rfc9568') => ({ priority, maxAdvertIntervalCs, checksumVariant });
/** A different documentation address for each n below 512. */
const source = (n: number) => (n < 256 ? `198.51.100.${n}` : `203.0.113.${n - 256}`);

t.test('a row per source: first heard, last heard, count, and the last advertisement\'s priority, interval and checksum form', async (t) => {
  const table = new PeerTable();
  t.equal(table.heard('192.0.2.2', adv(150, 100, 'rfc9568'), 1000), undefined, 'never heard before');
  t.equal(table.heard('192.0.2.2', adv(0, 50, 'rfc5798'), 1500), 1000, 'heard before: when');
  t.same(table.get('192.0.2.2'), { address: '192.0.2.2', priority: 0, maxAdvertIntervalCs: 50, checksum: 'rfc5798', firstHeard: 1000, lastHeard: 1500, count: 2 });
  table.heard('192.0.2.3', adv(100), 1600);
  table.heard('192.0.2.3', adv(1), 1700);
  t.match(table.get('192.0.2.3'), { priority: 100, lastHeard: 1700, count: 2 }, 'a priority-1 request (NUDGE_PRIORITY) keeps the priority it advertised');
  table.heard('192.0.2.4', adv(1), 1800);
  t.equal(table.get('192.0.2.4')?.priority, 1, 'unless it is all that was heard');
  t.same(table.entries().map((e) => e.address), ['192.0.2.4', '192.0.2.3', '192.0.2.2'], 'most recently heard first');
});

t.test('bounded: a stream of new sources keeps PEER_TABLE_SIZE rows, the most recently heard', async (t) => {
  const table = new PeerTable();
  for (let n = 0; n < 500; n++) table.heard(source(n), adv(200), n);
  t.equal(table.size, PEER_TABLE_SIZE);
  t.same(
    table.entries().map((e) => e.address),
    Array.from({ length: PEER_TABLE_SIZE }, (_, i) => source(499 - i)),
  );
  t.ok(PEER_TABLE_SIZE >= 8 && PEER_TABLE_SIZE <= 48, 'a few dozen at most');
});

t.test('the least recently heard goes first: members that keep advertising survive a flood of spoofed sources', async (t) => {
  const table = new PeerTable(4);
  const members = ['192.0.2.1', '192.0.2.2'];
  let now = 0;
  for (let n = 0; n < 100; n++) {
    // Each member advertises once for every spoofed source.
    for (const member of members) table.heard(member, adv(100), now++);
    table.heard(source(n), adv(254), now++);
  }
  t.equal(table.size, 4);
  for (const member of members) t.equal(table.get(member)?.count, 100, `${member} kept its row and its count`);
  t.equal(table.get(source(0)), undefined, 'the oldest spoofed source went');
  t.equal(table.get(source(99))?.count, 1);
  // A member heard long ago, before the flood, goes: first heard counts for nothing.
  const stale = new PeerTable(2);
  stale.heard('192.0.2.9', adv(100), 0);
  stale.heard(source(1), adv(100), 10);
  stale.heard('192.0.2.9', adv(100), 20);
  stale.heard(source(2), adv(100), 30);
  t.same(stale.entries().map((e) => e.address), [source(2), '192.0.2.9'], 'heard again at 20, it outlives the source heard at 10');
});

t.test('wasActive: heard within the Active_Down_Interval of its own advertised interval, and not releasing', async (t) => {
  const table = new PeerTable();
  table.heard('192.0.2.1', adv(150, 100), 1000);
  const entry = table.get('192.0.2.1');
  const window = activeDownIntervalMs(100, 100);
  t.equal(wasActive(entry, 1000 + window - 1, 100), true, 'just within');
  t.equal(wasActive(entry, 1000 + window, 100), false, 'silent for the whole interval: down, not displaced');
  t.equal(wasActive(undefined, 1000, 100), false, 'never heard');
  table.heard('192.0.2.1', adv(0, 100), 2000);
  t.equal(wasActive(table.get('192.0.2.1'), 2001, 100), false, 'its last advertisement released the role (priority 0)');
  table.heard('192.0.2.5', adv(150, 10), 0);
  t.equal(wasActive(table.get('192.0.2.5'), 1000, 100), false, 'its own interval (100 ms) counts, not ours');
});
