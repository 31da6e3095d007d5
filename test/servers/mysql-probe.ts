// A minimal MySQL-protocol TLS probe: read the server's greeting, ask for TLS (SSLRequest), and
// verify the server certificate against a CA for a given host name — the check a client with
// --ssl-verify-server-cert makes, for names that need no DNS (the mariadb client resolves host
// names itself, so it cannot be pointed at 127.0.0.1 for a Service name).
import { connect as netConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';

export interface Probe {
  ok: boolean;
  error?: string;
  protocol?: string;
  serverSupportsTLS: boolean;
}

const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;

/** Connects to 127.0.0.1:port and verifies the server certificate for `host` against `ca` (PEM). */
export function probeTLS(port: number, host: string, ca: string | Buffer): Promise<Probe> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const fail = (error: string, serverSupportsTLS = false) => {
      sock.destroy();
      resolve({ ok: false, error, serverSupportsTLS });
    };
    sock.setTimeout(5000, () => fail('timeout'));
    sock.on('error', (e) => fail(e.message));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUIntLE(0, 3);
      if (buf.length < 4 + len) return;
      sock.off('data', onData);
      const p = buf.subarray(4, 4 + len);
      if (p[0] === 0xff) return fail(`server error: ${p.subarray(9).toString()}`);
      let i = p.indexOf(0, 1) + 1; // after the version string
      i += 4 + 8 + 1; // connection id, auth-plugin-data part 1, filler
      const caps = p.readUInt16LE(i);
      if (!(caps & CLIENT_SSL)) return fail('server does not offer TLS');
      const req = Buffer.alloc(4 + 32);
      req.writeUIntLE(32, 0, 3);
      req[3] = 1; // sequence id
      req.writeUInt32LE(CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 4);
      req.writeUInt32LE(16 * 1024 * 1024, 8);
      req[12] = 45; // utf8mb4_general_ci
      sock.write(req);
      const tls = tlsConnect({
        socket: sock,
        ca,
        rejectUnauthorized: true,
        servername: isIP(host) ? undefined : host,
        checkServerIdentity: (_h, cert) => checkServerIdentity(host, cert),
      });
      tls.once('secureConnect', () => {
        const protocol = tls.getProtocol() ?? undefined;
        tls.destroy();
        resolve({ ok: true, protocol, serverSupportsTLS: true });
      });
      tls.once('error', (e: any) => {
        tls.destroy();
        resolve({
          ok: false,
          error: `${e.code ?? ''} ${e.message}`.trim(),
          serverSupportsTLS: true,
        });
      });
    };
    sock.on('data', onData);
  });
}
