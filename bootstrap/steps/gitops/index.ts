import type { Step } from '../../engine/step.js'
import type { ClusterSpec } from '../../spec/load.js'
import type { StepOptions } from '../index.js'
import { componentSecretsStep } from './component-secrets.js'
import { componentsStep } from './components.js'
import { engineStep } from './engine.js'
import { gitServerStep } from './git-server.js'
import { healthGateStep } from './health-gate.js'
import { hooksStep } from './hooks.js'
import { pushStep } from './push.js'
import { repoCredentialsStep } from './repo-credentials.js'
import { rootSyncStep } from './root-sync.js'
import { sopsKeyStep } from './sops-key.js'
import { gitopsStatusStep } from './status.js'

/** Bootstrap steps that install the GitOps engine and hand the cluster to it. */
export function gitopsSteps(spec: ClusterSpec, options: StepOptions): Step[] {
  return [
    ...(spec.repository.inCluster ? [gitServerStep(spec)] : []),
    engineStep(spec),
    componentsStep(spec),
    componentSecretsStep(spec),
    repoCredentialsStep(spec),
    ...(spec.secrets.sops.enabled ? [sopsKeyStep(spec)] : []),
    rootSyncStep(spec),
    pushStep(spec, options),
    healthGateStep(spec, options.healthTimeoutMs),
    hooksStep(spec),
  ]
}

/** Read-only steps for `status`: engine, revision, drift. */
export function gitopsStatusSteps(spec: ClusterSpec, _options: StepOptions): Step[] {
  return [gitopsStatusStep(spec)]
}
