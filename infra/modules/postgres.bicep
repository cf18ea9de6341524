// Azure Database for PostgreSQL Flexible Server 16 with the `lms` database. Entra ID
// authentication is on, with the deploy identity as Entra administrator (operators sign in
// with tokens); password authentication stays on for the app, which connects with the
// password kept in Key Vault (DATABASE_URL), over TLS with the certificate checked.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the server.')
param serverName string

@description('Compute size. Standard_B1ms (1 vCore, 2 GiB, 50 connections) carries a small school.')
param skuName string

@description('Compute tier of skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string

@description('Storage in GiB.')
param storageSizeGB int

@description('Days of point-in-time restore.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int

@description('Copy backups to the paired region.')
param geoRedundantBackup bool

@description('Administrator login the app connects as.')
param administratorLogin string

@description('Its password.')
@secure()
param administratorPassword string

@description('Database the app uses.')
param databaseName string

@description('Let Azure services (the Function App, whose outbound addresses change) reach the server. Without it the app needs VNet integration and a private endpoint.')
param allowAzureServices bool

@description('Use the built-in PgBouncer (port 6432, transaction pooling). Not offered on Burstable.')
param pgBouncer bool

@description('Object id of the Entra administrator (the deploy identity).')
param entraAdminObjectId string

@description('Display name of the Entra administrator.')
param entraAdminName string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '16'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Enabled'
      tenantId: subscription().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

resource entraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: entraAdminObjectId
  dependsOn: [
    database
  ]
  properties: {
    principalName: entraAdminName
    principalType: 'ServicePrincipal'
    tenantId: subscription().tenantId
  }
}

// 0.0.0.0 is Azure's notation for "any Azure service", not the whole internet.
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (allowAzureServices) {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  dependsOn: [
    entraAdmin
  ]
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource pgBouncerEnabled 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = if (pgBouncer) {
  parent: server
  name: 'pgbouncer.enabled'
  dependsOn: [
    azureServices
  ]
  properties: {
    value: 'true'
    source: 'user-override'
  }
}

// The app keeps its statements prepared on each connection (DB_STATEMENT_CACHE_SIZE, 256);
// in transaction pooling PgBouncer carries them across server connections only when it tracks
// them (0, its default, would make every reused statement fail).
resource pgBouncerPreparedStatements 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = if (pgBouncer) {
  parent: server
  name: 'pgbouncer.max_prepared_statements'
  dependsOn: [
    pgBouncerEnabled
  ]
  properties: {
    value: '512'
    source: 'user-override'
  }
}

// Log each connection and its end, so a leak or a storm of new connections shows.
resource logConnections 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'log_connections'
  dependsOn: [
    pgBouncerEnabled
    pgBouncerPreparedStatements
  ]
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

resource logDisconnections 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'log_disconnections'
  dependsOn: [
    logConnections
  ]
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

output serverId string = server.id
output serverName string = server.name
output host string = server.properties.fullyQualifiedDomainName
output port int = pgBouncer ? 6432 : 5432
output databaseName string = database.name
