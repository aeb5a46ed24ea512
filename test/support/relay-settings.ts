// The settings most delivery tests start from: the simulator as the API, a local receiver taking
// octet-counted frames, the default (6,000/min) request budget so tests are not throttled, no heartbeat.
// Each test adds its store, its relay name and whatever it attacks.

export function relaySettings(apiUrl: string, token: string, syslogPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MDCA_PORTAL_URL: apiUrl,
    MDCA_TOKEN: token,
    MDCA_REQUESTS_PER_MINUTE: '6000',
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_PORT: String(syslogPort),
    SYSLOG_FRAMING: 'octet-counting',
    HEARTBEAT_INTERVAL: 'PT0S',
    ...extra,
  };
}
