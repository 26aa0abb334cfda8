// A growable ring-buffer deque: O(1) push/pop at both ends, used for the waiting and swapped queues
// (preempted requests go back to the front, as in vLLM).

/** Double-ended queue. */
export class Deque<T> {
  #buf: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(capacity = 64) {
    this.#buf = new Array<T | undefined>(Math.max(4, capacity));
  }

  get length(): number {
    return this.#size;
  }

  #grow(): void {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#buf = next;
    this.#head = 0;
  }

  pushBack(v: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) % this.#buf.length] = v;
    this.#size++;
  }

  pushFront(v: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1 + this.#buf.length) % this.#buf.length;
    this.#buf[this.#head] = v;
    this.#size++;
  }

  peekFront(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  popFront(): T | undefined {
    if (this.#size === 0) return undefined;
    const v = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#size--;
    return v;
  }

  /** Element at position i from the front. */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#size ? undefined : this.#buf[(this.#head + i) % this.#buf.length];
  }

  /** Removes the first element equal to v (O(n)); returns whether one was found. */
  remove(v: T): boolean {
    for (let i = 0; i < this.#size; i++) {
      const idx = (this.#head + i) % this.#buf.length;
      if (this.#buf[idx] === v) {
        for (let j = i; j < this.#size - 1; j++) {
          this.#buf[(this.#head + j) % this.#buf.length] = this.#buf[(this.#head + j + 1) % this.#buf.length];
        }
        this.#buf[(this.#head + this.#size - 1) % this.#buf.length] = undefined;
        this.#size--;
        return true;
      }
    }
    return false;
  }

  /** Removes and returns everything, front first. */
  drain(): T[] {
    const out: T[] = [];
    for (let v = this.popFront(); v !== undefined; v = this.popFront()) out.push(v);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#buf[(this.#head + i) % this.#buf.length] as T;
  }
}
