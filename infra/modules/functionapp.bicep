// The Function App on Flex Consumption (FC1). Every connection is identity-based: host
// storage, Service Bus, Blob Storage, Application Insights and Key Vault references all sign
// in as the app identity, so no connection string or key exists.
//
// Flex rejects or ignores the settings older plans used (FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENTSHARE,
// FUNCTIONS_WORKER_PROCESS_COUNT, ...): the runtime, scale and deployment live in
// functionAppConfig instead. A test keeps them out of appSettings.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the Function App (its host name is <name>.azurewebsites.net).')
param appName string

@description('Resource id of the app identity.')
param appIdentityId string

@description('Client id of the app identity.')
param appClientId string

@description('Principal id of the deploy identity (deploys code).')
param deployPrincipalId string

@description('Host storage account name.')
param hostStorageAccountName string

@description('URL of the container the deployment package goes to.')
param deploymentContainerUrl string

@description('Blob endpoint of the data storage account (AZURE_STORAGE_ACCOUNT_URL).')
param dataBlobEndpoint string

@description('Container for uploaded files (AZURE_STORAGE_CONTAINER_NAME).')
param filesContainerName string

@description('Container of the certificates\' PDFs (CERTIFICATES_CONTAINER_NAME).')
param certificatesContainerName string

@description('<namespace>.servicebus.windows.net')
param serviceBusNamespace string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Key Vault URI of the SECRET_KEY secret.')
param secretKeyUri string

@description('Key Vault URI of the DATABASE_URL secret.')
param databaseUrlUri string

@description('Key Vault URI of the SEND_EMAIL_SIGNING_SECRET secret.')
param sendEmailSigningSecretUri string

@description('Key Vault URI of the CERTIFICATE_SIGNING_KEY secret.')
param certificateSigningKeyUri string

@description('Key Vault URI of the WEBHOOK_SECRET_KEY secret.')
param webhookSecretKeyUri string

@description('Instance memory in MB: 512, 2048 or 4096.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Most instances the app scales to, all functions together. Instances x (DB_POOL_SIZE + DB_MAX_OVERFLOW) must stay under the database connection limit.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Instances kept warm for the HTTP functions (billed while idle; 0 scales to zero and pays a cold start).')
@minValue(0)
param alwaysReadyHttpInstances int

@description('Concurrent HTTP requests per instance; also PYTHON_THREADPOOL_THREAD_COUNT and DB_POOL_SIZE, so each request has a thread and a connection.')
@minValue(1)
@maxValue(32)
param httpPerInstanceConcurrency int

@description('Extra connections per instance beyond the pool, for timers and the outbox relay.')
@minValue(0)
param dbMaxOverflow int

@description('Sender of every e-mail (MAIL_FROM), on a domain whose SPF/DKIM cover the mail relay.')
param mailFrom string

@description('URL of the Firebase sendEmail function (SEND_EMAIL_URL).')
param sendEmailUrl string

@description('Base of the links in e-mails (FRONTEND_BASE_URL).')
param frontendBaseUrl string

@description('Origins allowed to call the API from a browser (CORS_ORIGINS), comma-separated.')
param corsOrigins string

@description('Where clients reach the API (PUBLIC_API_URL): the credentials\' issuer and the QR codes\' links.')
param publicApiUrl string

// Website Contributor: deploy code and restart the app, nothing else in the group.
var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  //checkov:skip=CKV_AZURE_225: zone redundancy is a cost a small school does not need; set zoneRedundant where it does
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  //checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP (ftpsState is not valid there); basic publishing credentials are off below
  //checkov:skip=CKV_AZURE_222: a public API: browsers and apps call it from anywhere
  //checkov:skip=CKV_AZURE_17: same: clients are browsers, not holders of client certificates
  //checkov:skip=CKV_AZURE_212: Flex Consumption scales by itself; alwaysReady keeps HTTP instances warm
  //checkov:skip=CKV_AZURE_213: the App Service health check is not the Flex way; the availability test (alerts.bicep) calls /api/v1/health
  name: appName
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: appIdentityId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        // --- the Functions host: identity-based connections
        {
          name: 'AzureWebJobsStorage__accountName'
          value: hostStorageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: appClientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${appClientId};Authorization=AAD'
        }
        // azure-identity's DefaultAzureCredential picks the user-assigned identity by it.
        {
          name: 'AZURE_CLIENT_ID'
          value: appClientId
        }
        // --- shared/config.py
        {
          name: 'ENVIRONMENT'
          value: 'production'
        }
        {
          name: 'APP_ROLE'
          value: 'all'
        }
        {
          name: 'SECRET_KEY'
          value: '@Microsoft.KeyVault(SecretUri=${secretKeyUri})'
        }
        {
          name: 'DATABASE_URL'
          value: '@Microsoft.KeyVault(SecretUri=${databaseUrlUri})'
        }
        {
          name: 'DATABASE_SSLMODE'
          value: 'verify-full'
        }
        {
          name: 'PYTHON_THREADPOOL_THREAD_COUNT'
          value: string(httpPerInstanceConcurrency)
        }
        {
          name: 'DB_POOL_SIZE'
          value: string(httpPerInstanceConcurrency)
        }
        {
          name: 'DB_MAX_OVERFLOW'
          value: string(dbMaxOverflow)
        }
        {
          name: 'BROKER'
          value: 'servicebus'
        }
        {
          name: 'ServiceBusConnection__fullyQualifiedNamespace'
          value: serviceBusNamespace
        }
        {
          name: 'ServiceBusConnection__credential'
          value: 'managedidentity'
        }
        {
          name: 'ServiceBusConnection__clientId'
          value: appClientId
        }
        // Timer schedules are binding expressions (%NAME%): the host reads them from here.
        {
          name: 'OUTBOX_SWEEP_SCHEDULE'
          value: '*/10 * * * * *'
        }
        {
          name: 'HOUSEKEEPING_SCHEDULE'
          value: '0 */15 * * * *'
        }
        {
          name: 'QUIZ_ATTEMPT_EXPIRY_SCHEDULE'
          value: '0 */1 * * * *'
        }
        {
          name: 'FILES_CLEANUP_SCHEDULE'
          value: '0 20 * * * *'
        }
        {
          name: 'ASSIGNMENT_REMINDER_SCHEDULE'
          value: '0 */10 * * * *'
        }
        {
          name: 'STORAGE'
          value: 'azure'
        }
        {
          name: 'AZURE_STORAGE_ACCOUNT_URL'
          value: dataBlobEndpoint
        }
        {
          name: 'AZURE_STORAGE_CONTAINER_NAME'
          value: filesContainerName
        }
        {
          name: 'FILES_CONTAINER_NAME'
          value: filesContainerName
        }
        {
          name: 'CERTIFICATES_CONTAINER_NAME'
          value: certificatesContainerName
        }
        {
          name: 'CERTIFICATE_SIGNING_KEY'
          value: '@Microsoft.KeyVault(SecretUri=${certificateSigningKeyUri})'
        }
        {
          name: 'WEBHOOK_SECRET_KEY'
          value: '@Microsoft.KeyVault(SecretUri=${webhookSecretKeyUri})'
        }
        {
          name: 'PUBLIC_API_URL'
          value: publicApiUrl
        }
        {
          name: 'MAIL_TRANSPORT'
          value: 'firebase'
        }
        {
          name: 'MAIL_FROM'
          value: mailFrom
        }
        {
          name: 'SEND_EMAIL_URL'
          value: sendEmailUrl
        }
        {
          name: 'SEND_EMAIL_SIGNING_SECRET'
          value: '@Microsoft.KeyVault(SecretUri=${sendEmailSigningSecretUri})'
        }
        {
          name: 'FRONTEND_BASE_URL'
          value: frontendBaseUrl
        }
        {
          name: 'CORS_ORIGINS'
          value: corsOrigins
        }
        {
          name: 'TRUSTED_PROXY_HOPS'
          value: '1'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ]
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// No publish profiles: deployments sign in with Entra ID (the deploy identity).
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource deployerDeploysCode 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(site.id, deployPrincipalId, websiteContributor)
  scope: site
  properties: {
    principalId: deployPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', websiteContributor)
  }
}

output appId string = site.id
output appName string = site.name
output defaultHostName string = site.properties.defaultHostName
