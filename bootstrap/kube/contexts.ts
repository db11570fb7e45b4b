// The contexts a kubeconfig file names, read as plain YAML: for the wizard's questions and preflight's fixes.

import path from 'node:path'
import { parse } from 'yaml'
import { kubeconfigCheckCommand, kubeconfigTextProblem } from './kubeconfig.js'
import { kubeconfigsListed } from '../spec/defaults.js'
import { expandHome } from '../spec/load.js'
import { MAX_KUBECONFIG_BYTES, plainFileProblem, readPlainFile, UnusableFileError } from '../tools/files.js'

/** A kubeconfig's context names and the one it marks current, or why the file cannot be read. */
export interface KubeContexts {
  names: string[]
  current?: string
  problem?: string
}

/** The context names of a kubeconfig file and its current one (none when it cannot be read): plain YAML, no API client to load. */
export function kubeContexts(file: string): KubeContexts {
  let text: string | undefined
  try {
    // Read the way every kubeconfig kindling opens is: a pipe or /dev/zero would never end.
    text = readPlainFile(expandHome(file), { maxBytes: MAX_KUBECONFIG_BYTES })?.toString('utf8')
  } catch (error) {
    if (error instanceof UnusableFileError) return { names: [], problem: error.problem }
    throw error
  }
  // Not there: "does not exist", or where the link that is there points.
  if (text === undefined) return { names: [], problem: plainFileProblem(expandHome(file), MAX_KUBECONFIG_BYTES)?.problem ?? 'does not exist' }
  // What bootstrap's API client would refuse, said now and in the same words: never the file's lines.
  const problem = kubeconfigTextProblem(text)
  if (problem) return { names: [], problem: `${problem}: check it with \`${kubeconfigCheckCommand(file)}\` and correct it` }
  const config = parse(text) as { contexts?: { name?: unknown }[]; 'current-context'?: unknown } | null
  const names = (Array.isArray(config?.contexts) ? config.contexts : []).flatMap((context) => (typeof context?.name === 'string' ? [context.name] : []))
  const current = config?.['current-context']
  return { names, current: typeof current === 'string' && names.includes(current) ? current : undefined }
}

/** Every file $KUBECONFIG lists, absolute, in order: the files kubectl merges. */
export function listedKubeconfigs(env: NodeJS.ProcessEnv = process.env): string[] {
  return kubeconfigsListed(env).map((entry) => path.resolve(expandHome(entry)))
}

/**
 * Another of the files kubectl merges that holds `context`, when the one kindling reads lacks it:
 * `kubectl --context` works there, so a bare "no context" would read as a kindling bug.
 */
export function kubeconfigHolding(
  context: string,
  files: readonly string[],
  except: string,
  contextsOf: (file: string) => KubeContexts = kubeContexts,
): string | undefined {
  return files.find((file) => file !== except && contextsOf(file).names.includes(context))
}
