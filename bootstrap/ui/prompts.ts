import { InterruptedError, stoppedError } from '../engine/errors.js'
import type { Prompter } from './wizard.js'

/**
 * A yes/no question answered by a person; steps receive it as a function so tests replace it. The
 * run's signal takes the question back: SIGTERM or --timeout while it waits ends the run, not the wait.
 */
export type Confirm = (question: string, signal?: AbortSignal) => Promise<boolean>

type PromptLibrary = typeof import('@inquirer/prompts')

/** Where a prompt draws, and the signal that takes it back. */
interface PromptContext {
  output: NodeJS.WriteStream
  signal?: AbortSignal
}

/**
 * Ask with the prompt library, loaded with the first question (most runs never ask one); prompts
 * draw on stderr so stdout stays the result. Ctrl-C inside a prompt rejects with ExitPromptError:
 * it means "interrupted" (exit 130), not a failure. The signal closes the prompt when the run is
 * stopped otherwise (SIGTERM, --timeout): the question is put away and the stop keeps its meaning.
 */
async function ask<T>(question: (library: PromptLibrary, context: PromptContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const library = await import('@inquirer/prompts')
  try {
    return await question(library, { output: process.stderr, signal })
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError()
    if (signal?.aborted) throw stoppedError(signal, 'waiting for an answer')
    throw error
  }
}

/**
 * Ask a yes/no question on the terminal; the default is no. This module is the only one that
 * imports the prompt library, so every interaction goes through here.
 */
export async function confirm(question: string, signal?: AbortSignal): Promise<boolean> {
  return ask((library, context) => yesOrNo(library, context, question, false), signal)
}

/** y, yes, n, no in any case, or nothing for the default. */
const YES_OR_NO = /^(y|yes|n|no)?$/i

/**
 * A yes/no question that asks again on anything but yes or no. The library's own confirm takes
 * any other answer (`maybe`, a project ID typed one question late) as the default, so a slip
 * would install what the person meant to leave out.
 */
async function yesOrNo(library: PromptLibrary, context: PromptContext, message: string, fallback: boolean): Promise<boolean> {
  const meaning = (value: string): boolean => (value.trim() === '' ? fallback : /^y/i.test(value.trim()))
  const answer = await library.input(
    {
      message: `${message} (${fallback ? 'Y/n' : 'y/N'})`,
      validate: (value) => YES_OR_NO.test(value.trim()) || 'answer y or n (Enter takes the default)',
      transformer: (value, { isFinal }) => (isFinal ? (meaning(value) ? 'Yes' : 'No') : value),
    },
    context,
  )
  return meaning(answer)
}

/** The wizard's questions on the terminal. Prompts draw on stderr so stdout stays the result. */
export const terminalPrompter: Prompter = {
  input: (question) => ask((library, output) => library.input({ message: question.message, default: question.default, validate: question.validate }, output)),
  select: (question) => ask((library, output) => library.select({ message: question.message, choices: question.choices, default: question.default }, output)),
  confirm: (question) => ask((library, output) => yesOrNo(library, output, question.message, question.default ?? false)),
  checkbox: (question) => ask((library, output) => library.checkbox({ message: question.message, choices: question.choices }, output)),
}
