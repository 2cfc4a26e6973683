// How the operator's programs are started: through setpriv, with every capability set emptied,
// as runAs when given; what the daemon must hold for that; descriptors marked close-on-exec.
import t from 'tap';
import { childCapabilityMessage, markDescriptorsCloseOnExec, missingForChildren, SETPRIV, unprivilegedArgv } from '../../src/runtime/script-privileges.js';

const status = (sets: Record<string, string>): string => Object.entries(sets).map(([set, hex]) => `${set}:\t${hex}`).join('\n') + '\n';
/** <linux/capability.h>: SETGID 6, SETUID 7, SETPCAP 8, NET_ADMIN 12, NET_RAW 13. */
const NET = (1n << 12n) | (1n << 13n);
const SETID = (1n << 6n) | (1n << 7n);
const hex = (bits: bigint): string => bits.toString(16).padStart(16, '0');

t.test('the argv: setpriv empties ambient and inheritable sets, and from root the bounding set', async (t) => {
  t.strictSame(unprivilegedArgv(['/usr/local/bin/check', 'a b'], { daemonIsRoot: false }), [SETPRIV, '--inh-caps=-all', '--ambient-caps=-all', '--', '/usr/local/bin/check', 'a b']);
  t.strictSame(unprivilegedArgv(['/x'], { daemonIsRoot: true }), [SETPRIV, '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--', '/x']);
  t.strictSame(
    unprivilegedArgv(['/x'], { daemonIsRoot: true }, { user: 'nobody', uid: 65534, gid: 65534 }),
    [SETPRIV, '--reuid=65534', '--regid=65534', '--init-groups', '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--', '/x'],
    'numeric ids: the child needs no name service to find them',
  );
  t.strictSame(unprivilegedArgv(['--help'], { daemonIsRoot: false }).slice(-2), ['--', '--help'], 'a program is never read as an option');
});

t.test('what setpriv needs: CAP_SETUID/CAP_SETGID to change user, from root CAP_SETPCAP for the bounding set', async (t) => {
  const unit = status({ CapPrm: hex(NET), CapEff: hex(NET), CapBnd: hex(NET), CapAmb: hex(NET) });
  t.strictSame(missingForChildren(unit, false, false), [], 'the shipped unit runs children without scriptUser');
  t.strictSame(missingForChildren(unit, false, true), ['CAP_SETUID', 'CAP_SETGID'], 'the shipped unit cannot change user');
  const dropIn = status({ CapBnd: hex(NET | SETID), CapAmb: hex(NET | SETID) });
  t.strictSame(missingForChildren(dropIn, false, true), [], 'with the drop-in it can');
  const permittedOnly = status({ CapPrm: hex(NET | SETID), CapEff: hex(NET | SETID), CapBnd: hex(NET | SETID), CapAmb: hex(NET) });
  t.strictSame(missingForChildren(permittedOnly, false, true), ['CAP_SETUID', 'CAP_SETGID'], 'a non-root daemon passes only its ambient set on to setpriv');
  const root = status({ CapEff: hex((1n << 41n) - 1n), CapBnd: hex((1n << 41n) - 1n), CapAmb: hex(0n) });
  t.strictSame(missingForChildren(root, true, true), []);
  const rootNoSetpcap = status({ CapBnd: hex(NET | SETID), CapAmb: hex(0n) });
  t.strictSame(missingForChildren(rootNoSetpcap, true, false), ['CAP_SETPCAP']);
});

t.test('the message names what is missing and the drop-in that grants it', async (t) => {
  t.match(childCapabilityMessage(['CAP_SETUID', 'CAP_SETGID']), /lacks CAP_SETUID and CAP_SETGID .*AmbientCapabilities=CAP_SETUID CAP_SETGID and CapabilityBoundingSet=CAP_SETUID CAP_SETGID/);
  t.notMatch(childCapabilityMessage(['CAP_SETPCAP']), /AmbientCapabilities/);
});

t.test('every descriptor above 2 is marked close-on-exec; one closed meanwhile is skipped', async (t) => {
  const marked: number[] = [];
  markDescriptorsCloseOnExec(() => ['0', '1', '2', '3', '9', '12'], (fd) => {
    if (fd === 9) throw Object.assign(new Error('gone'), { code: 'EBADF' });
    marked.push(fd);
  });
  t.strictSame(marked, [3, 12]);
  t.throws(() => markDescriptorsCloseOnExec(() => ['5'], () => {
    throw Object.assign(new Error('other'), { code: 'EPERM' });
  }), { code: 'EPERM' }, 'any other failure is not hidden');
});
