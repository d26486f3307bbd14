/**
 * The worker thread of one load run (bench/load.ts starts it with a LoadJob as workerData):
 * runs it (bench/workloads.ts) and posts the LoadResult back. An error ends the worker,
 * which bench/load.ts reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadJob } from './load.ts';
import { runWorkload } from './workloads.ts';

if (!parentPort) throw new Error('bench/load-worker.ts runs as a worker thread of bench/load.ts');
parentPort.postMessage(await runWorkload(workerData as LoadJob));
