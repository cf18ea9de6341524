// LMS Functions on Azure: one resource group with the Function App (Flex Consumption), Service
// Bus, Storage, PostgreSQL, Key Vault, monitoring and alerts. `azd up` deploys it (azure.yaml);
// .github/workflows/infra.yml does the same from GitHub. Defaults are sized for a small school
// (a few thousand users, tens of requests per second at peak); README "Deploy" has the sums.
targetScope = 'subscription'

@description('Name of the environment (azd env name), e.g. lms-prod: part of every resource name.')
@minLength(1)
@maxLength(20)
param environmentName string

@description('Azure region for every resource (one that offers Flex Consumption).')
param location string

@description('Object id of the user running `azd provision` (azd sets it); they may read and set Key Vault secrets. Empty from GitHub.')
param principalId string = ''

@description('GitHub repository (owner/name) whose workflows sign in as the deploy identity; empty: none.')
param githubRepository string = ''

@description('GitHub environment the deploy and infra jobs run in.')
param githubEnvironment string = 'production'

@description('Trust pull requests of githubRepository for the infra what-if.')
param trustPullRequests bool = true

// --- secrets (azd generates them once and keeps them in .azure/<env>/; from GitHub they
// come from the environment's secrets). Rotating one: README "Deploy".
@description('SECRET_KEY: signs tokens. At least 32 random characters.')
@secure()
@minLength(32)
param secretKey string

@description('Password of the PostgreSQL administrator the app connects as.')
@secure()
@minLength(16)
param postgresAdminPassword string

@description('SEND_EMAIL_SIGNING_SECRET: the same value as the sendEmail function\'s secret.')
@secure()
@minLength(32)
param sendEmailSigningSecret string

@description('CERTIFICATE_SIGNING_KEY: the RSA private key (PEM) that signs certificates\' credentials; `lms keys generate` makes one.')
@secure()
@minLength(200)
param certificateSigningKey string

@description('WEBHOOK_SECRET_KEY: the Fernet key that encrypts webhook signing secrets at rest (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).')
@secure()
@minLength(44)
param webhookSecretKey string

// --- the app's non-secret settings
@description('MAIL_FROM, e.g. "LMS <no-reply@school.example>".')
param mailFrom string

@description('SEND_EMAIL_URL: https://<region>-<firebase-project>.cloudfunctions.net/sendEmail')
param sendEmailUrl string

@description('FRONTEND_BASE_URL: base of the links in e-mails.')
param frontendBaseUrl string

@description('CORS_ORIGINS, comma-separated.')
param corsOrigins string

@description('PUBLIC_API_URL: where clients reach the API (a custom domain, or the Function App\'s https://<name>.azurewebsites.net).')
param publicApiUrl string

@description('Who receives the alerts.')
param alertEmail string

// --- sizing
@description('PostgreSQL compute size.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL compute tier of postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL storage in GiB.')
param postgresStorageSizeGB int = 32

@description('Days of PostgreSQL point-in-time restore.')
param postgresBackupRetentionDays int = 14

@description('Copy PostgreSQL backups to the paired region.')
param postgresGeoRedundantBackup bool = false

@description('Connect through the built-in PgBouncer on 6432 (GeneralPurpose or MemoryOptimized only).')
param postgresPgBouncer bool = false

@description('Function App instance memory in MB.')
param instanceMemoryMB int = 2048

@description('Most Function App instances, all functions together; instances x (concurrency + overflow) must stay under the connections PostgreSQL gives users (B1ms: 50 - 15 reserved = 35).')
param maximumInstanceCount int = 6

@description('Warm instances for the HTTP functions.')
param alwaysReadyHttpInstances int = 1

@description('Concurrent HTTP requests per instance (also threads and pooled connections).')
param httpPerInstanceConcurrency int = 4

@description('Extra database connections per instance beyond the pool.')
param dbMaxOverflow int = 1

@description('Days Log Analytics keeps logs.')
param logRetentionDays int = 30

var tags = {
  'azd-env-name': environmentName
  app: 'lms-functions'
}
var token = toLower(uniqueString(subscription().id, environmentName, location))
var postgresAdminLogin = 'lmsadmin'

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  scope: group
  params: {
    location: location
    tags: tags
    appIdentityName: 'id-app-${token}'
    deployIdentityName: 'id-deploy-${token}'
    githubRepository: githubRepository
    githubEnvironment: githubEnvironment
    trustPullRequests: trustPullRequests
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: {
    location: location
    tags: tags
    workspaceName: 'log-${token}'
    appInsightsName: 'appi-${token}'
    retentionInDays: logRetentionDays
    appPrincipalId: identities.outputs.appPrincipalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: group
  params: {
    location: location
    tags: tags
    hostAccountName: 'sthost${token}'
    dataAccountName: 'stdata${token}'
    deploymentContainerName: 'deployments'
    filesContainerName: 'files'
    certificatesContainerName: 'certificates'
    backupsContainerName: 'backups'
    softDeleteDays: 14
    pointInTimeRestoreDays: 13
    appPrincipalId: identities.outputs.appPrincipalId
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: group
  params: {
    location: location
    tags: tags
    namespaceName: 'sb-${token}'
    appPrincipalId: identities.outputs.appPrincipalId
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: group
  params: {
    location: location
    tags: tags
    serverName: 'psql-${token}'
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    databaseName: 'lms'
    allowAzureServices: true
    pgBouncer: postgresPgBouncer
    entraAdminObjectId: identities.outputs.deployPrincipalId
    entraAdminName: identities.outputs.deployIdentityName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: group
  params: {
    location: location
    tags: tags
    vaultName: 'kv-${token}'
    secretKey: secretKey
    databaseUrl: 'postgresql+pg8000://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.outputs.host}:${postgres.outputs.port}/${postgres.outputs.databaseName}'
    sendEmailSigningSecret: sendEmailSigningSecret
    certificateSigningKey: certificateSigningKey
    webhookSecretKey: webhookSecretKey
    appPrincipalId: identities.outputs.appPrincipalId
    deployPrincipalId: identities.outputs.deployPrincipalId
    operatorPrincipalId: principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: group
  params: {
    location: location
    tags: tags
    planName: 'plan-${token}'
    appName: 'func-${environmentName}-${token}'
    appIdentityId: identities.outputs.appIdentityId
    appClientId: identities.outputs.appClientId
    deployPrincipalId: identities.outputs.deployPrincipalId
    hostStorageAccountName: storage.outputs.hostAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    dataBlobEndpoint: storage.outputs.dataBlobEndpoint
    filesContainerName: 'files'
    certificatesContainerName: 'certificates'
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appInsightsConnectionString: monitoring.outputs.connectionString
    secretKeyUri: keyVault.outputs.secretKeyUri
    databaseUrlUri: keyVault.outputs.databaseUrlUri
    sendEmailSigningSecretUri: keyVault.outputs.sendEmailSigningSecretUri
    certificateSigningKeyUri: keyVault.outputs.certificateSigningKeyUri
    webhookSecretKeyUri: keyVault.outputs.webhookSecretKeyUri
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    dbMaxOverflow: dbMaxOverflow
    mailFrom: mailFrom
    sendEmailUrl: sendEmailUrl
    frontendBaseUrl: frontendBaseUrl
    corsOrigins: corsOrigins
    publicApiUrl: publicApiUrl
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: group
  params: {
    location: location
    tags: tags
    namePrefix: environmentName
    alertEmail: alertEmail
    workspaceId: monitoring.outputs.workspaceId
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusId: serviceBus.outputs.namespaceId
    postgresId: postgres.outputs.serverId
    appHostName: functionApp.outputs.defaultHostName
  }
}

// azd writes these to .azure/<env>/.env; the hooks and the README's commands read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.appName
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.vaultName
output AZURE_POSTGRES_SERVER_NAME string = postgres.outputs.serverName
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_DEPLOY_CLIENT_ID string = identities.outputs.deployClientId
output AZURE_DEPLOY_PRINCIPAL_ID string = identities.outputs.deployPrincipalId
