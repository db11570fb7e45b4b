// The wizard's questions about what runs in the cluster: Crossplane and the clouds it may create
// databases in, monitoring, the example app, and SOPS.

import type { Asking } from './wizard-asking.js'
import { checkProject } from './wizard-checks.js'
import type { Cloud, WizardAnswers } from './wizard.js'

type Components = Pick<WizardAnswers, 'crossplane' | 'clouds' | 'gcpProject' | 'monitoring' | 'apps' | 'sops'>

/** The components to install; `name` is the cluster's, whose folder holds the example app. */
export async function askComponents({ ask, p, given, note }: Asking, name: string): Promise<Components> {
  const crossplane = await ask(
    'crossplane',
    '--[no-]crossplane',
    () => p.confirm({ message: 'Install Crossplane (and the PostgresInstance API)?', default: true }),
    { fallback: true },
  )
  // Alone, --gcp-project means the gcp cloud, as --token-env means --auth https.
  const impliedClouds: Cloud[] = given.gcpProject !== undefined ? ['gcp'] : []
  const clouds = crossplane
    ? await ask(
        'clouds',
        '--clouds azure,gcp,hetzner',
        () =>
          p.checkbox({
            message: 'Clouds Crossplane may create databases in (each adds its provider; none is fine)',
            choices: [
              { value: 'azure', name: 'Azure (Flexible Server)' },
              { value: 'gcp', name: 'Google Cloud (Cloud SQL)', checked: impliedClouds.includes('gcp') },
              { value: 'hetzner', name: 'Hetzner (a server with Postgres)' },
            ],
          }),
        { fallback: impliedClouds },
      )
    : []
  // Against --no-crossplane or a --clouds without gcp these are conflicts, reported already.
  if (given.clouds?.length && !crossplane && given.crossplane !== false) note('--clouds: not used without Crossplane')
  if (given.gcpProject !== undefined && !clouds.includes('gcp') && given.clouds === undefined && given.crossplane !== false)
    note(`--gcp-project: not used without ${crossplane ? 'the gcp cloud' : 'Crossplane'}`)
  const gcpProject = clouds.includes('gcp')
    ? await ask(
        'gcpProject',
        '--gcp-project ID',
        () => p.input({ message: 'Google Cloud project the databases go in (`gcloud config get-value project`)', validate: checkProject }),
        { check: checkProject },
      )
    : ''
  const monitoring = await ask(
    'monitoring',
    '--[no-]monitoring',
    () => p.confirm({ message: 'Install Prometheus and Grafana (kube-prometheus-stack)?', default: true }),
    { fallback: true },
  )
  const apps = await ask('apps', '--[no-]apps', () => p.confirm({ message: `Deploy the example app (podinfo) from clusters/${name}/apps/?`, default: true }), {
    fallback: true,
  })
  const sops = await ask('sops', '--[no-]sops', () => p.confirm({ message: 'Encrypt secrets in Git with SOPS and an age key?', default: true }), {
    fallback: true,
  })
  return { crossplane, clouds, gcpProject, monitoring, apps, sops }
}
