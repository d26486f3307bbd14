/**
 * The part of autocannon's programmatic API (node_modules/autocannon/README.md) that
 * bench/workloads.ts uses: autocannon ships no type declarations.
 */
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      /** Called with each answer to this request, before the instance's `response` event. */
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
        headers: Record<string, string>,
      ) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      /** Seconds to wait for an answer. */
      timeout?: number;
      overallRate?: number;
      connectionRate?: number;
      requests?: Request[];
    }

    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
    }

    interface Instance extends PromiseLike<Result> {
      /** Each answer: its status and the ms from writing the request to the end of the answer. */
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
      ): this;
      on(event: 'reqError', listener: (error: Error) => void): this;
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
