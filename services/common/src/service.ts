import { shutdownTelemetry } from '@shopscope/telemetry';
import type { Sequelize } from 'sequelize';
import { createDatabase, type Migration, migrate, waitForDatabase } from './db';
import type { ServiceApp } from './http/app';
import { serve } from './http/serve';
import { createLogger, type Logger } from './logger';

/** What every service's configuration has (see each service's config.ts). */
export interface BaseConfig {
  PORT: number;
  LOG_LEVEL: string;
}

/** A started service: its finished app, and what to release once in-flight requests are done. */
export interface StartedService {
  service: ServiceApp;
  /** Stops background work and closes pools, after the server has stopped taking requests. */
  close?: () => Promise<void>;
}

export interface ServiceDefinition<C extends BaseConfig> {
  /** The service's name in logs and telemetry (service.name). */
  name: string;
  /** Reads and validates the environment; a bad value exits 78 naming the variable. */
  readConfig: () => C;
  /** Opens the service's resources (database, background jobs) and builds its app. */
  start: (config: C, logger: Logger) => Promise<StartedService>;
}

/**
 * The one start-up of every service's main.ts: config → logger → `start` (database,
 * migrations, app) → serve, with graceful shutdown on SIGTERM/SIGINT (http/serve.ts).
 * A failure before the service listens is fatal: one line on stderr and in the logs,
 * the telemetry flushed (so the failed start-up's spans and log records reach the
 * collector), exit 1 — the container engine restarts it.
 */
export function runService<C extends BaseConfig>(definition: ServiceDefinition<C>): void {
  const config = definition.readConfig();
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const run = async () => {
    const { service, close } = await definition.start(config, logger);
    await serve(service.app, {
      port: config.PORT,
      logger,
      onShutdownStart: service.markShuttingDown,
      onShutdown: close,
    });
  };
  run().catch(async (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    logger.fatal({ err }, 'failed to start');
    process.stderr.write(`${definition.name}: failed to start: ${reason}\n`);
    await shutdownTelemetry();
    process.exit(1);
  });
}

/** A service's database: the Sequelize instance and its models. */
export interface Database<M> {
  sequelize: Sequelize;
  models: M;
}

export interface OpenDatabaseOptions<M> {
  url: string;
  logger: Logger;
  migrations: Migration[];
  /** Binds the service's models to the connection (its db/models.ts initModels). */
  initModels: (sequelize: Sequelize) => M;
  /** Fills an empty database with demo data, after the migrations. */
  seed?: (models: M, logger: Logger) => Promise<void>;
}

/**
 * Connects (waiting for the database to accept connections, as it may still be starting
 * beside the service), applies the pending migrations, then seeds: the same steps, in the
 * same order, for every service that owns a database.
 */
export async function openDatabase<M>(options: OpenDatabaseOptions<M>): Promise<Database<M>> {
  const { url, logger, seed } = options;
  const sequelize = createDatabase({ url, logger });
  const models = options.initModels(sequelize);
  await waitForDatabase(sequelize, logger);
  await migrate(sequelize, url, options.migrations, logger, seed ? () => seed(models, logger) : undefined);
  return { sequelize, models };
}
