// HTTP Function `status` (function-key auth): the relay's status record as JSON.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { loadConfig } from '../src/config/load.js';
import { describeError } from '../src/errors.js';
import { createStore } from '../src/pipeline/relay.js';
import { statusView } from '../src/pipeline/status-view.js';

export async function statusHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const config = loadConfig(process.env, 'function');
    const store = createStore(config);
    return { status: 200, jsonBody: await statusView(config, store, Date.now()) };
  } catch (err) {
    context.error(`status: ${describeError(err)}`);
    return { status: 500, jsonBody: { error: describeError(err) } };
  }
}

app.http('status', { methods: ['GET'], authLevel: 'function', route: 'status', handler: statusHandler });
