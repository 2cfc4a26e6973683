/** tcpdump in a namespace, line-buffered, with link-level headers: who sent which frame. */

import { NsProcess } from './topology.js';

export class Capture extends NsProcess {
  constructor(ns: string, filter: string) {
    super(ns, ['tcpdump', '-i', 'eth0', '-l', '-nn', '-e', '-tt', filter]);
  }

  /** Waits until tcpdump says it is listening, so that nothing sent afterwards is missed. */
  async ready(): Promise<void> {
    await this.waitFor((line) => line.includes('listening on'), 5000);
  }

  async waitFor(predicate: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.raw.slice(from).find(predicate);
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`capture: nothing matched within ${timeoutMs} ms; last lines:\n${this.raw.slice(-10).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Source MAC of a tcpdump -e line ("1700000000.123456 02:00:00:00:00:02 > ff:ff:..."). */
export function sourceMac(line: string): string | undefined {
  return /^\S+\s+([0-9a-f:]{17}) >/.exec(line)?.[1];
}
