import { InterruptedError } from '../engine/errors.js'
import type { Prompter } from './wizard.js'

/** A yes/no question answered by a person; steps receive it as a function so tests replace it. */
export type Confirm = (question: string) => Promise<boolean>

/** The prompt library, loaded with the first question: most runs never ask one. */
const library = (): Promise<typeof import('@inquirer/prompts')> => import('@inquirer/prompts')

/** Ctrl-C inside a prompt rejects with ExitPromptError; it means "interrupted" (exit 130), not a failure. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question
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
  const { confirm: ask } = await library()
  return asked(ask({ message: question, default: false }, { output: process.stderr }))
}

/** The wizard's questions on the terminal. Prompts draw on stderr so stdout stays the result. */
export const terminalPrompter: Prompter = {
  input: async (question) => asked((await library()).input({ message: question.message, default: question.default, validate: question.validate }, { output: process.stderr })),
  select: async (question) => asked((await library()).select({ message: question.message, choices: question.choices, default: question.default }, { output: process.stderr })),
  confirm: async (question) => asked((await library()).confirm({ message: question.message, default: question.default }, { output: process.stderr })),
  checkbox: async (question) => asked((await library()).checkbox({ message: question.message, choices: question.choices }, { output: process.stderr })),
}
