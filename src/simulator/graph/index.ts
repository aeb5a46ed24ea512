// The Microsoft Graph security alerts_v2 simulator (issue 16): public surface for the Graph reader's
// tests, the Graph CEF mapping's compatibility test, the end-to-end tests and the demo.
//
// startGraphSimulator(options?: GraphSimulatorOptions): Promise<GraphSimulator>
//   options: port, tokens (default ['graph-sim-token']), forbiddenTokens (403 naming SecurityAlert.Read.All),
//   tenantId, rateLimit ({requests, windowMs}, default 150 per 60 000 ms per token; false = none),
//   pageSize (default and cap of $top: 1000), maxSkip (500), nextLinkTtlMs (default 600 000), paging ('snapshot' default |
//   'live'), shuffle (false | true | {seed}), allowIn (accept `in (...)`, default false), clock, alerts,
//   faultRule.
//   handle: url (origin = GRAPH_ENDPOINT), port, token, tenantId, stats, addAlerts, generate(count, opts),
//   updateAlerts(ids | {count, seed?, serviceSources?}, {status, classification, determination, assignedTo,
//   comment}), all, get, expireNextLinks, setNextLinkTtl, setPaging, setShuffle, setRateLimit,
//   injectFault(fault, {times, after, match: 'first'|'next'|'any'}), setFaultRule, clearFaults, resetStats,
//   close.
//   faults (GraphFault.kind): status, html200, html500, delay, reset, rateLimit (storm: times N),
//   expiredLink, emptyWithNext, loop (back), transform.
// HTTP: GET /v1.0/security/alerts_v2[?$filter&$top&$skip&$count] and /v1.0/security/alerts_v2/{id};
//   nextLink = <origin>/v1.0/security/alerts_v2?$skiptoken=<opaque>; expired/unknown token: 400 BadRequest.
// Control (no auth, loopback only): GET /_sim/stats, POST /_sim/stats/reset, GET /_sim/alerts,
//   POST /_sim/alerts {alerts?, generate?: {count, seed, start, end, serviceSources}},
//   POST /_sim/alerts/update {ids? | count, seed?, serviceSources?, changes},
//   POST /_sim/nextlinks/expire, POST /_sim/faults {fault, times?, after?, match?}, DELETE /_sim/faults,
//   PUT /_sim/settings {nextLinkTtlMs?, paging?, shuffle?, rateLimit?}.
// Data: generateGraphAlerts(count, {seed, start, end, now, serviceSources, tenantId}) over SIM_SERVICE_SOURCES;
//   graphAlertFromMdca(mdcaAlert, {tenantId?}) = the unified form of a legacy simulator alert (id 'ca' + _id,
//   providerAlertId = _id). graphTime(ms, ticks) writes 7-digit timestamps.
export { startGraphSimulator, GRAPH_SIM_TOKEN, DEFAULT_PAGE_SIZE, DEFAULT_MAX_SKIP, DEFAULT_RATE_LIMIT } from './server.js';
export { generateGraphAlerts, SIM_SERVICE_SOURCES, type GraphGenerateOptions } from './fixtures.js';
export { graphAlertFromMdca, SIM_TENANT_ID, type FromMdcaOptions } from './from-mdca.js';
export { compileFilter, ODataError, ENUMS } from './odata.js';
export { graphTime, canonicalTime } from './times.js';
export type * from './types.js';
