import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { ExitCode, exitCodeOf, type ExitCode as ExitCodeValue } from '../engine/errors.js'
import { redactUrlCredentials, urlCredentials } from '../spec/url-credentials.js'
import { specFileOf } from '../spec/load.js'
import type { Runner } from '../tools/runner.js'
import { Redactor } from '../tools/secrets.js'
import { blockingPath } from '../tools/files.js'
import { formatError } from '../ui/format.js'
import { collectAnswers, type Prompter, type WizardAnswers } from '../ui/wizard.js'
import { isNetworkUrl } from '../ui/wizard-checks.js'
import { originNote } from '../ui/wizard-origin.js'
import { describeAnswers, writeSpec } from '../ui/wizard-spec.js'
import { folderGoneError } from './cwd.js'
import { findRepoRoot } from './repo.js'
import { parseWizardFlags } from './wizard-args.js'
import { portsOfClusters } from './wizard-ports.js'
import { WIZARD_HELP } from './wizard-help.js'
import { kubeContexts, listedKubeconfigs } from '../kube/contexts.js'
import { defaultKubeconfig } from '../spec/defaults.js'
import { kindlingCommand } from '../project.js'

export interface WizardIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** The folder the wizard runs in; undefined when it was deleted or moved away (refused after --help). */
  cwd: string | undefined
  runner: Runner
  /** Present when a person can answer. */
  prompter?: Prompter
  /** Runs `kindling bootstrap -c <name>` when the person agrees; its exit code becomes the wizard's. */
  bootstrap?: (cluster: string) => Promise<ExitCodeValue>
}

/**
 * The files bootstrap renders under clusters/<name>/ (engine, root sync, components), written now
 * so they can be read before the first run; bootstrap finds them as it would write them. Returns
 * the files written, relative to the repository root.
 */
async function writeClusterFolder(repoRoot: string, name: string): Promise<{ written: string[]; leftOver: string[] }> {
  // Loaded only now: the questions above need none of the renderers.
  const [{ loadClusterSpec }, { renderedFiles }, { fileWrites }, { writeFileAction }, { leftoverFiles }] = await Promise.all([
    import('../spec/load.js'),
    import('../steps/gitops/push-state.js'),
    import('../steps/gitops/repo.js'),
    import('../engine/actions.js'),
    import('../steps/gitops/leftovers.js'),
  ])
  const spec = await loadClusterSpec(repoRoot, name)
  const rendered = await renderedFiles(spec)
  const writes = await fileWrites(spec, rendered)
  for (const write of writes) await writeFileAction(write)
  // A replaced spec may need less than the one before: what the earlier one rendered stays, unused,
  // for the person to read and delete.
  const leftOver = leftoverFiles(spec, rendered)
  return { written: writes.map((write) => path.relative(repoRoot, write.path)), leftOver }
}

/**
 * Why clusters/<name>/cluster.yaml cannot be written: a file where a folder on its way goes, or a
 * folder (or anything but a file) where the spec goes. Asked with the name, so no answer is lost.
 */
function specFolderProblem(repoRoot: string, name: string): string | undefined {
  const file = specFileOf(repoRoot, name)
  const blocked = blockingPath(path.dirname(file))
  const shown = (at: string): string => path.relative(repoRoot, at)
  if (blocked) return `${shown(blocked)} is a file, not a folder, so clusters/${name}/cluster.yaml cannot be written: move it away or pick another name`
  if (existsSync(file) && !statSync(file).isFile())
    return `${shown(file)} is not a file (a folder?), so the spec cannot be written there: move it away or pick another name`
  const locked = unwritablePath(path.dirname(file))
  if (locked) {
    const folder = path.dirname(file)
    // Under the cluster's own folder another name helps; clusters/ itself, or above it, every name meets it.
    const other = locked.at === folder || locked.at.startsWith(`${folder}${path.sep}`) ? ', or pick another name' : ''
    const what = locked.folder ? `the folder ${shown(locked.at) || '.'}/` : `the file ${shown(locked.at)}`
    return `${what} is not writable by you (${locked.why}), so clusters/${name}/ cannot be written: make it writable by you (\`ls -ld ${locked.at}\` shows its owner and mode)${other}, or run the wizard in a checkout of your own`
  }
  return undefined
}

/**
 * The first path the wizard would have to write and may not: within an existing cluster folder,
 * each folder and file in it; for a new one, the nearest folder above it that is there. Asked with
 * the name, before anything is written, so a refusal leaves no spec without its rendered files.
 */
function unwritablePath(folder: string): { at: string; why: string; folder: boolean } | undefined {
  const denied = (at: string, mode: number): string | undefined => {
    try {
      accessSync(at, mode)
      return undefined
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return undefined
      return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'a read-only file system' : (code ?? String(error))
    }
  }
  const folderMode = constants.W_OK | constants.X_OK
  let existing = folder
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing)
  if (existing !== folder) {
    const why = denied(existing, folderMode)
    return why ? { at: existing, why, folder: true } : undefined
  }
  // The folder is there: what bootstrap renders goes anywhere under it. A few hundred entries at most.
  const pending = [folder]
  for (let seen = 0; pending.length && seen < 5000; seen++) {
    const at = pending.shift()!
    const why = denied(at, folderMode)
    if (why) return { at, why, folder: true }
    let entries
    try {
      entries = readdirSync(at, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      const child = path.join(at, entry.name)
      if (entry.isDirectory()) pending.push(child)
      else if (entry.isFile()) {
        const fileWhy = denied(child, constants.W_OK)
        if (fileWhy) return { at: child, why: fileWhy, folder: false }
      }
    }
  }
  return undefined
}

/**
 * This checkout's origin, the repository the wizard offers by default. On a terminal and off it, a
 * default nobody typed is said out loud, with a warning when it looks like someone else's.
 */
async function originUrl(io: WizardIo, repoRoot: string, repoGiven: boolean): Promise<string | undefined> {
  const remote = await io.runner
    .run({ file: 'git', args: ['-C', repoRoot, 'remote', 'get-url', 'origin'], readOnly: true, okExitCodes: [2, 128] })
    .catch(() => undefined)
  const remoteUrl = remote?.exitCode === 0 ? remote.stdout.trim() || undefined : undefined
  if (!repoGiven && isNetworkUrl(remoteUrl)) {
    io.stderr(await originNote(io.runner, repoRoot, remoteUrl, io.prompter !== undefined))
  } else if (!repoGiven && remoteUrl && urlCredentials(remoteUrl)) {
    io.stderr(
      `note: this checkout's origin, ${redactUrlCredentials(remoteUrl)}, holds credentials in its URL, so it is not the default repository; give the URL without them (the token goes in an environment variable, auth https).\n`,
    )
  }
  return remoteUrl
}

/** Write the spec and the files bootstrap renders from it, and say what was written and what was left over. */
async function writeAnswers(io: WizardIo, repoRoot: string, cwd: string, answers: WizardAnswers): Promise<void> {
  const file = await writeSpec(repoRoot, answers)
  io.stdout(`wrote ${path.relative(cwd, file) || file}\n`)
  const { written, leftOver } = await writeClusterFolder(repoRoot, answers.name)
  const folder = path.relative(cwd, path.dirname(file)) || '.'
  if (written.length)
    io.stdout(
      `wrote ${written.length} file(s) bootstrap renders from it under ${folder}/ (the engine, its root sync, the components): read them now; bootstrap commits and pushes them\n`,
    )
  if (leftOver.length) {
    const list = leftOver.map((left) => `  ${left}\n`).join('')
    io.stderr(
      `note: ${leftOver.length} file(s) under ${folder}/ were rendered for the spec this one replaces and no kustomization lists them now; left as they were (delete what you no longer need):\n${list}`,
    )
  }
}

/** `kindling wizard`: ask (or read flags), validate, write the spec, offer to bootstrap. Returns the exit code. */
export async function runWizard(argv: readonly string[], outer: WizardIo): Promise<ExitCodeValue> {
  // Everything it prints passes the same mask as a run's output: a token typed where a name or a
  // path belongs is refused without being repeated.
  const redactor = new Redactor()
  const io: WizardIo = { ...outer, stdout: (text) => outer.stdout(redactor.redact(text)), stderr: (text) => outer.stderr(redactor.redact(text)) }
  try {
    const { answers: given, invalid, help } = parseWizardFlags(argv)
    if (help) {
      io.stdout(WIZARD_HELP)
      return ExitCode.ok
    }
    const cwd = io.cwd
    if (cwd === undefined) throw folderGoneError()
    const repoRoot = findRepoRoot(cwd)
    const remoteUrl = await originUrl(io, repoRoot, given.repoUrl !== undefined)
    const answers = await collectAnswers(
      given,
      io.prompter,
      {
        remoteUrl,
        clusterExists: (name) => existsSync(specFileOf(repoRoot, name)),
        folderProblem: (name) => specFolderProblem(repoRoot, name),
        portsTaken: (name) => portsOfClusters(repoRoot, name),
        contextsOf: kubeContexts,
        kubeconfig: defaultKubeconfig(),
        kubeconfigs: listedKubeconfigs(),
        cwd,
        note: (text) => io.stderr(`note: ${text}\n`),
      },
      invalid,
    )
    io.stderr(`\n${describeAnswers(answers).join('\n')}\n`)
    // The summary is the last chance to change a mind: nothing is written before a yes.
    if (io.prompter && !(await io.prompter.confirm({ message: `Write clusters/${answers.name}/ with these answers?`, default: true }))) {
      io.stdout('nothing written; run the wizard again to change an answer\n')
      return ExitCode.ok
    }
    await writeAnswers(io, repoRoot, cwd, answers)
    if (io.prompter && io.bootstrap && (await io.prompter.confirm({ message: `Bootstrap ${answers.name} now?`, default: true }))) {
      const code = await io.bootstrap(answers.name)
      // Its last words, "run the same command again", mean the bootstrap: the wizard's answers are written already.
      if (code !== ExitCode.ok)
        io.stderr(`to run it again: ${kindlingCommand(`bootstrap -c ${answers.name}`)} (the spec stays as written: no need to answer the wizard again)\n`)
      return code
    }
    // Off a terminal the bootstrap cannot ask before it pushes either: the next command says how to answer.
    const next = io.prompter ? `bootstrap -c ${answers.name}` : `bootstrap -c ${answers.name} --yes`
    const push = io.prompter ? '' : '; --yes lets it commit and push what it renders, --no-push leaves that to you'
    io.stdout(`next: ${kindlingCommand(next)}   (add --dry-run to see the plan first${push})\n`)
    return ExitCode.ok
  } catch (error) {
    // Already masked: io's stdout and stderr pass everything through the redactor.
    io.stderr(`${formatError(error, (t) => t).join('\n')}\n`)
    return exitCodeOf(error)
  }
}
