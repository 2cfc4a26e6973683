/**
 * The flood benchmark's sender, run in the flooder's namespace as a child process:
 *
 *   node dist/test/bench/flood-sender.js RATE SECONDS FRAMES_HEX_FILE
 *
 * Sends the frames (one hex frame a line) round-robin out of eth0 through the daemon's own
 * AF_PACKET socket (native addon), at RATE frames a second for SECONDS. Pacing: on each
 * event-loop turn (setImmediate) it sends what the schedule owes by now, at most BATCH at once,
 * so that a slow turn is caught up and nothing is sent in one burst. Prints one JSON line at the
 * end: frames sent, send errors by code, the real duration and rate.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { PacketSocket } from '../../src/net/native.js';
import { NetError } from '../../src/net/ports.js';

const BATCH = 500;

const [rateText, secondsText, framesFile] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const frames = readFileSync(framesFile as string, 'utf8').split('\n').filter(Boolean).map((hex) => Buffer.from(hex, 'hex'));
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const socket = PacketSocket.open(ifindex);

let sent = 0;
let next = 0;
const errors: Record<string, number> = {};
process.stdout.write(`${JSON.stringify({ ready: true, frames: frames.length })}\n`);
const start = performance.now();
const end = start + seconds * 1000;

function turn(): void {
  const now = performance.now();
  const owed = Math.min(BATCH, Math.floor(((Math.min(now, end) - start) / 1000) * rate) - sent);
  for (let i = 0; i < owed; i++) {
    try {
      socket.send(frames[next] as Buffer);
    } catch (error) {
      const code = error instanceof NetError ? error.code : 'other';
      errors[code] = (errors[code] ?? 0) + 1;
    }
    // A frame that failed to go out is still its slot in the schedule: the rate stays honest.
    sent++;
    next = (next + 1) % frames.length;
  }
  if (now < end) {
    setImmediate(turn);
    return;
  }
  const elapsed = (performance.now() - start) / 1000;
  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  socket.close();
  process.stdout.write(`${JSON.stringify({ done: true, attempted: sent, sent: sent - failed, errors, seconds: elapsed, rate: (sent - failed) / elapsed })}\n`);
}
setImmediate(turn);
