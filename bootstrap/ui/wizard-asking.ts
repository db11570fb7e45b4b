// How the wizard gets each answer: a flag's value held to the answer's rule, else a question when
// a person is there, else a default; what cannot be had this way is kept as a problem.

import { namedFlags } from './wizard-flags.js'
import type { InvalidFlags, Prompter, WizardAnswers, WizardHints } from './wizard.js'

/** An answer's default (used without a terminal) and the rule a flag's value or the default must pass. */
export interface AskOptions<K extends keyof WizardAnswers> {
  fallback?: WizardAnswers[K]
  check?: (value: WizardAnswers[K]) => true | string
  /** Without a terminal and without the flag: what the person may pass (the contexts a kubeconfig holds). */
  choices?: string
}

/** What every group of questions shares: the flags, the person if any, and what was found so far. */
export interface Asking {
  given: Partial<WizardAnswers>
  /** Undefined without a terminal: nothing is asked. */
  prompter: Prompter | undefined
  /** The prompter, for questions only put when there is one. */
  p: Prompter
  hints: WizardHints
  /** Everything that refuses the run, listed together at the end. */
  problems: string[]
  /** The answers a question was reached for: a wrong flag value whose question never comes is named at the end. */
  reached: Set<keyof WizardAnswers>
  /** Says something to the person without asking (off a terminal, once the answers hold no problem). */
  note(text: string): void
  /** Says the notes held back off a terminal: the answers made a spec, so they are worth reading. */
  releaseNotes(): void
  /** The flags given among `keys`, as typed. */
  named(keys: readonly (keyof WizardAnswers)[]): string[]
  ask<K extends keyof WizardAnswers>(key: K, flag: string, question: () => Promise<WizardAnswers[K]>, options?: AskOptions<K>): Promise<WizardAnswers[K]>
}

/** The shared state of one run of the wizard; `problems` holds those found before the first question. */
export function startAsking(
  given: Partial<WizardAnswers>,
  prompter: Prompter | undefined,
  hints: WizardHints,
  invalid: InvalidFlags,
  problems: string[],
): Asking {
  // Off a terminal a run with problems says only those: a note on a default (a port) would bury them.
  const held: string[] = []
  const note = (text: string): void => {
    if (prompter) hints.note?.(text)
    else held.push(text)
  }
  const releaseNotes = (): void => {
    for (const text of held.splice(0)) hints.note?.(text)
  }
  const reached = new Set<keyof WizardAnswers>()
  const ask = async <K extends keyof WizardAnswers>(
    key: K,
    flag: string,
    question: () => Promise<WizardAnswers[K]>,
    options: AskOptions<K> = {},
  ): Promise<WizardAnswers[K]> => {
    reached.add(key)
    const value = given[key]
    const verdict = invalid[key] ?? (value === undefined ? true : (options.check?.(value as WizardAnswers[K]) ?? true))
    if (verdict !== true) {
      // A person is there: say what was wrong with the flag and ask for the answer instead.
      if (prompter) note(`${flag}: ${verdict}: asking instead`)
      else problems.push(`${flag}: ${verdict}`)
      // Without a terminal the run is refused with the rest of the problems; the default keeps the others checkable.
      return prompter ? question() : ((value ?? options.fallback) as WizardAnswers[K])
    }
    if (value !== undefined) return value as WizardAnswers[K]
    if (prompter) return question()
    if (options.fallback !== undefined) {
      // A default nobody typed is held to the same rule (the kubeconfig kubectl would read may not exist).
      const fallbackVerdict = options.check?.(options.fallback) ?? true
      if (fallbackVerdict !== true) problems.push(`${flag}: ${fallbackVerdict}`)
      return options.fallback
    }
    problems.push(`${flag}: needed (there is no terminal to ask on)${options.choices ? `; ${options.choices}` : ''}`)
    return undefined as never
  }
  return { given, prompter, p: prompter!, hints, problems, reached, note, releaseNotes, named: (keys) => namedFlags(given, keys), ask }
}
