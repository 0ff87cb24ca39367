/** A clock that only moves when told to; pass `clock.now` as `LocalSfnOptions.now`. */
export class ManualClock {
  private ms: number;

  constructor(start: Date | string | number = '2030-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  readonly now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }

  advanceSeconds(seconds: number): void {
    this.ms += seconds * 1000;
  }

  set(to: Date | string | number): void {
    this.ms = new Date(to).getTime();
  }
}
