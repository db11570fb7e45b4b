import type { KubeObject } from '../../kube/client.js'
import { renderComposition, sizeDict, type SizeTable } from './composition.js'

/** Flexible Server SKUs (tier + name), as the provider's field documentation names them. */
const AZURE_SKUS: SizeTable = { small: 'B_Standard_B1ms', medium: 'GP_Standard_D2s_v3', large: 'GP_Standard_D4s_v3' }

/**
 * A resource group per instance (deleting the XR deletes everything in it), a Flexible Server whose
 * admin password comes from the connection Secret, the database, and firewall rules: one per
 * allowed IP, or Azure's 0.0.0.0 rule ("Azure services") when there are none. All namespaced
 * `.m.` kinds: ResourceGroup (`azure.m.upbound.io/v1beta1`, served by provider-family-azure) and
 * `dbforpostgresql.azure.m.upbound.io/v1beta1`. Database names are external names. Flexible
 * Server takes the bare login as user name (the provider's own `username` connection key,
 * `<login>@<server>`, is the Single Server form), and it requires TLS.
 * Checked in crossplane-contrib/provider-upjet-azure@v2.7.0 apis/namespaced/{azure,dbforpostgresql}/v1beta1,
 * config/externalname.go, config/namespaced/postgresql/config.go,
 * examples/dbforpostgresql/namespaced/v1beta1/flexibleserver-all-in-one.yaml; allowed storageMb
 * values and SKU names in the v2.6.0 CRD descriptions.
 */
const RESOURCES = `{{- $host := dig "status" "atProvider" "fqdn" "" (getComposedResource . "server") }}
{{- $sslmode := "require" }}
{{- /* the smallest storage Azure offers (32, 64, 128, ... GiB) that holds storageGB */}}
{{- $mb := 32768 }}
{{- range $tier := list 65536 131072 262144 524288 1048576 }}{{ if gt (mul (int $spec.storageGB) 1024) (div $tier 2) }}{{ $mb = $tier }}{{ end }}{{ end }}
---
apiVersion: azure.m.upbound.io/v1beta1
kind: ResourceGroup
metadata:
  annotations:
    {{ setResourceNameAnnotation "resource-group" }}
spec:
  forProvider:
    location: {{ $spec.region }}
---
apiVersion: dbforpostgresql.azure.m.upbound.io/v1beta1
kind: FlexibleServer
metadata:
  annotations:
    {{ setResourceNameAnnotation "server" }}
spec:
  forProvider:
    location: {{ $spec.region }}
    resourceGroupNameSelector:
      matchControllerRef: true
    version: {{ $spec.version | quote }}
    skuName: {{ get ${sizeDict(AZURE_SKUS)} $spec.size }}
    storageMb: {{ $mb }}
    administratorLogin: {{ $user }}
    administratorPasswordSecretRef:
      name: {{ $secretName }}
      key: password
    publicNetworkAccessEnabled: true
---
apiVersion: dbforpostgresql.azure.m.upbound.io/v1beta1
kind: FlexibleServerDatabase
metadata:
  annotations:
    {{ setResourceNameAnnotation "database" }}
    crossplane.io/external-name: {{ $spec.database }}
spec:
  forProvider:
    serverIdSelector:
      matchControllerRef: true
    charset: UTF8
    collation: en_US.utf8
{{- range $i, $ip := $spec.allowedIPs }}
---
apiVersion: dbforpostgresql.azure.m.upbound.io/v1beta1
kind: FlexibleServerFirewallRule
metadata:
  annotations:
    {{ setResourceNameAnnotation (printf "firewall-%d" $i) }}
spec:
  forProvider:
    serverIdSelector:
      matchControllerRef: true
    startIpAddress: {{ $ip }}
    endIpAddress: {{ $ip }}
{{- end }}
{{- if not $spec.allowedIPs }}
---
apiVersion: dbforpostgresql.azure.m.upbound.io/v1beta1
kind: FlexibleServerFirewallRule
metadata:
  annotations:
    {{ setResourceNameAnnotation "firewall-azure-services" }}
spec:
  forProvider:
    serverIdSelector:
      matchControllerRef: true
    startIpAddress: 0.0.0.0
    endIpAddress: 0.0.0.0
{{- end }}`

export function azureComposition(): KubeObject {
  return renderComposition('azure', RESOURCES)
}
