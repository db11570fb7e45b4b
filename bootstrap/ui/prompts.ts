import { InterruptedError } from '../engine/errors.js'
import type { Prompter } from './wizard.js'

/** A yes/no question answered by a person; steps receive it as a function so tests replace it. */
export type Confirm = (question: string) => Promise<boolean>

type PromptLibrary = typeof import('@inquirer/prompts')

/**
 * Ask with the prompt library, loaded with the first question (most runs never ask one); prompts
 * draw on stderr so stdout stays the result. Ctrl-C inside a prompt rejects with ExitPromptError:
 * it means "interrupted" (exit 130), not a failure.
 */
async function ask<T>(question: (library: PromptLibrary, output: { output: NodeJS.WriteStream }) => Promise<T>): Promise<T> {
  const library = await import('@inquirer/prompts')
  try {
    return await question(library, { output: process.stderr })
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError()
    throw error
  }
}

/**
 * Ask a yes/no question on the terminal; the default is no. This module is the only one that
 * imports the prompt library, so every interaction goes through here.
 */
export async function confirm(question: string): Promise<boolean> {
  return ask((library, output) => library.confirm({ message: question, default: false }, output))
}

/** The wizard's questions on the terminal. Prompts draw on stderr so stdout stays the result. */
export const terminalPrompter: Prompter = {
  input: (question) => ask((library, output) => library.input({ message: question.message, default: question.default, validate: question.validate }, output)),
  select: (question) => ask((library, output) => library.select({ message: question.message, choices: question.choices, default: question.default }, output)),
  confirm: (question) => ask((library, output) => library.confirm({ message: question.message, default: question.default }, output)),
  checkbox: (question) => ask((library, output) => library.checkbox({ message: question.message, choices: question.choices }, output)),
}
