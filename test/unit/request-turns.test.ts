// The status socket's shared turns: per event-loop turn at most MAX_REQUESTS_PER_TURN requests
// and about MAX_TURN_MS of work, one request per waiting connection in turn. The clock is the
// test's: each request "takes" the time the test says.
import t from 'tap';
import { MAX_REQUESTS_PER_TURN, MAX_TURN_MS, RequestTurns, type ServeOne } from '../../src/control/request-turns.js';

/** Connections with `count` requests each; records which connection was served in which turn. */
function connections(turns: RequestTurns, names: readonly string[], count: number, onServe: () => void = () => undefined) {
  const served: Array<{ name: string; turn: number }> = [];
  let turn = 0;
  let ticking = true;
  const tick = (): void => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const left = new Map(names.map((name) => [name, count]));
  const serveOnes = new Map<string, ServeOne>();
  for (const name of names) {
    const serveOne: ServeOne = () => {
      served.push({ name, turn });
      onServe();
      const rest = (left.get(name) ?? 0) - 1;
      left.set(name, rest);
      return rest > 0;
    };
    serveOnes.set(name, serveOne);
    turns.wait(serveOne);
  }
  const done = async (): Promise<void> => {
    while ([...left.values()].some((n) => n > 0)) await new Promise((resolve) => setImmediate(resolve));
    ticking = false;
  };
  return { served, done, serveOnes };
}

function perTurn(served: ReadonlyArray<{ turn: number }>): number[] {
  const counts = new Map<number, number>();
  for (const { turn } of served) counts.set(turn, (counts.get(turn) ?? 0) + 1);
  return [...counts.values()];
}

t.test('at most MAX_REQUESTS_PER_TURN a turn, round robin over the connections', async (t) => {
  const turns = new RequestTurns(() => 0); // requests that take no time
  const { served, done } = connections(turns, ['a', 'b', 'c'], 40);
  await done();
  t.equal(served.length, 120);
  t.ok(Math.max(...perTurn(served)) <= MAX_REQUESTS_PER_TURN, `at most ${Math.max(...perTurn(served))} a turn`);
  t.ok(perTurn(served).length >= 120 / MAX_REQUESTS_PER_TURN, 'spread over turns');
  t.same(served.slice(0, 6).map((s) => s.name), ['a', 'b', 'c', 'a', 'b', 'c'], 'one request of each connection in turn');
});

t.test('a turn ends after MAX_TURN_MS of work, but serves at least one request', async (t) => {
  let clock = 0;
  const turns = new RequestTurns(() => clock);
  const { served, done } = connections(turns, ['heavy'], 10, () => (clock += MAX_TURN_MS * 3));
  await done();
  t.same(perTurn(served), Array(10).fill(1), 'one request a turn when each takes longer than a turn');
  clock = 0;
  const light = connections(turns, ['light'], 20, () => (clock += MAX_TURN_MS / 4));
  await light.done();
  t.ok(Math.max(...perTurn(light.served)) <= 4, `about MAX_TURN_MS of quarter-turn requests a turn: ${Math.max(...perTurn(light.served))}`);
});

t.test('a connection that says it has nothing more leaves the rotation until it waits again', async (t) => {
  const turns = new RequestTurns(() => 0);
  let calls = 0;
  const once: ServeOne = () => {
    calls++;
    return false;
  };
  turns.wait(once);
  turns.wait(once); // waiting twice is waiting once
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(calls, 1);
  turns.wait(once);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(calls, 2);
});
