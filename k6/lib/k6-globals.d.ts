// What k6 provides that @types/k6 does not declare: the console of its JavaScript runtime
// (https://grafana.com/docs/k6/latest/javascript-api/: console.log, warn, error… print to
// k6's log).
declare global {
  var console: {
    log(...data: unknown[]): void;
    info(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
    debug(...data: unknown[]): void;
  };
}

export {};
