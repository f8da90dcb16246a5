import type { Reporter, TestModule } from 'vitest/node';

type LaneTimes = { files: number; firstStart: number; lastEnd: number };

/**
 * Prints, at the end of a run, how long each lane (vitest project) took from its first file's
 * start to its last file's end, so CI shows where the suite's minutes go.
 */
export default class LaneTimesReporter implements Reporter {
  private readonly lanes = new Map<string, LaneTimes>();

  onTestModuleStart(testModule: TestModule): void {
    const lane = this.laneOf(testModule);
    lane.firstStart = Math.min(lane.firstStart, performance.now());
  }

  onTestModuleEnd(testModule: TestModule): void {
    const lane = this.laneOf(testModule);
    lane.files += 1;
    lane.lastEnd = Math.max(lane.lastEnd, performance.now());
  }

  onTestRunEnd(): void {
    for (const [name, lane] of this.lanes) {
      const seconds = (lane.lastEnd - lane.firstStart) / 1000;
      process.stdout.write(`lane ${name}: ${lane.files} files in ${seconds.toFixed(1)} s\n`);
    }
  }

  private laneOf(testModule: TestModule): LaneTimes {
    const name = testModule.project.name || 'default';
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { files: 0, firstStart: Number.POSITIVE_INFINITY, lastEnd: 0 };
      this.lanes.set(name, lane);
    }
    return lane;
  }
}
