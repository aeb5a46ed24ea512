// Public surface of the Microsoft Graph alerts_v2 source stage.
export { createGraphClient, GRAPH_ALERT_ROLE, GRAPH_REQUESTS_PER_MINUTE, NextLinkExpired, QueryRefused, type GraphClient, type GraphClientOptions, type GraphClientStats, type GraphQuery } from './client.js';
export { readWindows, readRangeWindows, DEFAULT_PAGE_SIZE, DEFAULT_SETTLE_MS, type GraphReadOptions, type GraphBatch } from './reader.js';
export { createGraphSource, type GraphFormat, type GraphSourceOptions } from './source.js';
export { serviceSourceFilter, windowFilter, type ServiceSources } from './query.js';
export { versionKey } from './sent-keys.js';
export { GRAPH_STREAM, SERVICE_SOURCES, type GraphAlert, type GraphRecord } from './types.js';
