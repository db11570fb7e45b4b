// Preflight checks of what the spec names: the kube context of an existing cluster, the
// repository the engine reads, and the environment variables that hold component secrets.

import path from 'node:path'
import { errorMessage, ExitCode, exitCodeOf, KindlingError } from '../../engine/errors.js'
import type { StepContext } from '../../engine/step.js'
import { variableInMessage } from '../../spec/quoting.js'
import { isPlaceholderUrl, PLACEHOLDER_URL_MESSAGE } from '../../spec/fields.js'
import { localRepositoryProblem } from '../../spec/local-repository.js'
import { relativeSpec } from '../../spec/load.js'
import { KubeconfigError, KubeconfigMissingError, KubeContextMissingError, KubeCredentialsError } from '../../kube/kubeconfig.js'
import { kubeconfigHolding, listedKubeconfigs } from '../../kube/contexts.js'
import { contextOf } from '../connect.js'
import { pushRefusal } from '../gitops/push-state.js'
import { checkoutHead, readRepoFile, remoteHeadIfAny } from '../gitops/repo.js'
import { ageKeyMismatch } from '../gitops/sops-key.js'
import { SOPS_CONFIG } from '../../render/secrets.js'
import { unsetSecretVariables } from '../gitops/component-secrets.js'
import type { ClusterSpec } from '../../spec/load.js'
import type { AgeKey } from '../../tools/age.js'
import { UnusableFileError } from '../../tools/files.js'
import { checkDeployKey, readKnownHosts, readSpecAgeKey } from '../spec-files.js'
import type { PreflightCheck } from './preflight.js'

/** The spec's named context exists and its API server answers; no other context is ever used. */
export const kubeContextCheck: PreflightCheck = {
  name: 'kube context reachable',
  async run(ctx) {
    const context = contextOf(ctx.spec)
    try {
      const kube = await ctx.kube()
      await kube.serverVersion()
      return undefined
    } catch (error) {
      const { provider } = ctx.spec
      const pointAtFile = `point provider.kubeconfig in ${relativeSpec(ctx.spec)} at the kubeconfig file that holds context "${context}" (a spec that names none reads the first file in $KUBECONFIG, else ~/.kube/config)`
      // A file that is not a kubeconfig, or credentials that could not be had, carry their own fix.
      // The spec's file that is a folder, a pipe or no kubeconfig is bad input (exit 2), not a missing prerequisite.
      if (error instanceof KubeconfigError || error instanceof KubeCredentialsError) {
        const existing = provider.type === 'existing' && error instanceof KubeconfigError
        const elsewhere = existing ? [`or point provider.kubeconfig in ${relativeSpec(ctx.spec)} at another file`] : []
        const fix = error.details.length
          ? [...error.details, ...elsewhere].join(', ')
          : existing
            ? pointAtFile
            : `check \`kind get kubeconfig --name ${ctx.spec.name}\``
        return { problem: errorMessage(error), fix, input: exitCodeOf(error) === ExitCode.badInput }
      }
      const details = error instanceof KindlingError ? error.details : []
      const problem = `${errorMessage(error)}${details.length ? ` (${details.join('; ')})` : ''}`
      if (provider.type === 'existing' && (error instanceof KubeContextMissingError || error instanceof KubeconfigMissingError)) {
        const fix = otherKubeconfigFix(ctx.spec, provider.kubeconfig, context, ctx.env)
        if (fix) return { problem, fix }
      }
      // `kubectl --context` with a context the file does not have fails too: the fix is another name or file.
      if (provider.type === 'existing' && error instanceof KubeContextMissingError) {
        const spec = relativeSpec(ctx.spec)
        const names = error.contexts.map((name) => `"${name}"`).join(', ')
        return {
          problem,
          fix: error.contexts.length
            ? `set provider.context in ${spec} to ${error.contexts.length === 1 ? `${names} (the only context there)` : `one of ${names}`}, or point provider.kubeconfig at the file that holds "${context}"`
            : `point provider.kubeconfig in ${spec} at the file that holds context "${context}"`,
        }
      }
      return {
        problem,
        fix:
          provider.type !== 'existing'
            ? `check \`kind get clusters\``
            : error instanceof KubeconfigMissingError
              ? pointAtFile
              : // The context is there: what is wrong is the cluster's answer (down, not reachable from here, credentials refused).
                `check \`kubectl --kubeconfig ${provider.kubeconfig} --context ${context} get nodes\`: the cluster must be up, reachable from this machine, and accept the context's credentials`,
      }
    }
  },
}

/**
 * kubectl merges every file in $KUBECONFIG (skipping those not there); kindling reads one. When the
 * spec's file lacks the context (or is not there) and another file $KUBECONFIG lists has it, that
 * file is the fix: `kubectl --context` works there, so a bare "no context" would read as a kindling bug.
 */
function otherKubeconfigFix(spec: ClusterSpec, file: string, context: string, env: NodeJS.ProcessEnv): string | undefined {
  const other = kubeconfigHolding(context, listedKubeconfigs(env), file)
  if (!other) return undefined
  return `context "${context}" is in ${other}, which $KUBECONFIG lists (kubectl merges those files; kindling reads only ${file}): set provider.kubeconfig in ${relativeSpec(spec)} to ${other}`
}

/** The engine can read the spec's branch of the spec's repository, with the spec's credentials. */
export const repositoryCheck: PreflightCheck = {
  name: 'repository readable',
  async run(ctx) {
    const { url, branch } = ctx.spec.repository
    if (ctx.spec.repository.inCluster) return checkoutCheck(ctx)
    if (isPlaceholderUrl(url)) {
      return {
        problem: `repository.url ${PLACEHOLDER_URL_MESSAGE}, ${url}`,
        fix: `set repository.url in ${path.relative(process.cwd(), ctx.spec.file) || ctx.spec.file} to your own fork of this repository (it must hold clusters/${ctx.spec.name}/ on branch ${branch})`,
      }
    }
    // The same rule as the wizard's: a folder that is not there is named as such, not as a host that refused.
    const local = localRepositoryProblem(url)
    if (local)
      return {
        problem: `repository.url ${url} ${local.problem}`,
        fix: `${local.fix}, or set repository.url in ${relativeSpec(ctx.spec)} to another repository`,
      }
    try {
      // A branch not there yet is fine: bootstrap's push creates it, if the user may push there.
      await remoteHeadIfAny(ctx)
      return await pushRefusal(ctx)
    } catch (error) {
      // A key file git cannot be given is named by its own check (deploy key usable, known_hosts usable).
      if (error instanceof UnusableFileError) return undefined
      const fix = error instanceof KindlingError ? error.details[0] : undefined
      return { problem: errorMessage(error), fix: fix ?? 'check repository.url, branch and auth in the spec' }
    }
  },
}

/** Without a remote, this checkout is what bootstrap pushes to the in-cluster Git server: it needs a commit. */
async function checkoutCheck(ctx: StepContext): Promise<{ problem: string; fix: string } | undefined> {
  if (await checkoutHead(ctx)) return undefined
  return {
    problem: `${ctx.spec.repoRoot} is not a Git checkout with a commit, and the spec names no remote (repository.url)`,
    fix: `commit it first (git -C ${ctx.spec.repoRoot} init; git add -A; git commit -m init): bootstrap pushes this checkout's commits to the in-cluster Git server`,
  }
}

/** Variables the spec names for component Secrets (Grafana's admin password): set before the cluster is made. */
export const secretVariablesCheck: PreflightCheck = {
  name: 'environment variables the spec names',
  async run(ctx) {
    const unset = unsetSecretVariables(ctx.spec, ctx.env)
    if (!unset.length) return undefined
    return {
      problem: unset.map(({ name, holds, field }) => `${variableInMessage(name, field ?? 'cluster.yaml')} is not set (it holds ${holds})`).join('; '),
      fix: `set ${unset.length === 1 ? 'it' : 'them'} in this shell, or remove the variable's name from ${relativeSpec(ctx.spec)} to have a password generated`,
    }
  },
}

/**
 * The key files the spec names, read as the steps that need them will read them: an age key that
 * is a folder, a pipe or no age key is found before the cluster is created, not at step 9.
 */
export function specFileChecks(spec: ClusterSpec): PreflightCheck[] {
  const checks: PreflightCheck[] = []
  if (spec.secrets.sops.enabled)
    checks.push(
      fileCheck('age key usable', () => readSpecAgeKey(spec)),
      ageKeyCheck,
    )
  const auth = spec.repository.auth
  if (auth.type === 'ssh') {
    checks.push(fileCheck('deploy key usable', () => checkDeployKey(spec)))
    const knownHostsFile = auth.knownHostsFile
    if (knownHostsFile) checks.push(fileCheck('known_hosts usable', () => readKnownHosts(spec, knownHostsFile)))
  }
  return checks
}

function fileCheck(name: string, read: () => Promise<unknown>): PreflightCheck {
  return {
    name,
    async run() {
      try {
        await read()
        return undefined
      } catch (error) {
        if (!(error instanceof UnusableFileError)) throw error
        return { problem: error.message, fix: error.details.join('; '), input: true }
      }
    },
  }
}

/**
 * The age key Git's secrets are encrypted for is the spec's key file: on new hardware a key not put
 * back is found now, before the cluster is made, not by the sops-key step after it.
 */
export const ageKeyCheck: PreflightCheck = {
  name: 'age key of .sops.yaml present',
  async run(ctx) {
    let key: AgeKey | undefined
    let sopsConfig: string | undefined
    try {
      key = await readSpecAgeKey(ctx.spec)
    } catch (error) {
      // A key file that cannot be used is named by "age key usable".
      if (error instanceof UnusableFileError) return undefined
      throw error
    }
    try {
      sopsConfig = await readRepoFile(ctx.spec, SOPS_CONFIG)
    } catch (error) {
      if (!(error instanceof UnusableFileError)) throw error
      return { problem: error.message, fix: error.details.join('; '), input: true }
    }
    const mismatch = ageKeyMismatch(ctx.spec, key, sopsConfig)
    return mismatch && { problem: mismatch.problem, fix: mismatch.fixes.join('; ') }
  },
}
