// Contract of the syslog stage. "Delivered" is defined per transport:
// - tcp / tls: the receiver has read every byte of the batch (confirmed by a graceful half-close
//   that the peer answers with its own close, or an equivalent confirmation);
// - udp: every datagram was handed to the kernel; no delivery guarantee (RFC 5426).
export type SyslogProtocol = 'tcp' | 'udp' | 'tls';
export type TcpFraming = 'lf' | 'octet-counting';

export interface SyslogHost {
  host: string;
  port: number;
}

export interface SyslogOptions {
  protocol: SyslogProtocol;
  /** Ordered: the first that accepts the batch gets it (fail-over). */
  hosts: SyslogHost[];
  /** tcp: default lf; tls: octet-counting (RFC 5425). */
  framing: TcpFraming;
  connectTimeoutMs: number;
  /** No progress writing (or waiting for confirmation) for this long fails the batch. */
  writeTimeoutMs: number;
  /** udp: datagrams larger than this are refused (the CEF stage keeps lines within it). */
  udpMaxBytes: number;
  tls?: {
    ca?: string; // PEM bundle; system CAs when absent
    cert?: string; // PEM client certificate (mutual TLS)
    key?: string; // PEM private key
    servername?: string; // SNI and name check; defaults to the host
  };
}

export interface DeliveryReport {
  delivered: number;
  bytes: number;
  host: SyslogHost;
  confirmed: boolean; // false for udp
}

export interface SyslogSender {
  /** Sends the batch in order; resolves only when the batch is delivered as defined above.
   *  Rejects with a RelayError (SYSLOG_UNREACHABLE / SYSLOG_SEND_FAILED) otherwise. */
  deliver(messages: readonly string[]): Promise<DeliveryReport>;
  close(): Promise<void>;
}
