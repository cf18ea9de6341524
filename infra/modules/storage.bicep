// Two storage accounts, both without shared keys (every caller signs in with Entra ID):
// - host: the Functions host's own state (timer leases, the deployment package);
// - data: what the app keeps (uploaded files, issued certificates), with soft delete.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the Functions host storage account.')
param hostAccountName string

@description('Name of the data storage account.')
param dataAccountName string

@description('Container the deployment package goes to (Flex Consumption).')
param deploymentContainerName string

@description('Container for uploaded files (AZURE_STORAGE_CONTAINER_NAME).')
param filesContainerName string

@description('Container for issued certificates.')
param certificatesContainerName string

@description('Container `lms backup` uploads to (BACKUP_CONTAINER), for self-run backups.')
param backupsContainerName string

@description('Days a deleted blob or container can be restored from the data account.')
param softDeleteDays int

@description('Days back to which the data account\'s containers can be restored to a point in time (less than softDeleteDays).')
param pointInTimeRestoreDays int

@description('Principal id of the app identity.')
param appPrincipalId string

var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource hostAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  //checkov:skip=CKV_AZURE_43: names are 'sthost' + uniqueString(): 19 lower-case letters and digits
  //checkov:skip=CKV_AZURE_35: no VNet in the small-school layout: the Function App reaches storage over its public endpoint, Entra ID only
  //checkov:skip=CKV_AZURE_59: same: public endpoint, no anonymous access (allowBlobPublicAccess false, shared keys off)
  //checkov:skip=CKV_AZURE_206: host state only (leases, the package): locally redundant is enough
  name: hostAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: hostAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobs
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource dataAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  //checkov:skip=CKV_AZURE_43: names are 'stdata' + uniqueString(): 19 lower-case letters and digits
  //checkov:skip=CKV_AZURE_35: no VNet in the small-school layout: the Function App reaches storage over its public endpoint, Entra ID only
  //checkov:skip=CKV_AZURE_59: same: public endpoint, no anonymous access (allowBlobPublicAccess false, shared keys off)
  name: dataAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource dataBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: dataAccount
  name: 'default'
  properties: {
    // An overwritten or deleted blob keeps its previous versions; with the change feed they
    // let a whole container go back to a point in time (az storage blob restore).
    isVersioningEnabled: true
    changeFeed: {
      enabled: true
      retentionInDays: softDeleteDays
    }
    restorePolicy: {
      enabled: true
      days: pointInTimeRestoreDays
    }
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource filesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: dataBlobs
  name: filesContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource certificatesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: dataBlobs
  name: certificatesContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource backupsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: dataBlobs
  name: backupsContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The host keeps timer leases and the package in blobs; queues and tables serve host features
// (blob-trigger receipts, diagnostics) that need them when a function starts using them.
resource appOwnsHostBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostAccount.id, appPrincipalId, blobDataOwner)
  scope: hostAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataOwner)
  }
}

resource appUsesHostQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostAccount.id, appPrincipalId, queueDataContributor)
  scope: hostAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
  }
}

resource appUsesHostTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostAccount.id, appPrincipalId, tableDataContributor)
  scope: hostAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableDataContributor)
  }
}

// Read, write and delete blobs, and sign user-delegation SAS links for downloads.
resource appUsesDataBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataAccount.id, appPrincipalId, blobDataContributor)
  scope: dataAccount
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
  }
}

output hostAccountName string = hostAccount.name
output hostBlobEndpoint string = hostAccount.properties.primaryEndpoints.blob
output dataAccountName string = dataAccount.name
output dataBlobEndpoint string = dataAccount.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${hostAccount.properties.primaryEndpoints.blob}${deploymentContainer.name}'
