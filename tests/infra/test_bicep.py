"""What checkov cannot see in infra/: the queues and their settings, who may do what, and
that the Function App's settings are the ones the app reads, in the form Flex Consumption takes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings
from tests.infra import bicep

REPO = Path(__file__).resolve().parents[2]

ROLE = {
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Website Contributor": "de139f84-1756-47ae-9be6-808fbbe84772",
}

# Settings the platform or its SDKs read, not shared/config.py.
PLATFORM_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "AZURE_CLIENT_ID",
    "ServiceBusConnection__credential",
    "ServiceBusConnection__clientId",
}

# Flex Consumption rejects these or ignores them (its functionAppConfig holds the runtime,
# scale and deployment): "Flex Consumption plan deprecations" in the app settings reference.
FLEX_REJECTS = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_MAX_HTTP_CONCURRENCY",
    "FUNCTIONS_WORKER_PROCESS_COUNT",
    "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTOVERVNET",
    "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
    "WEBSITE_NODE_DEFAULT_VERSION",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
    "WEBSITE_VNET_ROUTE_ALL",
    "WEBSITE_DNS_SERVER",
    "WEBSITE_TIME_ZONE",
    "TZ",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "AzureWebJobsStorage",  # a connection string: the identity-based form is used instead
}

# Connections PostgreSQL Flexible Server gives users on Standard_B1ms: 50, less the 15 it
# keeps for replication and monitoring.
B1MS_USER_CONNECTIONS = 35


def _functions() -> dict[str, Any]:
    """function_app.py run again as its own module: get_functions() may be called once per
    FunctionApp, and the shared `function_app.app` is left for the tests that use it."""
    spec = importlib.util.spec_from_file_location(
        "function_app_for_infra", REPO / "function_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {f.get_function_name(): f for f in module.app.get_functions()}


FUNCTIONS = _functions()


@pytest.fixture(scope="module")
def triggers() -> list[dict[str, object]]:
    return [f.get_trigger().get_dict_repr() for f in FUNCTIONS.values()]


def _role_assignments() -> list[bicep.Resource]:
    return bicep.of_type("Microsoft.Authorization/roleAssignments")


def _grants(role: str, principal: str, scope: str) -> bool:
    for assignment in _role_assignments():
        names = bicep.string_vars(assignment.file)
        role_var = bicep.property_value(assignment.body, "roleDefinitionId").split(", ")[-1]
        if (
            names.get(role_var.rstrip(")")) == ROLE[role]
            and bicep.property_value(assignment.body, "principalId") == principal
            and bicep.property_value(assignment.body, "scope") == scope
        ):
            return True
    return False


def test_every_file_declares_plain_resources_and_local_modules_only() -> None:
    for path in bicep.bicep_files():
        text = path.read_text()
        assert not re.search(r"'(br|ts)[:/]", text), f"{path}: registry modules are not allowed"
        for module in re.findall(r"^module \w+ '([^']+)'", text, flags=re.MULTILINE):
            assert (path.parent / module).is_file(), f"{path}: module {module} does not exist"
    assert "targetScope = 'subscription'" in bicep.read("main.bicep")


def test_service_bus_has_exactly_the_queues_the_triggers_listen_on(
    triggers: list[dict[str, object]],
) -> None:
    listened = {t["queueName"] for t in triggers if "queueName" in t}
    assert set(bicep.array_var("modules/servicebus.bicep", "queueNames")) == listened
    assert listened == {"emails", "progress", "certificates", "webhooks"}


def test_each_queue_locks_dead_letters_and_drops_the_duplicates_the_relay_may_send() -> None:
    defaults = Settings()
    (queues,) = bicep.of_type("Microsoft.ServiceBus/namespaces/queues")
    assert "for name in queueNames" in queues.body
    assert bicep.property_value(queues.body, "lockDuration") == "lockDuration"
    assert bicep.property_value(queues.body, "deadLetteringOnMessageExpiration") == "true"
    assert bicep.property_value(queues.body, "requiresDuplicateDetection") == "true"
    assert bicep.property_value(queues.body, "requiresSession") == "false"
    sb = "modules/servicebus.bicep"
    assert bicep.param_default(sb, "lockDuration") == "'PT1M'"
    assert int(bicep.param_default(sb, "maxDeliveryCount")) == defaults.QUEUE_MAX_DELIVERY_COUNT
    window = bicep.param_default(sb, "duplicateDetectionWindow").strip("'")
    assert window == f"PT{defaults.QUEUE_DUPLICATE_DETECTION_WINDOW_SECONDS // 60}M"


def test_service_bus_is_standard_and_takes_no_keys() -> None:
    (namespace,) = bicep.of_type("Microsoft.ServiceBus/namespaces")
    assert bicep.property_value(namespace.body, "name") == "namespaceName"
    assert "name: 'Standard'" in namespace.body
    assert bicep.property_value(namespace.body, "disableLocalAuth") == "true"


@pytest.mark.parametrize(
    ("role", "principal", "scope"),
    [
        ("Azure Service Bus Data Sender", "appPrincipalId", "namespace"),
        ("Azure Service Bus Data Receiver", "appPrincipalId", "namespace"),
        ("Storage Blob Data Owner", "appPrincipalId", "hostAccount"),
        ("Storage Queue Data Contributor", "appPrincipalId", "hostAccount"),
        ("Storage Table Data Contributor", "appPrincipalId", "hostAccount"),
        ("Storage Blob Data Contributor", "appPrincipalId", "dataAccount"),
        ("Key Vault Secrets User", "appPrincipalId", "vault"),
        ("Key Vault Secrets User", "deployPrincipalId", "vault"),
        ("Key Vault Secrets Officer", "operatorPrincipalId", "vault"),
        ("Monitoring Metrics Publisher", "appPrincipalId", "appInsights"),
        ("Website Contributor", "deployPrincipalId", "site"),
    ],
)
def test_each_identity_has_the_role_it_needs_on_its_resource(
    role: str, principal: str, scope: str
) -> None:
    assert _grants(role, principal, scope), f"{principal} lacks {role} on {scope}"


def test_role_assignments_are_named_deterministically_and_typed() -> None:
    for assignment in _role_assignments():
        assert bicep.property_value(assignment.body, "name").startswith("guid("), assignment
        assert "principalType:" in assignment.body, assignment
        assert "roleDefinitions'" in assignment.body, assignment


def test_every_app_setting_is_one_the_app_or_the_platform_reads() -> None:
    names = set(bicep.app_settings())
    assert names - set(Settings.model_fields) - PLATFORM_SETTINGS == set()


def test_no_app_setting_is_one_flex_consumption_rejects() -> None:
    assert set(bicep.app_settings()) & FLEX_REJECTS == set()


def test_every_connection_signs_in_as_the_app_identity() -> None:
    settings = bicep.app_settings()
    for connection in ("AzureWebJobsStorage", "ServiceBusConnection"):
        assert settings[f"{connection}__credential"] == "managedidentity"
        assert settings[f"{connection}__clientId"] == "appClientId"
    assert settings["AzureWebJobsStorage__accountName"] == "hostStorageAccountName"
    assert settings["ServiceBusConnection__fullyQualifiedNamespace"] == "serviceBusNamespace"
    assert settings["AZURE_CLIENT_ID"] == "appClientId"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].endswith("Authorization=AAD")
    for path in bicep.bicep_files():
        text = path.read_text()
        assert "listKeys(" not in text and "AccountKey=" not in text, path
        assert "SharedAccessKey" not in text and "connectionStrings" not in text, path


def test_secrets_reach_the_app_as_key_vault_references_only() -> None:
    settings = bicep.app_settings()
    for name in ("SECRET_KEY", "DATABASE_URL", "SEND_EMAIL_SIGNING_SECRET"):
        assert settings[name].startswith("@Microsoft.KeyVault(SecretUri="), name
    (site,) = bicep.of_type("Microsoft.Web/sites")
    assert bicep.property_value(site.body, "keyVaultReferenceIdentity") == "appIdentityId"
    main = bicep.params("main.bicep")
    text = bicep.read("main.bicep")
    for secret in ("secretKey", "postgresAdminPassword", "sendEmailSigningSecret"):
        assert main[secret] is None, f"{secret} must have no default"
        assert re.search(rf"@secure\(\)\n(@\w+\(\d+\)\n)?param {secret} ", text), secret


def test_the_settings_production_insists_on_are_set() -> None:
    settings = bicep.app_settings()
    assert settings["ENVIRONMENT"] == "production"
    assert settings["BROKER"] == "servicebus"
    assert settings["STORAGE"] == "azure"
    assert settings["MAIL_TRANSPORT"] == "firebase"
    assert settings["DATABASE_SSLMODE"] == "verify-full"
    assert {"MAIL_FROM", "SEND_EMAIL_URL", "FRONTEND_BASE_URL", "CORS_ORIGINS"} <= set(settings)


def test_every_timer_schedule_the_triggers_name_is_an_app_setting(
    triggers: list[dict[str, object]],
) -> None:
    schedules = {str(t["schedule"]).strip("%") for t in triggers if "schedule" in t}
    assert schedules
    settings = bicep.app_settings()
    for name in schedules:
        assert settings[name] == Settings.model_fields[name].default, name


def test_the_function_app_runs_python_311_on_flex_consumption() -> None:
    (plan,) = bicep.of_type("Microsoft.Web/serverfarms")
    assert "name: 'FC1'" in plan.body and "tier: 'FlexConsumption'" in plan.body
    (site,) = bicep.of_type("Microsoft.Web/sites")
    config = site.body[site.body.index("functionAppConfig:") :]
    assert re.search(r"runtime: \{\s+name: 'python'\s+version: '3.11'", config)
    for key in ("instanceMemoryMB", "maximumInstanceCount", "perInstanceConcurrency"):
        assert bicep.property_value(config, key) != "", key
    assert re.search(r"alwaysReady: \[\s+\{\s+name: 'http'", config)
    assert "type: 'UserAssignedIdentity'" in config
    assert bicep.property_value(site.body, "httpsOnly") == "true"
    assert "'azd-service-name': 'api'" in site.body


def test_threads_and_pooled_connections_follow_the_http_concurrency() -> None:
    settings = bicep.app_settings()
    assert settings["PYTHON_THREADPOOL_THREAD_COUNT"] == "string(httpPerInstanceConcurrency)"
    assert settings["DB_POOL_SIZE"] == "string(httpPerInstanceConcurrency)"
    assert settings["DB_MAX_OVERFLOW"] == "string(dbMaxOverflow)"


def test_the_default_size_fits_the_default_database_connections() -> None:
    main = bicep.params("main.bicep")
    assert main["postgresSkuName"] == "'Standard_B1ms'"
    assert main["postgresPgBouncer"] == "false"  # PgBouncer is not offered on Burstable
    instances = int(main["maximumInstanceCount"] or 0)
    per_instance = int(main["httpPerInstanceConcurrency"] or 0) + int(main["dbMaxOverflow"] or 0)
    assert 0 < instances * per_instance <= B1MS_USER_CONNECTIONS - 2  # room for a migration
    threshold = int(bicep.param_default("modules/alerts.bicep", "postgresConnectionThreshold"))
    assert instances * per_instance <= threshold < B1MS_USER_CONNECTIONS


def test_storage_takes_no_shared_keys_and_keeps_files_and_certificates_private() -> None:
    accounts = bicep.of_type("Microsoft.Storage/storageAccounts")
    assert {a.symbol for a in accounts} == {"hostAccount", "dataAccount"}
    for account in accounts:
        assert bicep.property_value(account.body, "allowSharedKeyAccess") == "false"
        assert bicep.property_value(account.body, "allowBlobPublicAccess") == "false"
        assert bicep.property_value(account.body, "minimumTlsVersion") == "TLS1_2"
    containers = bicep.of_type("Microsoft.Storage/storageAccounts/blobServices/containers")
    for container in containers:
        assert bicep.property_value(container.body, "publicAccess") == "None"
    main = bicep.read("main.bicep")
    assert (
        "filesContainerName: 'files'" in main
        and "certificatesContainerName: 'certificates'" in main
    )
    assert bicep.app_settings()["AZURE_STORAGE_CONTAINER_NAME"] == "filesContainerName"


def test_postgresql_is_16_burstable_with_entra_authentication() -> None:
    (server,) = bicep.of_type("Microsoft.DBforPostgreSQL/flexibleServers")
    assert bicep.property_value(server.body, "version") == "16"
    assert bicep.property_value(server.body, "activeDirectoryAuth") == "Enabled"
    assert bicep.params("main.bicep")["postgresSkuTier"] == "'Burstable'"
    (admin,) = bicep.of_type("Microsoft.DBforPostgreSQL/flexibleServers/administrators")
    assert bicep.property_value(admin.body, "name") == "entraAdminObjectId"
    (database,) = bicep.of_type("Microsoft.DBforPostgreSQL/flexibleServers/databases")
    assert bicep.property_value(database.body, "name") == "databaseName"


def test_key_vault_authorises_with_rbac_and_keeps_deleted_secrets() -> None:
    (vault,) = bicep.of_type("Microsoft.KeyVault/vaults")
    assert bicep.property_value(vault.body, "enableRbacAuthorization") == "true"
    assert bicep.property_value(vault.body, "enablePurgeProtection") == "true"
    assert "accessPolicies" not in vault.body


def test_alerts_cover_the_queues_the_database_and_the_requests() -> None:
    metrics = {
        bicep.property_value(a.body, "metricName")
        for a in bicep.of_type("Microsoft.Insights/metricAlerts")
        if "metricName" in a.body
    }
    assert {"ActiveMessages", "DeadletteredMessages", "active_connections"} <= metrics
    queries = [
        bicep.property_value(r.body, "query")
        for r in bicep.of_type("Microsoft.Insights/scheduledQueryRules")
    ]
    assert all(q.startswith("AppRequests") for q in queries)
    assert any("percentile(DurationMs, 95)" in q for q in queries)
    assert any('"5"' in q for q in queries) and any('"429"' in q for q in queries)
    for rule in bicep.of_type("Microsoft.Insights/scheduledQueryRules"):
        assert "actionGroup.id" in rule.body, rule


def test_the_failed_login_alert_names_functions_that_exist() -> None:
    names = set(FUNCTIONS)
    (rule,) = [
        r for r in bicep.of_type("Microsoft.Insights/scheduledQueryRules") if "401" in r.body
    ]
    named = set(re.findall(r'\\?"(\w+)\\?"', bicep.property_value(rule.body, "query")))
    assert named - {"401"} <= names
    assert {"auth_login", "auth_token"} <= named


def test_the_availability_test_calls_the_health_route(triggers: list[dict[str, object]]) -> None:
    (test,) = bicep.of_type("Microsoft.Insights/webtests")
    path = bicep.property_value(test.body, "RequestUrl").split("}", 1)[1]
    assert path == "/api/v1/health"
    assert any(t.get("route") == path.lstrip("/") for t in triggers)


def test_the_github_federated_credentials_trust_one_repository_environment() -> None:
    subjects = [
        bicep.property_value(c.body, "subject")
        for c in bicep.of_type(
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
        )
    ]
    assert "repo:${githubRepository}:environment:${githubEnvironment}" in subjects
    assert "repo:${githubRepository}:pull_request" in subjects
    assert bicep.params("main.bicep")["githubEnvironment"] == "'production'"


def test_azd_runs_the_migrations_after_provisioning_the_api_service() -> None:
    import yaml

    azure = yaml.safe_load((REPO / "azure.yaml").read_text())
    assert azure["services"]["api"] == {"project": ".", "language": "python", "host": "function"}
    hook = azure["hooks"]["postprovision"]["posix"]
    script = REPO / hook["run"]
    assert script.is_file() and os.access(script, os.X_OK)
    assert "shared.cli.main migrate" in script.read_text()


def test_the_scripts_read_only_outputs_main_bicep_declares() -> None:
    outputs = set(re.findall(r"^output (\w+) ", bicep.read("main.bicep"), flags=re.MULTILINE))
    used = set()
    for script in (REPO / "infra" / "scripts").glob("*.sh"):
        used |= set(re.findall(r"\$\{?(AZURE_[A-Z_]+)", script.read_text()))
    assert used and used <= outputs
    workflows = (REPO / ".github" / "workflows" / "deploy.yml").read_text()
    for name in set(
        re.findall(r"vars\.(AZURE_(?!CLIENT_ID|TENANT_ID|SUBSCRIPTION_ID)\w+)", workflows)
    ):
        assert name in outputs, name


def test_azd_parameters_give_every_parameter_main_bicep_requires() -> None:
    given = json.loads((REPO / "infra" / "main.parameters.json").read_text())["parameters"]
    required = {name for name, default in bicep.params("main.bicep").items() if default is None}
    assert required <= set(given)
    assert set(given) <= set(bicep.params("main.bicep"))


def test_the_package_azd_deploys_leaves_out_azd_environments_and_tools() -> None:
    ignored = set((REPO / ".funcignore").read_text().split())
    assert {".azure", ".venv", ".venv-infra", "infra", "tests", ".github"} <= ignored


def test_blobs_and_the_database_can_be_brought_back_to_a_point_in_time() -> None:
    """What the operations runbooks rely on: Blob versioning, soft delete and container
    point-in-time restore on the data account, and PostgreSQL's own backups."""
    (blobs,) = [
        r
        for r in bicep.of_type("Microsoft.Storage/storageAccounts/blobServices")
        if r.symbol == "dataBlobs"
    ]
    assert bicep.property_value(blobs.body, "isVersioningEnabled") == "true"
    restore = blobs.body.split("restorePolicy:", 1)[1]
    assert bicep.property_value(restore, "enabled") == "true"
    main = bicep.read("main.bicep")
    soft_delete = int(re.search(r"softDeleteDays: (\d+)", main).group(1))  # type: ignore[union-attr]
    restore_days = int(re.search(r"pointInTimeRestoreDays: (\d+)", main).group(1))  # type: ignore[union-attr]
    assert 0 < restore_days < soft_delete  # Azure requires it
    assert "backupsContainerName: 'backups'" in main
    (server,) = bicep.of_type("Microsoft.DBforPostgreSQL/flexibleServers")
    assert bicep.property_value(server.body, "backupRetentionDays") == "backupRetentionDays"
    assert 7 <= int(bicep.params("main.bicep")["postgresBackupRetentionDays"] or 0) <= 35
    assert "geoRedundantBackup" in server.body


@pytest.mark.parametrize(
    "name",
    [
        "CERTIFICATES_CONTAINER_NAME",
        "CERTIFICATE_SIGNING_KEY",
        "FILES_CONTAINER_NAME",
        "PUBLIC_API_URL",
        "WEBHOOK_SECRET_KEY",
    ],
)
def test_the_settings_production_refuses_to_start_without_are_app_settings(name: str) -> None:
    assert name in bicep.app_settings()


@pytest.mark.parametrize("name", ["CERTIFICATE_SIGNING_KEY", "WEBHOOK_SECRET_KEY"])
def test_the_keys_come_from_key_vault(name: str) -> None:
    assert str(bicep.app_settings()[name]).startswith("@Microsoft.KeyVault(")


def test_pgbouncer_carries_the_statements_the_app_keeps_prepared() -> None:
    from shared.config import Settings

    configurations = {
        bicep.property_value(resource.body, "name"): resource.body
        for resource in bicep.of_type("Microsoft.DBforPostgreSQL/flexibleServers/configurations")
    }
    tracked = bicep.property_value(configurations["pgbouncer.max_prepared_statements"], "value")
    assert int(tracked) >= Settings.model_fields["DB_STATEMENT_CACHE_SIZE"].default
