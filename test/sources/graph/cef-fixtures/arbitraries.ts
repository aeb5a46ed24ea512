// fast-check generators of Graph alert records whose every field may be realistic, hostile or of the wrong type.
import fc from 'fast-check';
import { SERVICE_SOURCES } from '../../../../src/sources/graph/types.js';
import { textField } from '../../../cef/arbitraries.js';

/** Values of the wrong type for a text field (JSON can hold any of them; NaN and Infinity only in code). */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
);

/** A text field: mostly text (realistic or hostile), sometimes any other JSON value. */
export const field: fc.Arbitrary<unknown> = fc.oneof({ weight: 6, arbitrary: textField }, { weight: 1, arbitrary: wrongType });

/** Epoch ms with a 4-digit year, for timestamps Graph writes. */
const ms = fc.integer({ min: 0, max: 253402300799999 });
/** `2021-04-27T12:19:27.7211305Z`: 7 fractional digits, the last 4 below the millisecond. */
const graphTime = fc.tuple(ms, fc.integer({ min: 0, max: 9999 })).map(([t, ticks]) => `${new Date(t).toISOString().slice(0, 23)}${String(ticks).padStart(4, '0')}Z`);
export const timeField: fc.Arbitrary<unknown> = fc.oneof({ weight: 5, arbitrary: graphTime }, { weight: 1, arbitrary: field });

const ipField: fc.Arbitrary<unknown> = fc.oneof(fc.ipV4(), fc.ipV6(), field);
const kind = (name: string) => `#microsoft.graph.security.${name}`;

/** Evidence kinds whose mapping the property test checks with its own oracle, plus junk items. */
export const evidenceItem: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ '@odata.type': fc.constant(kind('userEvidence')), userAccount: fc.oneof({ weight: 4, arbitrary: fc.record({ userPrincipalName: field, userSid: field }) }, { weight: 1, arbitrary: wrongType }) }),
  fc.record({ '@odata.type': fc.constant(kind('urlEvidence')), url: field }),
  fc.record({ '@odata.type': fc.constant(kind('ipEvidence')), ipAddress: ipField, roles: fc.oneof(fc.constant([]), fc.constant(['destination']), fc.constant(['attacker', 'commandAndControl']), wrongType) }),
  fc.record({ '@odata.type': fc.oneof(fc.constant(kind('securityGroupEvidence')), textField), displayName: field }),
  wrongType,
);

export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'unknown', 'unknownFutureValue'];

export const graphRecord = fc.record({
  kind: fc.oneof({ weight: 3, arbitrary: fc.constant('new') }, { weight: 2, arbitrary: fc.constant('update') }, { weight: 1, arbitrary: wrongType }),
  alert: fc.record(
    {
      id: fc.oneof(fc.stringMatching(/^(da|ca|fa)[0-9]{18}_-?[0-9]{1,10}$/), field),
      providerAlertId: field,
      incidentId: fc.oneof(fc.integer({ min: 1, max: 1e7 }).map(String), field),
      status: fc.oneof(fc.constantFrom('new', 'inProgress', 'resolved'), field),
      severity: fc.oneof(fc.constantFrom(...SEVERITIES), field),
      classification: field,
      determination: field,
      serviceSource: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SERVICE_SOURCES, 'azureAdIdentityProtection', 'microsoftDefenderForIoT') }, { weight: 1, arbitrary: field }),
      detectionSource: field,
      detectorId: field,
      tenantId: field,
      title: field,
      description: field,
      category: field,
      assignedTo: field,
      alertWebUrl: field,
      incidentWebUrl: field,
      threatDisplayName: field,
      actorDisplayName: field,
      mitreTechniques: fc.oneof({ weight: 4, arbitrary: fc.array(field, { maxLength: 4 }) }, { weight: 1, arbitrary: wrongType }),
      createdDateTime: timeField,
      lastUpdateDateTime: timeField,
      resolvedDateTime: timeField,
      firstActivityDateTime: timeField,
      lastActivityDateTime: timeField,
      comments: fc.oneof(fc.array(fc.oneof(fc.record({ comment: field }), wrongType), { maxLength: 3 }), wrongType),
      evidence: fc.oneof({ weight: 5, arbitrary: fc.array(evidenceItem, { maxLength: 8 }) }, { weight: 1, arbitrary: wrongType }),
    },
    { requiredKeys: [] },
  ),
});
export type GeneratedRecord = typeof graphRecord extends fc.Arbitrary<infer T> ? T : never;
