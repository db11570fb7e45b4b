// The wizard's questions about GitOps: the engine, the repository it reads (or none, for the
// in-cluster Git server), its branch, and how it is read.

import { DEFAULTS } from '../spec/defaults.js'
import { isPlaceholderUrl, isSshUrl, PLACEHOLDER_URL_MESSAGE } from '../spec/fields.js'
import { localRepositoryProblem } from '../spec/local-repository.js'
import { repositoryOwner } from '../tools/git-host.js'
import type { Asking } from './wizard-asking.js'
import { checkBranch, checkEnv, checkUrl, isNetworkUrl } from './wizard-checks.js'
import type { WizardAnswers } from './wizard.js'

/** The engine, the repository and branch it reads, and the credentials it reads them with. */
export async function askGitops(asking: Asking): Promise<Pick<WizardAnswers, 'engine' | 'repoUrl' | 'branch' | 'auth' | 'tokenEnv'>> {
  const { ask, p, given, hints } = asking
  const engine = await ask(
    'engine',
    '--engine flux|argocd',
    () =>
      p.select({
        message: 'GitOps engine',
        choices: [
          { value: 'flux', name: 'Flux (Flux Operator, Kustomizations, SOPS built in)' },
          { value: 'argocd', name: 'Argo CD (Applications, web UI)' },
        ],
      }),
    { fallback: 'flux' },
  )
  const remote = isNetworkUrl(hints.remoteUrl) ? hints.remoteUrl : undefined
  const checkRepo = repositoryCheck(given)
  const repoQuestion = `Git repository the engine reads (your own fork; ${remote ? '`none`' : 'empty'}: a Git server inside the cluster, fed from this checkout)`
  const typedRepo = await ask('repoUrl', '--repo URL', () => p.input({ message: repoQuestion, default: remote ?? '', validate: checkRepo }), {
    fallback: remote ?? '',
    check: checkRepo,
  })
  const repoUrl = noRemote(typedRepo) ? '' : typedRepo.trim()
  const branch = await ask('branch', '--branch NAME', () => p.input({ message: 'Branch', default: DEFAULTS.repository.branch, validate: checkBranch }), {
    fallback: DEFAULTS.repository.branch,
    check: checkBranch,
  })
  const { auth, tokenEnv } = await askAccess(asking, repoUrl)
  return { engine, repoUrl, branch, auth, tokenEnv }
}

/** How the engine reads the repository: SSH for an SSH URL, nothing for none or a file:// one, else asked; and the token's variable. */
async function askAccess({ ask, p, given, problems, reached, note }: Asking, repoUrl: string): Promise<Pick<WizardAnswers, 'auth' | 'tokenEnv'>> {
  const { wantedAuth, authFlag } = authWanted(given)
  const sshUrl = isSshUrl(repoUrl)
  if (!repoUrl && given.repoUrl !== undefined && wantedAuth !== undefined && wantedAuth !== 'none')
    problems.push(`${authFlag}: needs --repo URL (without a remote the engine reads the in-cluster Git server, which needs no credentials)`)
  // --token-env without --auth: a token is meant.
  const impliedAuth = given.tokenEnv !== undefined ? 'https' : 'none'
  // A file:// remote is read from disk: there are no credentials to ask for.
  const auth = !repoUrl
    ? (given.auth ?? 'none')
    : sshUrl
      ? 'ssh'
      : repoUrl.startsWith('file://')
        ? 'none'
        : await ask(
            'auth',
            '--auth none|https',
            () =>
              p.select({
                message: 'Repository access',
                choices: [
                  { value: 'none', name: 'public: no credentials' },
                  { value: 'https', name: 'private over HTTPS: a token read from an environment variable' },
                ],
                default: impliedAuth,
              }),
            { fallback: impliedAuth },
          )
  // Only a person who picked public access is left with an unused --token-env: any other way is refused above.
  if (given.tokenEnv !== undefined && given.auth === undefined && reached.has('auth') && auth !== 'https')
    note('--token-env: not used (the repository is read without credentials)')
  const tokenEnv =
    auth === 'https'
      ? await ask(
          'tokenEnv',
          '--token-env NAME',
          () => p.input({ message: 'Name of the environment variable holding the token (not the token)', default: tokenEnvFor(repoUrl), validate: checkEnv }),
          { fallback: tokenEnvFor(repoUrl), check: checkEnv },
        )
      : ''
  return { auth, tokenEnv }
}

/** Empty (or `none`, when a default fills the line) means no remote yet: bootstrap runs a Git server in the cluster and pushes this checkout to it. */
const noRemote = (value: string): boolean => value.trim() === '' || value.trim() === 'none'

/** The access the flags ask for (--token-env alone implies --auth https), and the flag to name for it. */
function authWanted(given: Partial<WizardAnswers>): { wantedAuth: WizardAnswers['auth'] | undefined; authFlag: string } {
  return {
    wantedAuth: given.auth ?? (given.tokenEnv !== undefined ? 'https' : undefined),
    authFlag: given.auth !== undefined ? `--auth ${given.auth}` : '--token-env (implies --auth https)',
  }
}

/** The check of a typed or default repository URL: the spec's rule, then whether it suits the access the flags ask for. */
function repositoryCheck(given: Partial<WizardAnswers>): (value: string) => true | string {
  const { wantedAuth, authFlag } = authWanted(given)
  return (value) => {
    const url = value.trim()
    const verdict = noRemote(value) ? true : checkUrl(url)
    // Refused now, not at bootstrap's preflight: the same rule, with the same words.
    if (verdict === true && !noRemote(value) && isPlaceholderUrl(url)) return `${PLACEHOLDER_URL_MESSAGE}: give the URL of your own fork of this repository`
    const local = verdict === true && !noRemote(value) ? localRepositoryProblem(url) : undefined
    if (local) return `${local.problem}: ${local.fix}, or give another URL`
    // A typed or default URL must suit --auth (flag against flag is a conflict, reported already).
    if (verdict !== true || wantedAuth === undefined || given.repoUrl !== undefined) return verdict
    if (noRemote(value))
      return wantedAuth === 'none'
        ? true
        : `${authFlag} needs a repository URL (without one the engine reads the in-cluster Git server, which needs no credentials)`
    if (wantedAuth === 'ssh' && !isSshUrl(url)) return '--auth ssh needs an ssh:// or git@host:path URL'
    if (wantedAuth !== 'ssh' && isSshUrl(url)) return `${authFlag} needs an https:// URL (ssh:// and git@ URLs are read with a deploy key)`
    return wantedAuth === 'https' && !url.startsWith('https://') ? `${authFlag} needs an https:// URL` : true
  }
}

/** The variable a token for the repository's host is usually kept in: GITHUB_TOKEN only for GitHub. */
function tokenEnvFor(url: string): string {
  // Off a terminal the URL may be missing or refused already: that is reported on its own.
  const host = checkUrl(url) === true ? (repositoryOwner(url)?.host ?? '') : ''
  if (host === 'github.com') return 'GITHUB_TOKEN'
  return host === 'gitlab.com' || host.startsWith('gitlab.') ? 'GITLAB_TOKEN' : 'GIT_TOKEN'
}
