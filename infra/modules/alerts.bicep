// Azure Monitor log search alerts over the relay's Application Insights telemetry: a failed run, a growing lag, and
// silence (no run reported at all). The signals are the relay's telemetry contract: custom metrics
// 'relay.failures' and 'relay.lag.seconds' when the code emits them, errors logged by the function 'relay' (or,
// multi-tenant, 'tenantRun': one invocation per tenant, its summary line tagged tenant=<name>), and
// the one-line run summary it logs after every run ('relay <outcome> sent=N ... lag=Ns ...', src/pipeline/summary.ts).

param namePrefix string
param location string
param tags object
param appInsightsId string
@description('Existing action group to notify; empty: a new one for emailAddresses.')
param actionGroupId string
@description('E-mail receivers of the new action group (when actionGroupId is empty).')
param emailAddresses string[]
@description('Alert when the oldest undelivered event is older than this many seconds.')
param lagThresholdSeconds int
@description('Alert when no run has reported lag for this long (the relay stopped); a log alert window size.')
@allowed(['PT30M', 'PT45M', 'PT1H', 'PT2H', 'PT3H', 'PT6H'])
param silenceWindow string

// main.bicep refuses a deployment with neither: a relay that fails silently is what it exists to prevent.
resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (empty(actionGroupId)) {
  name: 'ag-${namePrefix}-relay'
  location: 'global'
  tags: tags
  properties: {
    // At most 12 characters: the short name appears in the e-mails.
    groupShortName: take('relay-${namePrefix}', 12)
    enabled: true
    emailReceivers: [
      for (address, i) in emailAddresses: { name: 'email-${i}', emailAddress: address, useCommonAlertSchema: true }
    ]
  }
}

var actions = { actionGroups: [empty(actionGroupId) ? emailGroup.id : actionGroupId] }

// A run failed: the failure metric, an unhandled exception or an error trace from the 'relay' function.
resource failure 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-${namePrefix}-relay-failure'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'MDCA SIEM relay: run failed'
    description: 'A relay run failed (relay.failures, an exception or an error trace in the relay function).'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
union
  (customMetrics | where name == 'relay.failures' | summarize failures = sum(valueSum)),
  (exceptions | where operation_Name in ('relay', 'tenantRun') | summarize failures = todouble(count())),
  (traces | where operation_Name in ('relay', 'tenantRun') and severityLevel >= 3 | summarize failures = todouble(count()))
| summarize failures = sum(failures)
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

// The relay is behind: the lag it reports after each run (seconds between now and the committed checkpoint), from
// the metric or from the summary line's lag=Ns.
resource lag 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-${namePrefix}-relay-lag'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'MDCA SIEM relay: lag above threshold'
    description: 'relay.lag.seconds exceeded ${lagThresholdSeconds} s.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
union
  (customMetrics | where name == 'relay.lag.seconds' | project lag = valueMax),
  (traces | where operation_Name in ('relay', 'tenantRun') and message startswith 'relay '
    | project lag = todouble(extract(@'\blag=(\d+)s\b', 1, message)))
| where isnotnull(lag)
| summarize lag = max(lag)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'lag'
          operator: 'GreaterThan'
          threshold: lagThresholdSeconds
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

// Neither failure nor lag fires when the relay does not run at all (stopped app, broken deployment): alert on silence.
resource silence 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-${namePrefix}-relay-silent'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'MDCA SIEM relay: no run reported'
    description: 'No relay.lag.seconds reported in ${silenceWindow}.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: silenceWindow
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
union
  (customMetrics | where name == 'relay.lag.seconds'),
  (traces | where operation_Name in ('relay', 'tenantRun') and message startswith 'relay ' and message has 'lag=')
| summarize runs = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

output ruleIds string[] = [failure.id, lag.id, silence.id]
