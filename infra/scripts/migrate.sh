#!/bin/sh
# Applies the migrations to the Azure database from this machine: azd's postprovision hook
# and the deploy workflow both run it. It opens the server's firewall to this machine's
# address for the run only, reads DATABASE_URL from Key Vault (never printed), and runs
# `lms migrate`, which holds a PostgreSQL advisory lock so two runs never overlap.
#
# Needs: az (signed in), AZURE_RESOURCE_GROUP, AZURE_POSTGRES_SERVER_NAME,
# AZURE_KEY_VAULT_NAME (azd sets them from main.bicep's outputs), and a Python with
# requirements.txt installed (LMS_PYTHON, default .venv/bin/python, else python3).
# The address to open the firewall to is asked of api.ipify.org unless LMS_MIGRATE_FROM_IP
# gives it (behind a proxy or NAT that the service would not see).
set -eu

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP (azd env get-values)}"
: "${AZURE_POSTGRES_SERVER_NAME:?set AZURE_POSTGRES_SERVER_NAME (azd env get-values)}"
: "${AZURE_KEY_VAULT_NAME:?set AZURE_KEY_VAULT_NAME (azd env get-values)}"

if [ -n "${LMS_PYTHON:-}" ]; then
  python=$LMS_PYTHON
elif [ -x .venv/bin/python ]; then
  python=.venv/bin/python
else
  python=python3
fi

address=${LMS_MIGRATE_FROM_IP:-$(curl -fsS --max-time 10 https://api.ipify.org)}
rule="migrate-$(date +%Y%m%d%H%M%S)-$$"

close_firewall() {
  az postgres flexible-server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "$AZURE_POSTGRES_SERVER_NAME" --rule-name "$rule" --yes --output none || \
    echo "migrate.sh: could not remove firewall rule $rule; remove it by hand" >&2
}

echo "Opening PostgreSQL to $address for the migration (rule $rule) ..."
az postgres flexible-server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "$AZURE_POSTGRES_SERVER_NAME" --rule-name "$rule" \
  --start-ip-address "$address" --end-ip-address "$address" --output none
trap close_firewall EXIT

url=$(az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name database-url \
  --query value --output tsv)
# Through PgBouncer (6432, transaction pooling) a session's advisory lock and DDL are not
# safe: migrations always go to the server itself.
DATABASE_URL=$(printf '%s' "$url" | sed 's/:6432\//:5432\//')
export DATABASE_URL
"$python" -m shared.cli.main migrate
