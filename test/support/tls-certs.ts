// Throwaway PKI for TLS tests: a CA, a server cert for 127.0.0.1/localhost and a client cert, made
// with the `openssl` CLI in a temp dir at test time (no key is ever committed).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsFiles {
  dir: string;
  /** PEM paths (for daemons' configs). */
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The same PEMs as strings (for the sender's options). */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Removes the directory. */
  cleanup(): Promise<void>;
}

export interface TlsCertOptions {
  /** subjectAltName entries of the server cert; default IP:127.0.0.1 and DNS:localhost. */
  serverAltNames?: string[];
  /** Validity in days (default 2). */
  days?: number;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

/** Signs a leaf certificate (EC P-256: instant to generate, accepted by OpenSSL and GnuTLS). */
async function leaf(dir: string, name: string, cn: string, ext: string, days: number): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.pem`, '-days', String(days), '-sha256', '-extfile', `${name}.ext`,
  ]);
}

/** Creates a fresh CA, a server and a client certificate in a new temp dir. */
export async function createTlsFiles(opts: TlsCertOptions = {}): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-tls-'));
  const days = opts.days ?? 2;
  const alt = (opts.serverAltNames ?? ['IP:127.0.0.1', 'DNS:localhost']).join(',');
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  await openssl(dir, [
    'req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.pem', '-days', String(days), '-sha256',
    '-subj', '/CN=mdca-siem-relay test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await leaf(
    dir, 'server', 'localhost',
    `subjectAltName=${alt}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n`,
    days,
  );
  await leaf(
    dir, 'client', 'mdca-siem-relay',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n',
    days,
  );
  const p = (f: string) => join(dir, f);
  const [ca, serverCert, serverKey, clientCert, clientKey] = await Promise.all(
    ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key'].map((f) => readFile(p(f), 'utf8')),
  );
  return {
    dir,
    caFile: p('ca.pem'),
    serverCertFile: p('server.pem'),
    serverKeyFile: p('server.key'),
    clientCertFile: p('client.pem'),
    clientKeyFile: p('client.key'),
    ca: ca!,
    serverCert: serverCert!,
    serverKey: serverKey!,
    clientCert: clientCert!,
    clientKey: clientKey!,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
