// Key lists the Graph CEF tests check lines against (docs/graph-cef.md).

/** Keys every native line carries, first and in this order (docs/graph-cef.md, "Native mapping"). */
export const NATIVE_CORE_KEYS = [
  'externalId', 'rt', 'start', 'end', 'msg', 'cat', 'deviceExternalId', 'deviceFacility', 'sourceServiceName',
  'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4', 'cs5Label', 'cs5', 'cs6Label', 'cs6',
  'flexString2Label', 'flexString2', 'deviceCustomDate1Label', 'deviceCustomDate1', 'deviceCustomDate2Label', 'deviceCustomDate2',
];

/** The legacy source's alert keys (src/sources/mdca/cef/alert.ts), written by compatibility mode; `src`, `c6a1` only with an address. */
export const COMPAT_KEYS = [
  'externalId', 'start', 'end', 'msg', 'suser', 'destinationServiceName', 'cn1Label', 'cn1',
  'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4',
];
