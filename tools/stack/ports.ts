/** Free TCP ports on 127.0.0.1, picked by the OS. */
import net from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One distinct free port per name. */
export async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const taken = new Set<number>();
  const out = {} as Record<K, number>;
  for (const name of names) {
    let port = await freePort();
    for (let i = 0; i < 20 && taken.has(port); i++) port = await freePort();
    if (taken.has(port)) throw new Error(`no distinct free port for ${name}`);
    taken.add(port);
    out[name] = port;
  }
  return out;
}
