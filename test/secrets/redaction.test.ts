// Redaction helpers and the suite-wide guard: secrets out of log lines, errors and status records.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findSecrets, redact, redactCredentials, safeMessage, REDACTED } from '../../src/secrets/redact.js';
import { assertNoSecrets, drainCapturedOutput } from '../support/redaction-guard.js';
import { fakeToken } from '../support/secrets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

describe('redact()', () => {
  test('removes known secret values wherever they appear', () => {
    const a = fakeToken();
    const b = fakeToken();
    expect(redact(`first ${a}, then ${b}${a}`, [a, b])).toBe(`first ${REDACTED}, then ${REDACTED}${REDACTED}`);
  });

  test.each([
    ['Authorization: Token 0123456789abcdef0123456789abcdef', `Authorization: Token ${REDACTED}`],
    ['{"authorization":"Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"}', `{"authorization":"Bearer ${REDACTED}"}`],
    ['sent header Token 0123456789abcdef0123456789abcdef0123', `sent header Token ${REDACTED}`],
    [`DefaultEndpointsProtocol=https;AccountName=relay;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
      `DefaultEndpointsProtocol=https;AccountName=relay;AccountKey=${REDACTED};EndpointSuffix=core.windows.net`],
    ['BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&ss=t&sig=AbC%2Fdef%3D',
      `BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=${REDACTED}`],
    ['GET https://x.table.core.windows.net/t?sv=2022-11-02&se=2030-01-01&sig=AbCdEf%2BgHiJ%3D&sp=r',
      `GET https://x.table.core.windows.net/t?sv=2022-11-02&se=2030-01-01&sig=${REDACTED}&sp=r`],
    ['Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abcDEF123456=',
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${REDACTED}`],
    ['token: eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiIwNWE2NTYyOSJ9.sig-nat_ure', `token: ${REDACTED}`],
  ])('strips %s', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
    expect(findSecrets(input).length).toBeGreaterThan(0);
    expect(findSecrets(expected)).toEqual([]);
  });

  test.each([
    'Token rejected by the API (401): issue a new token',
    'authorization failed for the request',
    'WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/72f988bf", resource="https://vault.azure.net"',
    `Authorization: Token ${REDACTED}`,
    'AccountKey=*** SharedAccessSignature=<redacted>',
    'signature=abc design=foo',
  ])('leaves ordinary text alone: %s', (text) => {
    expect(redactCredentials(text)).toBe(text);
    expect(findSecrets(text)).toEqual([]);
  });

  test('is idempotent and never leaves a registered token behind, for any surrounding text', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/), (before, after, token) => {
      const once = redact(`${before}${token}${after}`, [token]);
      expect(once).not.toContain(token);
      expect(redact(once, [token])).toBe(once);
    }), { numRuns: 300 });
  });

  test('safeMessage() gives one bounded, redacted line from any error', () => {
    const token = fakeToken();
    const msg = safeMessage(new Error(`boom\nAuthorization: Token ${token}\n${'x'.repeat(500)}`), [], 120);
    expect(msg.length).toBeLessThanOrEqual(120);
    expect(msg).not.toMatch(/\n/);
    assertNoSecrets(msg);
  });

  test('values shorter than six characters are not redacted by value (they would blank out words)', () => {
    expect(redact('the token abc', ['abc'])).toBe('the token abc');
  });
});

describe('the redaction guard', () => {
  test('captures console and stdout output and recognises a registered token in it', () => {
    const token = fakeToken('leak probe');
    console.log(`debug: calling API with ${token}`);
    process.stdout.write('plain line\n');
    const text = drainCapturedOutput();
    expect(text).toContain('plain line');
    expect(text).toContain(token);
    expect(() => assertNoSecrets(text)).toThrow(/registered leak probe/);
    // The failure names what leaked, never the value.
    expect(() => assertNoSecrets(text)).not.toThrow(new RegExp(token));
  });

  test('flags credential-shaped text even when the value was never registered', () => {
    expect(() => assertNoSecrets(`conn AccountKey=${ACCOUNT_KEY}`)).toThrow(/AccountKey/);
    expect(() => assertNoSecrets('url ?sv=1&sig=AbCdEfGh1234%3D')).toThrow(/SAS sig/);
    expect(() => assertNoSecrets('Authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toThrow(/Authorization/);
    expect(() => assertNoSecrets('all clean: Token [REDACTED]')).not.toThrow();
  });

  test('fails a leaking test in a real vitest run, and passes the clean ones', async () => {
    const config = path.join(ROOT, 'test/secrets/fixtures/guard.vitest.config.ts');
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, '--reporter=json'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      testResults: { name: string; status: string; message: string; assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const results = Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults).map((r) => [r.title, r]));
    expect(results['prints a registered token']?.status).toBe('failed');
    expect(results['prints a registered token']?.failureMessages.join('')).toMatch(/redaction guard: output written during the test contains registered probe/);
    expect(results['writes a connection string key to stderr']?.status).toBe('failed');
    expect(results['logs an Authorization header']?.status).toBe('failed');
    expect(results['prints only redacted text']?.status).toBe('passed');
    expect(results['prints nothing secret']?.status).toBe('passed');
    // Outside a test body: a beforeAll's output fails the file (not the clean test), a logger's line fails its test.
    const hooks = report.testResults.find((f) => f.name.endsWith('leaks-outside-tests.fixture.ts'));
    expect(hooks?.status).toBe('failed');
    expect(hooks?.message).toMatch(/redaction guard: output written outside a test \(beforeAll, afterAll\) contains registered hook probe/);
    expect(results['a clean test in a file whose beforeAll leaked']?.status).toBe('passed');
    expect(results['logs a token through a logger with no other sink']?.failureMessages.join('')).toMatch(/contains registered logger probe/);
  }, 60_000);
});
