// Key Vault (RBAC, purge protection) with the secrets the app reads through Key Vault
// references: the Function App resolves them as its identity and never stores the values.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the vault.')
param vaultName string

@description('SECRET_KEY: signs tokens.')
@secure()
param secretKey string

@description('DATABASE_URL, with the password in it.')
@secure()
param databaseUrl string

@description('SEND_EMAIL_SIGNING_SECRET: signs the requests to sendEmail.')
@secure()
param sendEmailSigningSecret string

@description('CERTIFICATE_SIGNING_KEY: the PEM that signs certificates\' credentials.')
@secure()
param certificateSigningKey string

@description('WEBHOOK_SECRET_KEY: the Fernet key that encrypts webhook secrets at rest.')
@secure()
param webhookSecretKey string

@description('Principal id of the app identity (reads the secrets).')
param appPrincipalId string

@description('Principal id of the deploy identity (reads DATABASE_URL to run the migrations).')
param deployPrincipalId string

@description('Principal id of whoever runs `azd provision` (user); empty: none. They read DATABASE_URL for the post-provision migrations and may set secrets.')
param operatorPrincipalId string

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  //checkov:skip=CKV_AZURE_109: no VNet in the small-school layout: the Function App resolves references over the public endpoint, RBAC only
  //checkov:skip=CKV_AZURE_189: same
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// Secret names are the settings' names, lower-case with dashes (Key Vault allows no '_').
resource secretKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41: an expired secret stops the app; rotation is a deliberate step (README "Deploy")
  parent: vault
  name: 'secret-key'
  properties: {
    value: secretKey
    contentType: 'text/plain'
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41: an expired secret stops the app; rotation is a deliberate step (README "Deploy")
  parent: vault
  name: 'database-url'
  properties: {
    value: databaseUrl
    contentType: 'text/plain'
  }
}

resource sendEmailSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41: an expired secret stops the app; rotation is a deliberate step (README "Deploy")
  parent: vault
  name: 'send-email-signing-secret'
  properties: {
    value: sendEmailSigningSecret
    contentType: 'text/plain'
  }
}

resource certificateSigningKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41: an expired secret stops the app; rotation is a deliberate step (README "Deploy")
  parent: vault
  name: 'certificate-signing-key'
  properties: {
    value: certificateSigningKey
    contentType: 'application/x-pem-file'
  }
}

resource webhookSecretKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41: an expired secret stops the app; rotation is a deliberate step (README "Deploy")
  parent: vault
  name: 'webhook-secret-key'
  properties: {
    value: webhookSecretKey
    contentType: 'text/plain'
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, secretsUser)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
  }
}

resource deployerReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, deployPrincipalId, secretsUser)
  scope: vault
  properties: {
    principalId: deployPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
  }
}

resource operatorManagesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    principalId: operatorPrincipalId
    principalType: 'User'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
  }
}

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
output secretKeyUri string = secretKeySecret.properties.secretUri
output databaseUrlUri string = databaseUrlSecret.properties.secretUri
output sendEmailSigningSecretUri string = sendEmailSecret.properties.secretUri
output certificateSigningKeyUri string = certificateSigningKeySecret.properties.secretUri
output webhookSecretKeyUri string = webhookSecretKeySecret.properties.secretUri
