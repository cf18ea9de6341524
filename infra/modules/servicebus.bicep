// Service Bus Standard with the app's four queues (DESIGN §4): peek-lock, dead-lettering,
// duplicate detection on the outbox id (the relay may send a row twice). Local (SAS key)
// authentication is off: the app sends and receives as its identity.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the Service Bus namespace.')
param namespaceName string

// The names the queue triggers of functions_jobs/ listen on (a test compares them).
var queueNames = [
  'emails'
  'progress'
  'certificates'
  'webhooks'
]

@description('How long a receiver holds a message (ISO 8601). The host renews it while the handler runs (host.json maxAutoLockRenewalDuration).')
param lockDuration string = 'PT1M'

@description('Deliveries before Service Bus dead-letters a message; keep equal to QUEUE_MAX_DELIVERY_COUNT.')
param maxDeliveryCount int = 10

@description('How long Service Bus remembers a message id to drop a duplicate; QUEUE_DUPLICATE_DETECTION_WINDOW_SECONDS is 600.')
param duplicateDetectionWindow string = 'PT10M'

@description('Principal id of the app identity.')
param appPrincipalId string

var dataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var dataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = [for name in queueNames: {
  parent: namespace
  name: name
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: 'P14D'
    requiresSession: false
    enablePartitioning: false
  }
}]

resource appSends 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, dataSender)
  scope: namespace
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSender)
  }
}

resource appReceives 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, dataReceiver)
  scope: namespace
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
  }
}

output namespaceId string = namespace.id
output namespaceName string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
