import type { KubeObject } from '../../kube/client.js'
import { FUNCTIONS } from '../crossplane-packages.js'
import { compositionName, GROUP, KIND, TARGET_LABEL, VERSION, type Target } from './xrd.js'

/** Sizes as each target names them. */
export type SizeTable = Record<'small' | 'medium' | 'large', string>

/** `(dict "small" "a" "medium" "b" "large" "c")`: a size table as a Go template expression. */
export function sizeDict(table: SizeTable): string {
  return `(dict ${Object.entries(table)
    .map(([size, value]) => `"${size}" "${value}"`)
    .join(' ')})`
}

/**
 * The start of every target's template: the XR, the connection Secret's name, and the password.
 * The password is generated once and then read back from the observed connection Secret, so it
 * never changes under a running database (function-go-templating passes observed composed
 * resources, Secrets included, to the template; `getComposedResource` and Sprig's
 * `randAlphaNum` are in crossplane-contrib/function-go-templating@v0.12.2 function_maps.go).
 */
const PRELUDE = `{{- $xr := .observed.composite.resource }}
{{- $spec := $xr.spec }}
{{- $name := $xr.metadata.name }}
{{- $secretName := dig "writeConnectionSecretToRef" "name" (printf "%s-connection" $name) $spec }}
{{- $password := dig "data" "password" "" (getComposedResource . "connection") | b64dec }}
{{- if not $password }}{{ $password = randAlphaNum 32 }}{{ end }}
{{- $user := $spec.database }}`

/**
 * The end of every template: the connection Secret an app mounts, and the XR's status. Templates
 * set `$host` and `$sslmode` first. A v2 XR has no connection Secret of its own, so the
 * Composition composes one (crossplane/docs v2.3 guides/connection-details-composition.md).
 */
const CONNECTION = `---
apiVersion: v1
kind: Secret
metadata:
  name: {{ $secretName }}
  annotations:
    {{ setResourceNameAnnotation "connection" }}
type: Opaque
data:
  host: {{ $host | b64enc | quote }}
  port: {{ "5432" | b64enc | quote }}
  username: {{ $user | b64enc | quote }}
  password: {{ $password | b64enc | quote }}
  database: {{ $spec.database | b64enc | quote }}
  sslmode: {{ $sslmode | b64enc | quote }}
  uri: {{ printf "postgresql://%s:%s@%s:5432/%s?sslmode=%s" $user $password $host $spec.database $sslmode | b64enc | quote }}
---
apiVersion: ${GROUP}/${VERSION}
kind: ${KIND}
status:
  host: {{ $host | quote }}
  connectionSecret: {{ $secretName }}`

/**
 * One target's Composition (`apiextensions.crossplane.io/v1`, mode Pipeline): function-go-templating
 * renders PRELUDE + the target's resources + CONNECTION, then function-auto-ready marks composed
 * resources ready (Kubernetes kinds by their own checks, managed resources by Ready=True), so the
 * XR is Ready once the database is. Checked in crossplane-contrib/function-go-templating@v0.12.2
 * README.md and function-auto-ready@v0.7.0 README.md.
 */
export function renderComposition(target: Target, resources: string): KubeObject {
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: compositionName(target), labels: { [TARGET_LABEL]: target } },
    spec: {
      compositeTypeRef: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND },
      mode: 'Pipeline',
      pipeline: [
        {
          step: 'render',
          functionRef: { name: FUNCTIONS.goTemplating },
          input: {
            apiVersion: 'gotemplating.fn.crossplane.io/v1beta1',
            kind: 'GoTemplate',
            source: 'Inline',
            inline: { template: `${PRELUDE}\n${resources.trim()}\n${CONNECTION}\n` },
          },
        },
        { step: 'ready', functionRef: { name: FUNCTIONS.autoReady } },
      ],
    },
  }
}
