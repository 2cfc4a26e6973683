// Reading and acting on a real daemon's status socket, as users of each kind (setpriv with
// numeric ids: no accounts are made). Two groups with random names are made for the test and
// removed after it: the operators' group (statusSocketGroup) and the admin group
// (statusSocketAdminGroup).
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groupId } from '../../src/control/status-server.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { asUser, ctl, statusSocketReady, type RunAs } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';
import { NsProcess } from './helpers/topology.js';

const CLIENT = fileURLToPath(new URL('../../src/control/client.js', import.meta.url));

/** A watcher through the client library: prints the reply line, then every event line. */
const WATCH_SCRIPT = `
  const { sendRequest } = await import(process.argv[1]);
  const reply = await sendRequest(process.argv[2], { cmd: 'watch' }, (event) => console.log(JSON.stringify(event)), undefined, () => process.exit(0));
  console.log(JSON.stringify(reply));`;

/** groupadd with a random name; groupdel in teardown, whatever the test did. */
function makeGroup(t: Test, prefix: string): { name: string; gid: number } {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  execFileSync('groupadd', ['--system', name]);
  t.teardown(() => {
    execFileSync('groupdel', [name]);
  });
  const gid = groupId(name);
  if (gid === undefined) throw new Error(`groupadd ${name} made no group`);
  return { name, gid };
}

if (requireRoot(t)) {
  t.test('operators read, admins and root act, everyone else cannot connect', async (t) => {
    const operators = makeGroup(t, 'ipfo-op-');
    const admins = makeGroup(t, 'ipfo-adm-');
    const cluster = await Cluster.create(1, 'ipfo-ca');
    t.teardown(() => cluster.destroy());
    const daemon = cluster.start(1, [webInstance()], { statusSocketGroup: operators.name, statusSocketAdminGroup: admins.name });
    await daemon.waitState('MASTER', 4000);
    await statusSocketReady(daemon.statusSocket);
    chmodSync(cluster.directory, 0o755); // the test's own folder; /run/ipfailoverd is 0755
    const socket = daemon.statusSocket;

    // Ids no account on a test machine uses; only the groups matter.
    const operator: RunAs = { uid: 61001, gid: 61001, groups: [operators.gid] };
    // An admin connects through the operators' group like everybody else.
    const admin: RunAs = { uid: 61002, gid: 61002, groups: [operators.gid, admins.gid] };
    const adminOnly: RunAs = { uid: 61003, gid: admins.gid };
    const outsider: RunAs = { uid: 61004, gid: 61004 };

    // An operator reads.
    const status = await ctl(socket, ['status'], operator);
    t.equal(status.status, 0, 'an operator gets the status');
    t.match(status.stdout, /^web\s+eth0\s+51\s+MASTER/m);
    const watcher = new NsProcess(cluster.member(1).ns, asUser([process.execPath, '--input-type=module', '-e', WATCH_SCRIPT, CLIENT, socket], operator));
    t.teardown(() => {
      watcher.child.kill('SIGKILL');
    });
    await watcher.waitLine({ ok: true, watching: true }, 3000);

    // An operator is refused every act, with the message, and nothing changes.
    const refusedAt = daemon.lines.length;
    for (const args of [['step-down', 'web'], ['resume', 'web'], ['reload']]) {
      const refused = await ctl(socket, args, operator);
      t.equal(refused.status, 77, `${args[0]} refused to an operator (EX_NOPERM)`);
      t.match(refused.stderr, `${args[0]} needs root or membership of group ${admins.name}; you are uid 61001 (groups 61001, ${operators.gid})`);
    }
    const logged = await daemon.waitLine({ cmd: 'step-down', reason: 'not-admin' }, 2000, refusedAt);
    t.match(logged, { level: 'warn', uid: 61001, gid: 61001, groups: [operators.gid] }, 'the journal names the peer');
    t.type(logged.pid, 'number', 'and its pid');
    const after = JSON.parse((await ctl(socket, ['--json', 'status'], operator)).stdout) as { instances: Array<Record<string, unknown>> };
    t.match(after.instances[0], { state: 'MASTER', steppedDown: false }, 'the refused step-down changed nothing');
    t.notOk(daemon.lines.slice(refusedAt).some((line) => line.msg === 'configuration reloaded'), 'the refused reload reloaded nothing');

    // An admin acts; the operator's watcher sees it.
    const watched = watcher.lines.length;
    const transitions = daemon.lines.length;
    t.equal((await ctl(socket, ['step-down', 'web'], admin)).status, 0, 'an admin steps down');
    await daemon.waitState('BACKUP', 3000, { from: transitions });
    await watcher.waitLine({ event: 'transition', instance: 'web', to: 'BACKUP' }, 3000, watched);
    t.equal((await ctl(socket, ['resume', 'web'], admin)).status, 0, 'and resumes');
    await daemon.waitState('MASTER', 4000, { from: transitions });

    // Root does everything.
    const reloadAt = daemon.lines.length;
    const reload = await ctl(socket, ['reload']);
    t.equal(reload.status, 0, 'root reloads');
    await daemon.waitLine({ msg: 'configuration reloaded' }, 3000, reloadAt);
    t.equal((await ctl(socket, ['step-down', 'web'])).status, 0, 'root steps down');
    t.equal((await ctl(socket, ['resume', 'web'])).status, 0, 'and resumes');
    await daemon.waitState('MASTER', 4000, { from: reloadAt });

    // Nobody else gets in: the socket's mode, before the daemon hears a word.
    for (const [who, as] of [['an admin outside the operators’ group', adminOnly], ['a user in neither group', outsider]] as const) {
      for (const args of [['status'], ['step-down', 'web']]) {
        const result = await ctl(socket, args, as);
        t.equal(result.status, 77, `${who}: ${args[0]} cannot connect`);
        t.match(result.stderr, /permission denied/);
      }
    }
    t.equal(daemon.state(), 'MASTER');
  });
}
