// What the figures were measured on.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  /** Linux PSI: share of the last 10 s in which some runnable task waited for a CPU (%), when available. */
  cpuPressureAtStart: number | null;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${platform()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: load1(),
    cpuPressureAtStart: cpuPressure(),
  };
}

export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** `some avg10` of /proc/pressure/cpu (Linux ≥ 4.20): % of the last 10 s where a runnable task waited. */
export function cpuPressure(): number | null {
  try {
    const match = /^some avg10=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}
