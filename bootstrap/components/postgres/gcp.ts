import type { KubeObject } from '../../kube/client.js'
import { renderComposition, sizeDict, type SizeTable } from './composition.js'

/** Cloud SQL tiers: shared core for small, custom machines (vCPUs, MiB) above it. */
const GCP_TIERS: SizeTable = { small: 'db-f1-micro', medium: 'db-custom-2-7680', large: 'db-custom-4-15360' }

/**
 * A Cloud SQL instance with a public IP that only `allowedIPs` may reach and only over TLS, the
 * database, and a built-in user whose password comes from the connection Secret. All namespaced
 * (`sql.gcp.m.upbound.io/v1beta1`). Notes on the fields:
 * - `edition: ENTERPRISE`: PostgreSQL 16+ defaults to Enterprise Plus, which rejects shared-core
 *   and custom tiers.
 * - `deletionProtection: false` lets Crossplane delete the instance, as upstream's example does.
 * - `diskAutoresize: false` keeps storageGB authoritative; a grown disk could not be shrunk back.
 * - Database and User are abandoned on delete (Postgres refuses to drop a user that owns
 *   objects); deleting the instance removes them anyway. Their names are external names.
 * Checked in crossplane-contrib/provider-upjet-gcp@v3.0.0
 * apis/namespaced/sql/v1beta1/zz_{databaseinstance,database,user}_types.go, config/externalname.go,
 * examples/sql/namespaced/v1beta1/{instance,user}.yaml.
 */
const RESOURCES = `{{- $host := dig "status" "atProvider" "publicIpAddress" "" (getComposedResource . "instance") }}
{{- $sslmode := "require" }}
---
apiVersion: sql.gcp.m.upbound.io/v1beta1
kind: DatabaseInstance
metadata:
  annotations:
    {{ setResourceNameAnnotation "instance" }}
spec:
  forProvider:
    databaseVersion: POSTGRES_{{ $spec.version }}
    region: {{ $spec.region }}
    deletionProtection: false
    settings:
      tier: {{ get ${sizeDict(GCP_TIERS)} $spec.size }}
      edition: ENTERPRISE
      diskSize: {{ int $spec.storageGB }}
      diskAutoresize: false
      ipConfiguration:
        ipv4Enabled: true
        sslMode: ENCRYPTED_ONLY
        {{- if $spec.allowedIPs }}
        authorizedNetworks:
          {{- range $i, $ip := $spec.allowedIPs }}
          - name: allowed-{{ $i }}
            value: {{ $ip }}/32
          {{- end }}
        {{- end }}
---
apiVersion: sql.gcp.m.upbound.io/v1beta1
kind: Database
metadata:
  annotations:
    {{ setResourceNameAnnotation "database" }}
    crossplane.io/external-name: {{ $spec.database }}
spec:
  forProvider:
    instanceSelector:
      matchControllerRef: true
    deletionPolicy: ABANDON
---
apiVersion: sql.gcp.m.upbound.io/v1beta1
kind: User
metadata:
  annotations:
    {{ setResourceNameAnnotation "user" }}
    crossplane.io/external-name: {{ $user }}
spec:
  forProvider:
    instanceSelector:
      matchControllerRef: true
    passwordSecretRef:
      name: {{ $secretName }}
      key: password
    deletionPolicy: ABANDON`

export function gcpComposition(): KubeObject {
  return renderComposition('gcp', RESOURCES)
}
