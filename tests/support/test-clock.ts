import type { Clock } from '#core';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private current: Date;

  constructor(start = new Date()) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
