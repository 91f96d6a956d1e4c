/**
 * The health metrics seam: raw values as the kernel reports them. Each
 * call resolves to null when the value does not exist on this system (no
 * thermal zone, not a Raspberry Pi); only a bug rejects. The real source
 * reads /proc and /sys (`proc-source.ts`); tests inject edge cases.
 */
export interface CpuTimes {
  /** Jiffies spent idle (idle + iowait) since boot. */
  idle: number;
  /** All jiffies since boot. */
  total: number;
}

export interface HealthSource {
  cpuTimes(): Promise<CpuTimes | null>;
  /** 1, 5 and 15 minute load averages. */
  loadAverage(): Promise<[number, number, number] | null>;
  /** CPU (SoC) temperature in °C. */
  temperature(): Promise<number | null>;
  memory(): Promise<{ totalBytes: number; availableBytes: number } | null>;
  /** Seconds since boot. */
  uptime(): Promise<number | null>;
  /** Bytes received and sent since boot, all interfaces but loopback. */
  network(): Promise<{ rxBytes: number; txBytes: number } | null>;
  /** Raspberry Pi firmware throttling bits (vcgencmd get_throttled). */
  throttled(): Promise<number | null>;
  /** Size and free space of the filesystem holding `path`. */
  disk(path: string): Promise<{ totalBytes: number; freeBytes: number } | null>;
}
