// The bad-version drops per source: bounded like the peer table, least recently heard pushed
// out, the advice for keepalived's VRRPv2, and the line `ipfailoverctl status` prints.
import t from 'tap';
import { formatStatusTable } from '../../src/cli/status-table.js';
import { PEER_TABLE_SIZE } from '../../src/runtime/peer-table.js';
import { messageVersion, VersionPeers, versionAdvice } from '../../src/runtime/version-peers.js';
import { snapshot } from '../helpers/snapshots.js';

t.test('counts per source, most recently heard first, at most PEER_TABLE_SIZE rows', async (t) => {
  const table = new VersionPeers();
  t.equal(table.heard('192.0.2.2', 2, 10), 1);
  t.equal(table.heard('192.0.2.2', 2, 20), 2);
  for (let i = 0; i < PEER_TABLE_SIZE; i++) table.heard(`198.51.100.${i + 1}`, 2, 30 + i);
  const rows = table.entries();
  t.equal(rows.length, PEER_TABLE_SIZE);
  t.notOk(rows.some((r) => r.address === '192.0.2.2'), 'the one heard least recently is pushed out');
  t.same(rows[0], { address: `198.51.100.${PEER_TABLE_SIZE}`, version: 2, count: 1, lastHeardMonotonicMs: 30 + PEER_TABLE_SIZE - 1, advice: versionAdvice(2) });
  table.heard('198.51.100.1', 2, 100);
  table.heard('203.0.113.1', 2, 101);
  t.ok(table.entries().some((r) => r.address === '198.51.100.1'), 'a sender heard again keeps its row');
});

t.test('the advice names keepalived\'s settings for VRRPv2, and the version for anything else', async (t) => {
  t.match(versionAdvice(2), /`version 3`.*vrrp_instance.*`vrrp_version 3`.*global_defs/);
  t.match(versionAdvice(4), /version 4/);
  t.equal(messageVersion(new Uint8Array([0x21, 51])), 2);
  t.equal(messageVersion(new Uint8Array([])), undefined);
});

t.test('ipfailoverctl status: a line per router sending another version, for instances and sockets', async (t) => {
  const row = { address: '192.0.2.2', version: 2, count: 12, lastHeardMonotonicMs: 5, advice: versionAdvice(2) };
  const text = formatStatusTable(
    [snapshot({ otherVersions: [row] }) as unknown as Record<string, unknown>],
    [{ socket: 'eth0/4', deaf: false, received: 13, unattributed: { 'bad-version': 1 }, otherVersions: [{ ...row, address: '192.0.2.7', count: 1 }], handlerErrors: 0, kernelDrops: 0 }],
  );
  t.match(text, `web: VRRPv2 from 192.0.2.2 (12 advertisements dropped): ${versionAdvice(2)}\n`);
  t.match(text, `socket eth0/4: VRRPv2 from 192.0.2.7 (1 advertisement dropped): ${versionAdvice(2)}\n`);
  t.notMatch(formatStatusTable([snapshot() as unknown as Record<string, unknown>]), /VRRPv/, 'nothing when every peer speaks VRRPv3');
});
