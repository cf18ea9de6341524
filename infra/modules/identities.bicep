// Two user-assigned identities: the app's (what the Function App is when it calls Service
// Bus, Storage, Key Vault and Application Insights) and the deployer's (what GitHub Actions
// signs in as, through OpenID Connect: no secret exists to leak or rotate).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the app identity.')
param appIdentityName string

@description('Name of the deploy identity.')
param deployIdentityName string

@description('GitHub repository allowed to sign in as the deploy identity, as owner/name; empty: no federated credential.')
param githubRepository string

@description('GitHub environment whose jobs may sign in (deploys and infra changes).')
param githubEnvironment string

@description('Also trust pull requests of the repository (infra what-if). GitHub issues no token to pull requests from forks.')
param trustPullRequests bool

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: appIdentityName
  location: location
  tags: tags
}

resource deployIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: deployIdentityName
  location: location
  tags: tags
}

resource githubEnvironmentCredential 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = if (!empty(githubRepository)) {
  parent: deployIdentity
  name: 'github-${githubEnvironment}'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:${githubRepository}:environment:${githubEnvironment}'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

// Azure applies one federated-credential write at a time per identity: the second waits.
resource githubPullRequestCredential 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = if (!empty(githubRepository) && trustPullRequests) {
  parent: deployIdentity
  name: 'github-pull-request'
  dependsOn: [
    githubEnvironmentCredential
  ]
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:${githubRepository}:pull_request'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

output appIdentityId string = appIdentity.id
output appIdentityName string = appIdentity.name
output appClientId string = appIdentity.properties.clientId
output appPrincipalId string = appIdentity.properties.principalId
output deployIdentityName string = deployIdentity.name
output deployClientId string = deployIdentity.properties.clientId
output deployPrincipalId string = deployIdentity.properties.principalId
