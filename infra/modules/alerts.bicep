// Azure Monitor's versions of the reference's Prometheus alerts (lms_ops_reference.md §5.2),
// on what Azure measures: metric alerts on Service Bus and PostgreSQL, log alerts on the
// request telemetry the Functions host writes to AppRequests (Name is the function name,
// ResultCode the HTTP status), and an availability test in place of `up == 0`.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Prefix of every alert name.')
param namePrefix string

@description('Who is told: an e-mail address.')
param alertEmail string

@description('Log Analytics workspace holding AppRequests.')
param workspaceId string

@description('Application Insights component (the availability test reports to it).')
param appInsightsId string

@description('Service Bus namespace.')
param serviceBusId string

@description('PostgreSQL server.')
param postgresId string

@description('Host name of the Function App.')
param appHostName string

@description('Messages waiting in one queue for 5 minutes before the backlog alert fires (the reference: 1,000).')
param queueBacklogThreshold int = 1000

@description('Connections to PostgreSQL that fire the alert: about 90% of the 35 B1ms gives users (the reference: 95% of the maximum).')
param postgresConnectionThreshold int = 32

@description('p95 of request duration, in ms, over 10 minutes (the reference: 0.75 s).')
param p95LatencyMs int = 750

@description('Share of requests answered 5xx over 10 minutes (the reference: 5%).')
param serverErrorRatio string = '0.05'

@description('429 answers per 5 minutes (the reference: 2 per second).')
param rateLimitedPer5Minutes int = 600

@description('Failed sign-ins (401 from auth_login and auth_token) per 5 minutes. The reference fired at 50 per second, which a school never reaches; 300 is one per second.')
param failedLoginsPer5Minutes int = 300

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-oncall'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'lms-oncall'
    enabled: true
    emailReceivers: [
      {
        name: 'oncall'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// --- metric alerts

resource queueBacklog 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-queue-backlog'
  location: 'global'
  tags: tags
  properties: {
    description: 'A queue holds more messages than its consumer keeps up with (LMSCeleryQueueHigh).'
    severity: 1
    enabled: true
    scopes: [
      serviceBusId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'ActiveMessages'
          metricName: 'ActiveMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: queueBacklogThreshold
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages reached a dead-letter queue: a handler failed 10 times (LMSCeleryWorkerDown). `lms dlq list` shows them.'
    severity: 2
    enabled: true
    scopes: [
      serviceBusId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadletteredMessages'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource postgresConnections 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-db-connections'
  location: 'global'
  tags: tags
  properties: {
    description: 'PostgreSQL is close to its connection limit (LMSDBConnectionHigh): lower maximumInstanceCount or DB_POOL_SIZE, or move to a larger tier with PgBouncer.'
    severity: 1
    enabled: true
    scopes: [
      postgresId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'active_connections'
          metricName: 'active_connections'
          operator: 'GreaterThan'
          threshold: postgresConnectionThreshold
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource postgresCpu 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-db-cpu'
  location: 'global'
  tags: tags
  properties: {
    description: 'PostgreSQL CPU above 80% for 15 minutes (slow queries, LMSDBSlowQueries): a Burstable server spends its credits.'
    severity: 2
    enabled: true
    scopes: [
      postgresId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'cpu_percent'
          metricName: 'cpu_percent'
          operator: 'GreaterThan'
          threshold: 80
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource postgresStorage 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-db-storage'
  location: 'global'
  tags: tags
  properties: {
    description: 'PostgreSQL storage above 85% (it grows by itself, in steps that cost).'
    severity: 2
    enabled: true
    scopes: [
      postgresId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'storage_percent'
          metricName: 'storage_percent'
          operator: 'GreaterThan'
          threshold: 85
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// --- log alerts on AppRequests

resource p95Latency 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-p95-latency'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}-p95-latency'
    description: 'p95 request duration above ${p95LatencyMs} ms over 10 minutes (LMSHighP95Latency).'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT10M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | summarize p95 = percentile(DurationMs, 95)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'p95'
          operator: 'GreaterThan'
          threshold: p95LatencyMs
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource serverErrors 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-5xx-rate'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}-5xx-rate'
    description: 'More than ${serverErrorRatio} of requests answered 5xx over 10 minutes (LMSHighErrorRate).'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT10M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | summarize total = count(), failed = countif(ResultCode startswith "5") | where total > 0 | extend ratio = todouble(failed) / total | where ratio > ${serverErrorRatio}'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource rateLimited 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-429-spike'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}-429-spike'
    description: 'More than ${rateLimitedPer5Minutes} requests answered 429 in 5 minutes (LMSRateLimitSpike).'
    severity: 3
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | where ResultCode == "429"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: rateLimitedPer5Minutes
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource failedLogins 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-failed-logins'
  location: location
  tags: tags
  properties: {
    displayName: '${namePrefix}-failed-logins'
    description: 'More than ${failedLoginsPer5Minutes} failed sign-ins in 5 minutes (LMSFailedLoginHigh): password spraying.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | where Name in ("auth_login", "auth_token") and ResultCode == "401"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: failedLoginsPer5Minutes
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// --- the API answers at all (LMSApiDown): /api/v1/health from five regions every 5 minutes

resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: '${namePrefix}-health'
  location: location
  tags: union(tags, {
    'hidden-link:${appInsightsId}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: '${namePrefix}-health'
    Name: '${namePrefix}-health'
    Kind: 'standard'
    Enabled: true
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'emea-gb-db3-azr'
      }
      {
        Id: 'us-va-ash-azr'
      }
      {
        Id: 'us-ca-sjc-azr'
      }
      {
        Id: 'apac-sg-sin-azr'
      }
    ]
    Request: {
      RequestUrl: 'https://${appHostName}/api/v1/health'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource apiDown 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-api-down'
  location: 'global'
  tags: tags
  properties: {
    description: '/api/v1/health failed from 2 of 5 locations (LMSApiDown).'
    severity: 0
    enabled: true
    scopes: [
      healthTest.id
      appInsightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: healthTest.id
      componentId: appInsightsId
      failedLocationCount: 2
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
