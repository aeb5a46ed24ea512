// The Microsoft Graph security alerts_v2 simulator (issue 16): the public surface for the Graph reader's
// tests, the Graph CEF mapping's compatibility test, the end-to-end tests, the bench and the demo.
//
// startGraphSimulator(options?: GraphSimulatorOptions): Promise<GraphSimulator>   (server.ts)
//   options: port; tokens (default ['graph-sim-token'] = GRAPH_SIM_TOKEN); forbiddenTokens (authenticate,
//   lack the app role: 403); tenantId (default SIM_TENANT_ID); rateLimit ({requests, windowMs}, default
//   DEFAULT_RATE_LIMIT = 150 per 60 000 ms per token; false lifts it); pageSize (page without $top and cap of
//   $top, larger values clamped: DEFAULT_PAGE_SIZE = 1000); maxSkip (explicit $skip above it is a 400:
//   DEFAULT_MAX_SKIP = 500); nextLinkTtlMs (default 600 000); paging ('snapshot' default: a nextLink
//   continues the result set of its first page | 'live': every page re-runs the query at an offset, so
//   changes mid-read shift rows); shuffle (false | true | {seed}: random order per result set instead of
//   most recent first); allowIn (accept `prop in ('a','b')`, default false = 400); clock ({now(): ms});
//   alerts; faultRule.
//   handle: url (origin: GRAPH_ENDPOINT), port, token (GRAPH_TOKEN), tenantId, stats {requests, firstPages,
//   nextLinkPages, provoked429, injected429, expiredLinks, faults, alertsServed, byStatus}, addAlerts(alerts),
//   generate(count, GraphGenerateOptions) -> alerts, updateAlerts(ids | {count, seed?, serviceSources?},
//   {status?, classification?, determination?, assignedTo?, comment?}) -> updated alerts (lastUpdateDateTime
//   = now), all(), get(id), expireNextLinks(), setNextLinkTtl(ms), setPaging(mode), setShuffle(on),
//   setRateLimit(limit | false), injectFault(fault, {times?, after?, match?: 'first'|'next'|'any'}),
//   setFaultRule(rule), clearFaults(), resetStats(), close().
//   faults (GraphFault.kind): status {status, code?} (Graph error body), html200, html500, delay {ms}, reset,
//   rateLimit {retryAfterSeconds?} (a storm: times N), expiredLink (nextLink pages only), emptyWithNext
//   (value [] + a nextLink that resumes at the same place), loop {back?} (right page, nextLink back `back`
//   pages: 1 = this page again), transform {apply(body, req)}.
// HTTP: GET /v1.0/security/alerts_v2[?$filter&$top&$skip&$count=true] and /v1.0/security/alerts_v2/{id};
//   nextLink = <origin>/v1.0/security/alerts_v2?$skiptoken=<opaque>. Errors use Graph's envelope
//   {error: {code, message, innerError: {date, request-id, client-request-id}}}: 401 InvalidAuthenticationToken
//   + WWW-Authenticate, 403 Forbidden "Missing role permissions ... 'SecurityAlert.Read.All, ...'",
//   429 TooManyRequests + Retry-After (s), 400 BadRequest for $orderby/$select/..., bad filters and an expired
//   or unknown $skiptoken. Enum members after unknownFutureValue are served as unknownFutureValue unless
//   `Prefer: include-unknown-enum-members`.
// Control (no auth; loopback only): GET /_sim/stats, POST /_sim/stats/reset, GET /_sim/alerts,
//   POST /_sim/alerts {alerts?, generate?: {count, seed?, start?, end?, serviceSources?}},
//   POST /_sim/alerts/update {ids? | count + seed? + serviceSources?, changes},
//   POST /_sim/nextlinks/expire, POST /_sim/faults {fault, times?, after?, match?}, DELETE /_sim/faults,
//   PUT /_sim/settings {nextLinkTtlMs?, paging?, shuffle?, rateLimit?}.
// Data: generateGraphAlerts(count, {seed, start, end, now, serviceSources, tenantId}) spreads alerts evenly
//   over SIM_SERVICE_SOURCES (six products); its Cloud Apps share is graphAlertFromMdca(generateAlerts(k,
//   {seed, start, end, now})), the very alerts the legacy simulator serves with that seed and range.
//   graphAlertFromMdca(mdcaAlert, {tenantId?}) is pure: id 'ca' + _id, providerAlertId = _id.
//   graphTime(ms, ticks?) writes 7-digit timestamps; canonicalTime(text) normalizes an ISO-8601 literal.
// Standalone: node dist/src/simulator/graph/main.js (prints URL and token).
export { startGraphSimulator, GRAPH_SIM_TOKEN, DEFAULT_PAGE_SIZE, DEFAULT_MAX_SKIP, DEFAULT_RATE_LIMIT } from './server.js';
export { generateGraphAlerts, SIM_SERVICE_SOURCES, type GraphGenerateOptions } from './fixtures.js';
export { graphAlertFromMdca, incidentIdFor, SIM_TENANT_ID, type FromMdcaOptions } from './from-mdca.js';
export { compileFilter, ODataError, ENUMS } from './odata.js';
export { graphTime, canonicalTime } from './times.js';
export type * from './types.js';
