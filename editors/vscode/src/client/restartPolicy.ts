/**
 * When a language server that died is started again: at most `maxRestarts` times within
 * `windowMs`, so that a server that crashes on start-up does not loop for ever.
 */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; says whether to start the server again. */
  onCrash(): 'restart' | 'give-up' {
    const time = this.now();
    this.crashes = this.crashes.filter((t) => time - t < this.windowMs);
    this.crashes.push(time);
    return this.crashes.length <= this.maxRestarts ? 'restart' : 'give-up';
  }

  /** Crashes counted in the current window. */
  get recentCrashes(): number {
    const time = this.now();
    return this.crashes.filter((t) => time - t < this.windowMs).length;
  }

  /** A deliberate restart (the user asked, the setting changed) starts counting afresh. */
  reset(): void {
    this.crashes = [];
  }
}
