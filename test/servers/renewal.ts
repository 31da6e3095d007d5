// What the renewal tests observe from outside a server: the certificate a new TLS connection is
// served (openssl s_client after the protocol's STARTTLS), a certificate file's serial, and a
// poll for a real condition (never a fixed sleep standing for one).
import { execFile } from 'node:child_process';

function openssl(args: string[], input?: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const p = execFile('openssl', args, { timeout: 10_000 }, (err, out) =>
      resolve({ ok: !err, out: out.trim() }),
    );
    if (input !== undefined) p.stdin!.end(input);
  });
}

/** `serial=…` of the certificate in `certFile`. */
export const serialOf = async (certFile: string): Promise<string> =>
  (await openssl(['x509', '-noout', '-serial', '-in', certFile])).out;

/** `serial=…` of the certificate a new TLS connection to 127.0.0.1:`port` is served. */
export async function servedSerial(
  port: number,
  starttls: 'postgres' | 'mysql',
  serverName?: string,
): Promise<string> {
  const args = ['s_client', '-starttls', starttls, '-connect', `127.0.0.1:${port}`];
  if (serverName !== undefined) args.push('-servername', serverName);
  const hello = await openssl(args, '');
  return (await openssl(['x509', '-noout', '-serial'], hello.out)).out;
}

/**
 * Polls `get` every 100 ms until it returns `want` (or a value `want` accepts) or `ms` pass; the
 * last value and the time it took.
 */
export async function until<T>(
  get: () => Promise<T> | T,
  want: T | ((v: T) => boolean),
  ms: number,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const done = (v: T) => (typeof want === 'function' ? (want as (v: T) => boolean)(v) : v === want);
  let value = await get();
  while (!done(value) && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 100));
    value = await get();
  }
  return { value, ms: Date.now() - t0 };
}
