import path from 'node:path'
import { EXAMPLE_HINTS, withExampleHints } from './example.js'
import { BadInputError } from '../engine/errors.js'
import { valueProblems, withinLimits } from './limits.js'
import { withoutSafeIntegerBound } from './messages.js'
import { isInside, notUtf8Line, plainFileProblem, readPlainFile, UnusableFileError } from '../tools/files.js'
import { defaultAgeKeyFile, defaultKubeconfig, defaultRepoPath, IN_CLUSTER_GIT_URL } from './defaults.js'
import { clusterSpecSchema, type ClusterSpecDocument } from './schema.js'
import { kindlingCommand } from '../project.js'
import { homeFolder } from '../state.js'
import { DNS_LABEL } from './dns-label.js'
import { isFlagged, specError, toProblems, unflaggedIssues, type Flagged, type SpecProblem } from './problems.js'
import { readSpecYaml } from './read-yaml.js'
import { dotted, keyOffset, nodeOffset } from './yaml-positions.js'
import { CLUSTER_FOLDER } from './cluster-folder.js'

type SpecBody = ClusterSpecDocument['spec']

/** A validated spec with every default and derived value filled in. */
type SpecProvider = SpecBody['provider']

export interface ClusterSpec extends Omit<SpecBody, 'provider' | 'repository' | 'secrets'> {
  name: string
  /** The cluster.yaml this came from. */
  file: string
  /** Root of the Git repository that holds `clusters/`. */
  repoRoot: string
  /** An existing cluster's kubeconfig is always a file here: the spec's, else the one kubectl reads. */
  provider: Exclude<SpecProvider, { type: 'existing' }> | (Extract<SpecProvider, { type: 'existing' }> & { kubeconfig: string })
  /**
   * `url` is what the engine reads: the spec's remote, or the in-cluster Git server's URL when the
   * spec names none (`inCluster`), which bootstrap then runs and pushes this checkout to.
   */
  repository: Omit<SpecBody['repository'], 'url'> & { url: string; path: string; inCluster: boolean }
  secrets: { sops: { enabled: boolean; ageKeyFile: string } }
}

/** The GitOps engines kindling installs. */
export type EngineName = ClusterSpec['gitops']['engine']

/** The spec file of a named cluster in a repository checkout. */
export function specFileOf(repoRoot: string, cluster: string): string {
  return path.join(repoRoot, 'clusters', cluster, CLUSTER_FOLDER.spec)
}

/** The spec file as the user finds it in the repository: clusters/<name>/cluster.yaml. */
export function relativeSpec(spec: Pick<ClusterSpec, 'repoRoot' | 'file'>): string {
  return path.relative(spec.repoRoot, spec.file) || spec.file
}

/** A spec is a few KiB; anything near this is a mistake (a log or an image saved under the name). */
const MAX_SPEC_BYTES = 4 * 1024 * 1024

/** Read and validate `clusters/<cluster>/cluster.yaml`; every problem is reported at once. */
export async function loadClusterSpec(repoRoot: string, cluster: string): Promise<ClusterSpec> {
  try {
    return readClusterSpec(repoRoot, cluster)
  } catch (error) {
    throw withExampleHints(error, repoRoot)
  }
}

function readClusterSpec(repoRoot: string, cluster: string): ClusterSpec {
  const file = specFileOf(repoRoot, cluster)
  const shown = path.relative(process.cwd(), file) || file
  // Asked before reading: a pipe or a device under the name would never finish.
  const unreadable = plainFileProblem(file, MAX_SPEC_BYTES)
  // Only a missing file is "no spec"; anything else names what is wrong with the one that is there.
  if (unreadable?.code === 'ENOENT') {
    // The wizard's command names the cluster, so its first question is already answered.
    const wizard = kindlingCommand(DNS_LABEL.test(cluster) ? `wizard -c ${cluster}` : 'wizard')
    throw new BadInputError(`no spec for cluster "${cluster}": ${shown} does not exist`, {
      details: [`create it with \`${wizard}\`${EXAMPLE_HINTS.copy.text}`],
    })
  }
  // Permission denied is about who may read it (the file, or its folder), not about what it holds.
  const fixFor = (problem: string): string =>
    /permission denied/.test(problem)
      ? `make it and its folder readable by you (\`ls -ld ${path.dirname(file)} ${file}\` shows their owners and modes)`
      : `make it a readable YAML file${EXAMPLE_HINTS.see.text}, or create it with \`${kindlingCommand('wizard')}\``
  const refused = (problem: string): BadInputError =>
    new BadInputError(`the spec for cluster "${cluster}", ${shown}, ${problem}`, { details: [fixFor(problem)] })
  if (unreadable) throw refused(unreadable.problem)
  let bytes: Buffer | undefined
  try {
    bytes = readPlainFile(file, { maxBytes: MAX_SPEC_BYTES })
  } catch (error) {
    throw error instanceof UnusableFileError ? refused(error.problem) : error
  }
  // Removed since it was looked at a moment ago.
  if (bytes === undefined) throw refused('does not exist')
  const badLine = notUtf8Line(bytes)
  if (badLine !== undefined) {
    const byteOrderMark = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
    const utf16 = byteOrderMark ? ' (it is UTF-16)' : ''
    throw specError(shown, [{ file: shown, line: badLine, path: '', message: `is not UTF-8 text${utf16}: save the file as UTF-8` }])
  }
  return validClusterSpec(bytes.toString('utf8'), file, repoRoot, cluster)
}

/** Validate spec text; `cluster` is the folder name the file must agree with. */
export function parseClusterSpec(text: string, file: string, repoRoot: string, cluster?: string): ClusterSpec {
  try {
    return validClusterSpec(text, file, repoRoot, cluster)
  } catch (error) {
    throw withExampleHints(error, repoRoot)
  }
}

function validClusterSpec(text: string, file: string, repoRoot: string, cluster?: string): ClusterSpec {
  const shownFile = path.relative(process.cwd(), file) || file
  const { doc, value, lineOf, nodes, nodeProblems } = readSpecYaml(text, shownFile)
  const problemOf = (problem: Flagged & { message: string }): SpecProblem => ({
    file: shownFile,
    line: lineOf((problem.key !== undefined ? keyOffset(doc, problem.path, problem.key) : undefined) ?? nodeOffset(doc, problem.path)),
    path: dotted(problem.path),
    message: problem.message,
  })
  // Sizes, characters and credentials first: the schema reads a copy cut short, and says nothing
  // more about a value these (or the document's nodes) found a problem with: it would repeat
  // them, or quote a pasted token. The rest of its problems are listed with them, all at once.
  // A whole file that is one long text or list (a log saved under the name) is no mapping, which the schema says.
  const mapping = value !== null && typeof value === 'object' && !Array.isArray(value)
  // Inside a tagged value, what the tag made of it (a Map, bytes) is no problem of its own.
  const limits = (mapping ? valueProblems(value) : []).filter((problem) => !isFlagged(flaggedAt(problem), nodes))
  const flagged = [...nodes, ...limits]
  const problems: SpecProblem[] = [...nodeProblems, ...limits.map(problemOf)]
  const read = mapping ? withinLimits(value) : value
  const result = clusterSpecSchema.safeParse(read)
  if (!result.success) {
    const issues = unflaggedIssues(withoutSafeIntegerBound(result.error.issues), flagged)
    problems.push(...issues.flatMap((issue) => toProblems(issue, read, doc, text, shownFile, lineOf)))
  }
  if (result.success && cluster !== undefined && result.data.metadata.name !== cluster) {
    problems.push({
      file: shownFile,
      line: lineOf(nodeOffset(doc, ['metadata', 'name'])),
      path: 'metadata.name',
      message: `is "${result.data.metadata.name}" but the folder is clusters/${cluster}; they must match`,
    })
  }
  if (result.success) {
    const inside = keysInsideRepository(result.data, repoRoot, (keys) => ({ file: shownFile, line: lineOf(nodeOffset(doc, keys)) }))
    problems.push(...inside.filter((problem) => !isFlagged(problem.keys, flagged)))
  }
  if (!result.success || problems.length > 0) throw specError(shownFile, problems)
  return resolveSpec(result.data, file, repoRoot)
}

/** The path a problem is about: a value's, or a key's under its mapping's path. */
function flaggedAt(problem: Flagged): readonly (string | number)[] {
  return problem.key === undefined ? problem.path : [...problem.path, problem.key]
}

/**
 * Private keys the spec names inside the repository: one `git add -A` would publish the key that
 * decrypts every secret (the age key) or writes to the repository (the deploy key). Found with the
 * rest of the spec's problems, before anything is created.
 */
function keysInsideRepository(
  document: ClusterSpecDocument,
  repoRoot: string,
  where: (keys: string[]) => { file: string; line: number },
): (SpecProblem & { keys: string[] })[] {
  const inside = (value: string): boolean => isInside(path.resolve(repoRoot, expandHome(value)), repoRoot)
  const named: { keys: string[]; value?: string; what: string; home: string }[] = [
    {
      keys: ['spec', 'secrets', 'sops', 'ageKeyFile'],
      value: document.spec.secrets.sops.enabled ? document.spec.secrets.sops.ageKeyFile : undefined,
      what: 'the age key decrypts every secret in Git',
      home: '~/.config/kindling/age/<name>.agekey, the default',
    },
    {
      keys: ['spec', 'repository', 'auth', 'privateKeyFile'],
      value: document.spec.repository.auth.type === 'ssh' ? document.spec.repository.auth.privateKeyFile : undefined,
      what: 'the deploy key can write to the repository',
      home: '~/.ssh/',
    },
  ]
  return named
    .filter((entry) => entry.value !== undefined && inside(entry.value))
    .map((entry) => ({
      ...where(entry.keys),
      keys: entry.keys,
      path: dotted(entry.keys),
      message: `is inside the repository, where one \`git add\` would publish it (${entry.what}): keep it outside, e.g. in ${entry.home}`,
    }))
}

function resolveSpec(document: ClusterSpecDocument, file: string, repoRoot: string): ClusterSpec {
  const name = document.metadata.name
  const spec = document.spec
  // Every local file the spec names, absolute: `~/` is the home folder, anything else relative is
  // relative to the repository root, wherever kindling is run from.
  const local = (value: string): string => path.resolve(repoRoot, expandHome(value))
  // An existing cluster's kubeconfig, when the spec names none, is the one kubectl reads ($KUBECONFIG's first file, from here).
  const kubeconfig = (value: string | undefined): string => (value !== undefined ? local(value) : path.resolve(expandHome(defaultKubeconfig())))
  const provider = spec.provider.type === 'existing' ? { ...spec.provider, kubeconfig: kubeconfig(spec.provider.kubeconfig) } : spec.provider
  const given = spec.repository.auth
  const auth =
    given.type === 'ssh'
      ? {
          ...given,
          ...(given.privateKeyFile ? { privateKeyFile: local(given.privateKeyFile) } : {}),
          ...(given.knownHostsFile ? { knownHostsFile: local(given.knownHostsFile) } : {}),
        }
      : given
  return {
    ...spec,
    provider,
    name,
    file,
    repoRoot,
    repository: {
      ...spec.repository,
      url: spec.repository.url ?? IN_CLUSTER_GIT_URL,
      inCluster: spec.repository.url === undefined,
      auth,
      path: spec.repository.path ?? defaultRepoPath(name),
    },
    secrets: {
      sops: {
        enabled: spec.secrets.sops.enabled,
        ageKeyFile: local(spec.secrets.sops.ageKeyFile ?? defaultAgeKeyFile(name)),
      },
    },
  }
}

/** `~/x` to an absolute path under the user's home. */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(homeFolder(), file.slice(1)) : file
}
