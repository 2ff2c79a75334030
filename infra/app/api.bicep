// The function app (Flex Consumption, Python 3.11): runtime, app settings and App Service
// Authentication. The dashboard is served by the same app, so one sign-in covers page and API.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
param storageAccountName string
param deploymentStorageContainerName string
param jobStateTableName string
param applicationInsightsName string
@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
@description('Client id of that identity: storage, Application Insights and ARM tokens are requested for it.')
param identityClientId string
@description('Application (client) id of the Entra app registration for sign-in.')
param authClientId string
param authTenantId string
@description('Let the Python worker export logs with OpenTelemetry, so event fields become customDimensions.')
param exportTelemetryDimensions bool = true
@allowed([
  'azureStorage'
  'durableTaskScheduler'
])
@description('Where Durable Functions keeps orchestration state (main.bicep durableBackend).')
param durableBackend string = 'azureStorage'
@description('Endpoint of the Durable Task Scheduler; empty with azureStorage.')
param durableTaskSchedulerEndpoint string = ''
@description('Task hub on that scheduler (host.json hubName).')
param durableTaskHubName string = ''
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every app setting, in one place. tests/unit/test_infra_settings.py checks these names
// against the names provisioning/settings.py reads, both ways: keep it one flat object.
// Not set here on purpose: ARM_CA_BUNDLE and LOCAL_DEV_HOST (local stack only),
// AzureWebJobsStorage as a connection string (shared keys are off), and WEBSITE_AUTH_ENABLED
// (the platform sets it because authsettingsV2 below requires authentication).
// FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION are not allowed on Flex Consumption:
// the runtime comes from functionAppConfig.
var appSettings = {
  // Functions runtime and Durable task hub storage, identity-based.
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // JobState reads its table endpoint from here (provisioning/settings.py).
  AzureWebJobsStorage__tableServiceUri: 'https://${storage.name}.table.${environment().suffixes.storage}'
  // Telemetry with Entra auth: the component has local (key) auth disabled.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The worker's own OpenTelemetry export (azure-monitor-opentelemetry in requirements.txt),
  // configured before function_app loads, for the app's loggers only (provisioning/telemetry.py).
  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: exportTelemetryDimensions ? 'true' : 'false'
  PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME: 'provisioning'
  // provisioning/settings.py
  JOBSTATE_TABLE_NAME: jobStateTableName
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  // The real ARM endpoint switches the simulator off (Settings.uses_arm_simulator).
  ARM_ENDPOINT: 'https://management.azure.com'
  AZURE_TENANT_ID: tenant().tenantId
  // DefaultAzureCredential picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
  PROVISION_POLL_SECONDS: '15'
  PROVISION_DEADLINE_MINUTES: '45'
  STORAGE_TIMEOUT_SECONDS: '5'
  DURABLE_CLIENT_TIMEOUT_SECONDS: '15'
  // ARM calls an HTTP request waits on: seconds, then 503 arm_unavailable (activities wait longer).
  ARM_REQUEST_CONNECT_TIMEOUT_SECONDS: '3'
  ARM_REQUEST_READ_TIMEOUT_SECONDS: '8'
  ARM_REQUEST_RETRIES: '1'
  ARM_WORKFLOW_CONNECT_TIMEOUT_SECONDS: '10'
  ARM_WORKFLOW_READ_TIMEOUT_SECONDS: '30'
  ARM_WORKFLOW_RETRIES: '3'
  // Bulkheads: threads for requests that wait on ARM (full: 503 busy) and for storage-only ones.
  ARM_REQUEST_WORKERS: '8'
  STORAGE_REQUEST_WORKERS: '16'
  // Preflight prices (public API, no credential).
  RETAIL_PRICES_ENDPOINT: 'https://prices.azure.com'
  // Cost guardrails: their table (the app creates it on first use), real minutes, a check
  // of every guarded cluster each 5 minutes, idle under 5 % average node CPU.
  GUARDRAILS_TABLE_NAME: 'Guardrails'
  GUARDRAIL_MINUTE_SECONDS: '60'
  GUARDRAIL_CHECK_SECONDS: '300'
  GUARDRAIL_IDLE_CPU_PERCENT: '5'
}

// Added to appSettings with durableBackend 'durableTaskScheduler' only: AzureFunctionsJobHost__*
// settings override host.json's extensions.durableTask, so host.json keeps the Azure Storage
// default that the local stack and the other option use. tests/unit/test_infra_durable_backend.py
// keeps these names in step with host.json and README: keep it one flat object too.
var durableTaskSchedulerSettings = {
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  AzureFunctionsJobHost__extensions__durableTask__hubName: durableTaskHubName
  // The user-assigned identity (its Durable Task Data Contributor role: durable-task-scheduler.bicep).
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy the `api` service to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }

  resource configAppSettings 'config' = {
    name: 'appsettings'
    properties: durableBackend == 'durableTaskScheduler' ? union(appSettings, durableTaskSchedulerSettings) : appSettings
  }

  // App Service Authentication ("Easy Auth"). With it on, the platform strips client-sent
  // X-MS-CLIENT-PRINCIPAL headers, injects the signed-in user's, and sets
  // WEBSITE_AUTH_ENABLED=True, which is what lets the app trust identity headers (docs/architecture.md).
  resource authSettings 'config' = {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: true
        // The dashboard at / is a page a person opens, so unauthenticated visits go to the
        // Entra sign-in page. API calls come from that same page (same origin, session cookie),
        // so they are signed in too; a call after the session expired gets a 302 to the sign-in
        // page that fetch cannot follow cross-origin, and a page reload signs in again.
        // Return401 would suit an API with no page of its own, but would leave a first visit
        // to / on a bare 401.
        unauthenticatedClientAction: 'RedirectToLoginPage'
        redirectToProvider: 'azureactivedirectory'
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: authClientId
            openIdIssuer: 'https://login.microsoftonline.com/${authTenantId}/v2.0'
            // No client secret: sign-in uses the ID token (implicit grant), so the app
            // registration needs "ID tokens" enabled and this redirect URI:
            // https://<app>.azurewebsites.net/.auth/login/aad/callback (output AUTH_CALLBACK_URL).
          }
          validation: {
            allowedAudiences: [
              authClientId
              'api://${authClientId}'
            ]
          }
        }
      }
      login: {
        // Needed for /.auth/me, which the dashboard may use to show who is signed in.
        tokenStore: {
          enabled: true
        }
      }
      httpSettings: {
        requireHttps: true
      }
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
output hostName string = functionApp.properties.defaultHostName
