/**
 * Shared between the preload (`register`) and the API (`index`): both modules resolve
 * to the same file, so the running SDK is reachable for a clean shutdown.
 */
export interface RunningTelemetry {
  shutdown(): Promise<void>;
}

let running: RunningTelemetry | undefined;

export function setRunningTelemetry(telemetry: RunningTelemetry): void {
  running = telemetry;
}

/**
 * Flushes and stops all three signals, bounded so that an unreachable collector
 * never holds up a shutdown for long.
 */
export async function shutdownTelemetry(timeoutMs = 5_000): Promise<void> {
  if (!running) return;
  const current = running;
  running = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    current.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
