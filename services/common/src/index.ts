export { apiKeyFromHeader } from './auth';
export { UserDirectory, type UserDirectoryOptions } from './clients/user-directory';
export { env, loadConfig } from './config';
export { ExpiringMap } from './expiring-map';
export {
  configurePasswordHashing,
  DEFAULT_PASSWORD_HASHING_LIMITS,
  hashPassword,
  PasswordHashingBusyError,
  type PasswordHashingLimits,
  passwordHashingFull,
  passwordHashingLoad,
  randomToken,
  sha256Hex,
  timingSafeEqualStrings,
  verifyPassword,
} from './crypto';
export {
  createDatabase,
  databaseProblem,
  isDatabaseUnavailable,
  isLockConflict,
  LOCK_WAIT_TIMEOUT_SECONDS,
  type Migration,
  migrate,
  type RetryOptions,
  TABLE_OPTIONS,
  timestampColumn,
  transactionWithRetry,
  waitForDatabase,
} from './db';
export {
  badRequest,
  conflict,
  DependencyError,
  type ErrorDetails,
  forbidden,
  HttpError,
  notFound,
  RetryLaterError,
  unauthorized,
} from './errors';
export { type FaultConfig, FaultInjector, faultSchema } from './faults';
export { type ResourceFaultConfig, ResourceFaults } from './resource-faults';
export { detailsOf, errorOf, expectAnswer, reasonOf, unexpectedAnswer } from './http/answers';
export { createServiceApp, type ServiceApp, type ServiceAppOptions, toHttpError } from './http/app';
export { type CallOptions, ServiceClient, type ServiceResponse } from './http/client';
export { requireInternalCaller } from './http/internal-auth';
export { type ServeOptions, serve } from './http/serve';
export {
  accountKey,
  clientAddressKey,
  type FailureThrottle,
  type FailureThrottleOptions,
  failureThrottle,
} from './http/throttle';
export { createLogger, type Logger } from './logger';
export {
  type BaseConfig,
  type Database,
  type OpenDatabaseOptions,
  openDatabase,
  runService,
  type ServiceDefinition,
  type StartedService,
} from './service';
export { integerField, pageFields, parseBody, parseId, parseQuery, textField } from './validate';
