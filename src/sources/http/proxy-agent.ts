// An HTTP CONNECT proxy agent that fails loudly when the proxy refuses the tunnel. https-proxy-agent
// hands a refused CONNECT's answer to the caller as if the API had sent it (a proxy's 401/407
// would look like "token rejected"); here the refusal becomes an error with code EPROXY<status>.
import type http from 'node:http';
import type net from 'node:net';
import { HttpsProxyAgent, type HttpsProxyAgentOptions } from 'https-proxy-agent';

type ConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

export class StrictProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxy: URL, opts?: HttpsProxyAgentOptions<string>) {
    super(proxy, opts);
  }

  override async connect(req: http.ClientRequest, opts: ConnectOpts): Promise<net.Socket> {
    let status = 200;
    req.once('proxyConnect', (c: { statusCode: number }) => {
      status = c.statusCode;
    });
    const socket = await super.connect(req, opts);
    if (status !== 200) {
      socket.destroy();
      const err = new Error(`proxy refused CONNECT with HTTP ${status}`) as NodeJS.ErrnoException;
      err.code = `EPROXY${status}`;
      err.syscall = 'connect';
      throw err;
    }
    return socket;
  }
}

/** The CONNECT status hidden in an EPROXY<status> code, if that is what it is. */
export function proxyRefusal(code: string | undefined): number | undefined {
  const m = /^EPROXY(\d{3})$/.exec(code ?? '');
  return m ? Number(m[1]) : undefined;
}
