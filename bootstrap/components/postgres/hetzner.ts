import type { KubeObject } from '../../kube/client.js'
import { HETZNER_PROVIDER_CONFIG } from '../crossplane-config.js'
import { renderComposition, sizeDict, type SizeTable } from './composition.js'

/** Hetzner Cloud server types (shared x86: 2, 4, 8 vCPU; 40, 80, 160 GB disk). */
const HETZNER_SERVER_TYPES: SizeTable = { small: 'cx23', medium: 'cx33', large: 'cx43' }

/**
 * The Terraform module each Workspace applies: a firewall that opens 5432 to the allowed IPs
 * only (no SSH), and an Ubuntu server whose cloud-init installs PostgreSQL from the PGDG apt
 * repository, listens with TLS (the Debian snakeoil certificate) and creates the app's role and
 * database. The password arrives as TF_VAR_password from the connection Secret; it ends up in the
 * server's user data and in the Terraform state Secret, both readable only with the Hetzner token
 * or cluster access. The hcloud provider and the state backend come from the ClusterProviderConfig.
 * Checked in hetznercloud/terraform-provider-hcloud@v1.68.0 docs/resources/{server,firewall}.md.
 */
const MODULE = `variable "name" { type = string }
variable "location" { type = string }
variable "server_type" { type = string }
variable "postgres_version" { type = string }
variable "database" { type = string }
variable "allowed_ips" { type = list(string) }
variable "password" {
  type      = string
  sensitive = true
}

resource "hcloud_firewall" "postgres" {
  name = var.name
  rule {
    direction  = "in"
    protocol   = "tcp"
    port       = "5432"
    source_ips = [for ip in var.allowed_ips : "\${ip}/32"]
  }
}

resource "hcloud_server" "postgres" {
  name         = var.name
  image        = "ubuntu-24.04"
  server_type  = var.server_type
  location     = var.location
  firewall_ids = [hcloud_firewall.postgres.id]
  user_data    = <<-EOT
    #cloud-config
    write_files:
      - path: /root/kindling-postgres.sh
        permissions: "0700"
        content: |
          set -eu
          export DEBIAN_FRONTEND=noninteractive
          apt-get update
          apt-get install -y ssl-cert postgresql-common
          /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y
          apt-get install -y postgresql-\${var.postgres_version}
          conf=/etc/postgresql/\${var.postgres_version}/main
          printf "listen_addresses = '*'\\nssl = on\\n" > $conf/conf.d/kindling.conf
          echo "hostssl \${var.database} \${var.database} 0.0.0.0/0 scram-sha-256" >> $conf/pg_hba.conf
          systemctl restart postgresql
          runuser -u postgres -- psql -v ON_ERROR_STOP=1 -c "CREATE ROLE \${var.database} LOGIN PASSWORD '\${var.password}'"
          runuser -u postgres -- createdb -O \${var.database} \${var.database}
    runcmd:
      - [bash, /root/kindling-postgres.sh]
  EOT
}

output "ipv4" {
  value = hcloud_server.postgres.ipv4_address
}`

/**
 * Hetzner has no managed PostgreSQL and no maintained Crossplane provider (miaits/provider-hetzner
 * has no tags or published package), so a namespaced provider-terraform Workspace
 * (`tf.m.upbound.io/v1beta1`) applies MODULE. Its non-sensitive outputs land in
 * `status.atProvider.outputs`, where the template reads the server's IPv4 address. The XR is
 * Ready when Terraform has created the server; cloud-init needs a few more minutes to install
 * PostgreSQL. Checked in crossplane-contrib/provider-terraform@v1.1.1
 * apis/namespaced/v1beta1/workspace_types.go and internal/controller/namespaced/workspace
 * (env secretKeyRef is read from the Workspace's namespace).
 */
const RESOURCES = `{{- $host := dig "status" "atProvider" "outputs" "ipv4" "" (getComposedResource . "workspace") }}
{{- $sslmode := "require" }}
---
apiVersion: tf.m.upbound.io/v1beta1
kind: Workspace
metadata:
  annotations:
    {{ setResourceNameAnnotation "workspace" }}
spec:
  providerConfigRef:
    kind: ClusterProviderConfig
    name: ${HETZNER_PROVIDER_CONFIG}
  forProvider:
    source: Inline
    module: |
${indent(MODULE, 6)}
    varmap:
      name: {{ printf "%s-%s" $xr.metadata.namespace $name | trunc 63 | trimSuffix "-" | quote }}
      location: {{ $spec.region | quote }}
      server_type: {{ get ${sizeDict(HETZNER_SERVER_TYPES)} $spec.size | quote }}
      postgres_version: {{ $spec.version | quote }}
      database: {{ $spec.database | quote }}
      allowed_ips: {{ $spec.allowedIPs | toJson }}
    env:
      - name: TF_VAR_password
        secretKeyRef:
          name: {{ $secretName }}
          key: password`

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n')
}

export function hetznerComposition(): KubeObject {
  return renderComposition('hetzner', RESOURCES)
}
