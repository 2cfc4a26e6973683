/**
 * A binary min-heap of deadlines, earliest `at` first (then the order they were scheduled in):
 * O(log n) to add and to take the earliest, where a scan over every instance's timers cost O(n)
 * per schedule() at 255 instances. Entries are never removed from the middle: the scheduler
 * leaves a replaced or cancelled one in place and skips it when it comes to the top (`live`).
 */

export interface HeapEntry {
  readonly at: number;
  readonly seq: number;
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  constructor(private readonly live: (entry: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(entry: T): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  /** The earliest live entry, dropping dead ones on the way; undefined if none. */
  peek(): T | undefined {
    for (;;) {
      const top = this.items[0];
      if (top === undefined || this.live(top)) return top;
      this.pop();
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && before(items[left] as T, items[least] as T)) least = left;
      if (right < items.length && before(items[right] as T, items[least] as T)) least = right;
      if (least === i) break;
      [items[i], items[least]] = [items[least] as T, items[i] as T];
      i = least;
    }
    return top;
  }

  /** Rebuilds from the live entries alone (dead ones pile up when keys are moved far ahead). */
  compact(entries: Iterable<T>): void {
    this.items.length = 0;
    for (const entry of entries) this.push(entry);
  }
}
