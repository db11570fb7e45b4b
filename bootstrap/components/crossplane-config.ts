import type { KubeObject } from '../kube/client.js'
import { exists } from '../kube/conditions.js'
import { HCLOUD_TERRAFORM_PROVIDER_VERSION } from '../spec/defaults.js'
import type { ClusterSpec } from '../spec/load.js'
import type { Component } from './component.js'
import { CROSSPLANE_NAMESPACE } from './crossplane.js'

/** The ClusterProviderConfig the Hetzner Workspaces name; `default` stays free for other Terraform uses. */
export const HETZNER_PROVIDER_CONFIG = 'hetzner'

/** Key of the Hetzner API token in its credentials Secret. */
const HETZNER_TOKEN_KEY = 'token'

/** Key of the Azure and GCP credentials JSON in their Secrets, as upstream's examples name it. */
const CLOUD_CREDENTIALS_KEY = 'creds'

function clusterProviderConfig(apiVersion: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion, kind: 'ClusterProviderConfig', metadata: { name }, spec }
}

function secretRef(name: string, key: string): Record<string, string> {
  return { namespace: CROSSPLANE_NAMESPACE, name, key }
}

/**
 * provider-terraform's config for Hetzner: the token is written to a file beside main.tf
 * (`credentials[].filename`, relative to main.tf), the hcloud provider reads it, and state goes to
 * a Secret in crossplane-system through the `kubernetes` backend (the provider keeps no state of
 * its own). Checked in crossplane-contrib/provider-terraform@v1.1.1
 * examples/namespaced/clusterproviderconfig.yaml and apis/namespaced/v1beta1/types.go;
 * hetznercloud/terraform-provider-hcloud@v1.68.0 docs/index.md.
 */
function hetznerConfiguration(): string {
  return [
    'terraform {',
    '  required_providers {',
    `    hcloud = { source = "hetznercloud/hcloud", version = "${HCLOUD_TERRAFORM_PROVIDER_VERSION}" }`,
    '  }',
    '  backend "kubernetes" {',
    `    secret_suffix     = "${HETZNER_PROVIDER_CONFIG}"`,
    `    namespace         = "${CROSSPLANE_NAMESPACE}"`,
    '    in_cluster_config = true',
    '  }',
    '}',
    'provider "hcloud" {',
    '  token = trimspace(file("${path.module}/hcloud-token"))',
    '}',
    '',
  ].join('\n')
}

/**
 * The ProviderConfigs, separate from the packages because their kinds exist only once the
 * providers are Healthy. provider-kubernetes (`kubernetes.m.crossplane.io/v1alpha1`) and
 * provider-helm (`helm.m.crossplane.io/v1beta1`) act as their own ServiceAccount; namespaced
 * managed resources default to `{kind: ClusterProviderConfig, name: default}`, so compositions
 * need no providerConfigRef. Each enabled cloud reads its credentials from a Secret in
 * crossplane-system that the user commits SOPS-encrypted. Checked in
 * crossplane-contrib/provider-kubernetes@v1.4.1 and provider-helm@v1.3.0 package/crds,
 * provider-upjet-azure@v2.7.0 examples/azure/namespaced/v1beta1/clusterproviderconfig.yaml,
 * provider-upjet-gcp@v3.0.0 examples/providerconfig/namespaced/v1beta1/clusterproviderconfig.yaml.
 */
export const crossplaneConfig: Component = {
  name: 'crossplane-config',
  enabled: (spec: ClusterSpec) => spec.components.crossplane.enabled,
  describe: (spec: ClusterSpec) => {
    const { azure, gcp, hetzner } = spec.components.crossplane.clouds
    const injected = { credentials: { source: 'InjectedIdentity' } }
    const objects = [
      clusterProviderConfig('kubernetes.m.crossplane.io/v1alpha1', 'default', injected),
      clusterProviderConfig('helm.m.crossplane.io/v1beta1', 'default', injected),
      ...(azure.enabled
        ? [
            clusterProviderConfig('azure.m.upbound.io/v1beta1', 'default', {
              credentials: { source: 'Secret', secretRef: secretRef(azure.credentialsSecret, CLOUD_CREDENTIALS_KEY) },
            }),
          ]
        : []),
      ...(gcp.enabled
        ? [
            clusterProviderConfig('gcp.m.upbound.io/v1beta1', 'default', {
              projectID: gcp.projectID,
              credentials: { source: 'Secret', secretRef: secretRef(gcp.credentialsSecret, CLOUD_CREDENTIALS_KEY) },
            }),
          ]
        : []),
      ...(hetzner.enabled
        ? [
            clusterProviderConfig('tf.m.upbound.io/v1beta1', HETZNER_PROVIDER_CONFIG, {
              credentials: [{ filename: 'hcloud-token', source: 'Secret', secretRef: secretRef(hetzner.credentialsSecret, HETZNER_TOKEN_KEY) }],
              configuration: hetznerConfiguration(),
            }),
          ]
        : []),
    ]
    const secrets = [azure, gcp, hetzner].filter((cloud) => cloud.enabled).map((cloud) => cloud.credentialsSecret)
    return {
      name: 'crossplane-config',
      title: 'Crossplane provider configs',
      namespace: CROSSPLANE_NAMESPACE,
      dependsOn: ['crossplane-packages'],
      source: { type: 'manifests', objects },
      // ProviderConfigs have no readiness condition; that they exist is what the next layer needs.
      health: objects.map((object) => ({ ref: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name }, condition: exists })),
      readiness: [],
      ...(secrets.length
        ? { summary: [`Cloud credentials are read from Secrets ${secrets.join(', ')} in ${CROSSPLANE_NAMESPACE} (commit them SOPS-encrypted)`] }
        : {}),
    }
  },
}
