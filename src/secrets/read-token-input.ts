// Reads a new token from a stream (the CLI passes stdin): never argv or the environment, which other processes can see.
import type { Readable } from 'node:stream';
import { RelayError } from '../errors.js';

/** A token is ~64 characters; anything much larger is a mistake (a file piped by accident). */
const MAX_BYTES = 8 * 1024;

/** Reads the whole stream and returns its trimmed text; refuses empty or oversized input without echoing it. */
export async function readTokenInput(stream: Readable, maxBytes = MAX_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new RelayError('CONFIG_INVALID', 'config', `the new token on standard input is longer than ${maxBytes} bytes; pipe only the token`);
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') {
    throw new RelayError('CONFIG_INVALID', 'config', 'no token on standard input: pipe the new token in, e.g. `mdca-siem-relay rotate-token < token.txt`');
  }
  return text;
}
