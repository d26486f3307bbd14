/**
 * The process's own limits and use, which the runtime instrumentation
 * (@opentelemetry/instrumentation-runtime-node: event loop, GC, heap spaces) does not
 * report, for the USE panels and the resource alerts:
 *   process.cpu.time            CPU seconds by cpu.mode (user, system) — utilisation;
 *                               rate() of it is the cores the process uses
 *   process.memory.usage        resident set size (RSS), the memory a container limit counts
 *   v8js.memory.heap.size_limit V8's heap_size_limit: what v8js.memory.heap.used may reach
 *                               before the process dies of an out-of-memory error (set by
 *                               --max-old-space-size in services/runtime.env)
 * The first two follow the OpenTelemetry process semantic conventions. The package that
 * would provide them (@opentelemetry/host-metrics) also reports the host's CPUs, memory and
 * every network interface, dozens of series per service about a machine a container does
 * not own, through a dependency (systeminformation) many times this file: three observed
 * values from Node's own APIs are all that is needed.
 */
import v8 from 'node:v8';
import type { MeterProvider } from '@opentelemetry/api';

export function startProcessMetrics(meterProvider: MeterProvider): void {
  const meter = meterProvider.getMeter('shopscope.process');
  const cpuTime = meter.createObservableCounter('process.cpu.time', {
    unit: 's',
    description: 'CPU time used by the process, by mode.',
  });
  const memoryUsage = meter.createObservableUpDownCounter('process.memory.usage', {
    unit: 'By',
    description: 'Resident set size of the process.',
  });
  const heapLimit = meter.createObservableGauge('v8js.memory.heap.size_limit', {
    unit: 'By',
    description: 'The most the V8 heap may use (heap_size_limit) before the process runs out of memory.',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const cpu = process.cpuUsage(); // microseconds
      result.observe(cpuTime, cpu.user / 1e6, { 'cpu.mode': 'user' });
      result.observe(cpuTime, cpu.system / 1e6, { 'cpu.mode': 'system' });
      result.observe(memoryUsage, process.memoryUsage.rss());
      result.observe(heapLimit, v8.getHeapStatistics().heap_size_limit);
    },
    [cpuTime, memoryUsage, heapLimit],
  );
}
