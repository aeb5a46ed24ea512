// Public surface of the Defender for Cloud Apps source stage.
export { createMdcaClient, type MdcaClient, type MdcaClientOptions, type ListQuery, type ListResult, type ClientStats } from './client.js';
export { readBatches, readRange, type ReaderTuning } from './reader.js';
export { createBatchSource, DEFAULT_OVERLAP_MS, type SourceOptions } from './source.js';
export { validateFilters, FILTER_SPECS, type FilterValidation } from './filters.js';
export { parseProxyAddress, proxyFor, redactProxy } from '../http/proxy.js';
export { resetTenantBuckets, tenantBucket, TenantBucket, type RateLimit } from '../http/rate-bucket.js';
export { retryDelay, parseRetryAfter, DEFAULT_RETRY_POLICY, type RetryPolicy, type FailureKind } from '../http/retry-policy.js';
