import { checkbox, confirm, input, select } from '@inquirer/prompts'
import { render } from '@inquirer/testing'
import type { Prompter } from '../../../bootstrap/ui/wizard.js'

// The wizard's questions rendered by the real prompt library (inquirer) on a virtual terminal, and
// answered by typing: keystrokes in, screens out. Validation, error messages and re-asking are
// inquirer's own, driven by the validators the wizard passes; nothing here mocks the wizard.

/**
 * What to type for a question, found by the start of its message. An input takes a list: each
 * attempt is typed and entered until one is accepted. A select asked more than once takes
 * `{ picks }`, one choice each time it is asked.
 */
export type Typed = string | string[] | boolean | { pick: string } | { picks: string[] } | { tick: string[] }

export interface TerminalDriver extends Prompter {
  /** Every question asked, in order. */
  asked: string[]
  /** Each error the prompt showed under a question, with the question. */
  errors: { question: string; error: string }[]
}

const settle = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The answer once the prompt accepted it, or undefined after a short wait (it showed an error instead). */
async function accepted<T>(answer: Promise<T>): Promise<{ value: T } | undefined> {
  return Promise.race([answer.then((value) => ({ value })), settle(100).then(() => undefined)])
}

export function terminalDriver(script: Record<string, Typed>): TerminalDriver {
  const asked: string[] = []
  const errors: TerminalDriver['errors'] = []
  const typed = (message: string): Typed => {
    asked.push(message)
    const key = Object.keys(script).find((start) => message.startsWith(start))
    if (key === undefined) throw new Error(`unexpected question: ${message}`)
    return script[key]!
  }
  // inquirer shows a validation error on the lines after the question, starting with "> "; long ones wrap.
  const errorOn = (screen: string): string | undefined => {
    const lines = screen.split('\n')
    const start = lines.findIndex((line) => line.startsWith('> '))
    return start < 0
      ? undefined
      : lines
          .slice(start)
          .map((line) => line.trim())
          .join(' ')
          .replace(/^>\s*/, '')
          .trim()
  }

  return {
    asked,
    errors,
    async input(question) {
      const attempts = [typed(question.message)].flat() as string[]
      const { answer, events, getScreen } = await render(input, { message: question.message, default: question.default, validate: question.validate })
      for (const attempt of attempts) {
        for (let i = 0; i < 80; i++) events.keypress('backspace')
        events.type(attempt)
        events.keypress('enter')
        const result = await accepted(answer)
        if (result) return result.value
        errors.push({ question: question.message, error: errorOn(getScreen()) ?? getScreen() })
      }
      throw new Error(`"${question.message}" was not accepted after ${attempts.length} attempt(s); last screen:\n${getScreen()}`)
    },
    async select(question) {
      const script = typed(question.message) as { pick: string } | { picks: string[] }
      const want = 'pick' in script ? script.pick : script.picks[asked.filter((message) => message === question.message).length - 1]
      const index = question.choices.findIndex((choice) => choice.value === want)
      if (index < 0) throw new Error(`"${question.message}" has no choice ${want}`)
      const { answer, events } = await render(select, { message: question.message, choices: question.choices, default: question.default })
      // The cursor starts on the default choice, as a person sees it.
      const start = Math.max(
        0,
        question.choices.findIndex((choice) => choice.value === question.default),
      )
      for (let i = start; i < index; i++) events.keypress('down')
      for (let i = start; i > index; i--) events.keypress('up')
      events.keypress('enter')
      return answer as never
    },
    async confirm(question) {
      const yes = typed(question.message) as boolean
      const { answer, events } = await render(confirm, { message: question.message, default: question.default })
      events.type(yes ? 'y' : 'n')
      events.keypress('enter')
      return answer
    },
    async checkbox(question) {
      const ticks = (typed(question.message) as { tick: string[] }).tick
      const { answer, events } = await render(checkbox, { message: question.message, choices: question.choices })
      question.choices.forEach((choice, index) => {
        if (index > 0) events.keypress('down')
        if (ticks.includes(choice.value)) events.keypress('space')
      })
      events.keypress('enter')
      return answer as never
    },
  }
}
