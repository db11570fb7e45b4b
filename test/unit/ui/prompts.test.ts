import { describe, expect, it } from 'vitest'
import { exitCodeOf, InterruptedError, TimeoutError } from '../../../bootstrap/engine/errors.js'
import { confirm } from '../../../bootstrap/ui/prompts.js'

/** What became of a question within three seconds: its answer, its error, or that it still waits. */
async function within3s(question: Promise<boolean>): Promise<unknown> {
  const outcome = question.then(
    (answer) => `answered ${String(answer)}`,
    (error: unknown) => error,
  )
  return Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still asking after 3 s'), 3000).unref())])
}

describe('a question on the terminal', () => {
  // Nobody types here: the question waits on standard input until the run takes it back.
  it('is put away when the run gets SIGTERM while it waits, and the stop keeps its exit code', async () => {
    const run = new AbortController()
    const asked = confirm('Commit 3 file(s) kindling rendered and push?', run.signal)
    setTimeout(() => run.abort(new InterruptedError('interrupted', 'SIGTERM')), 100)
    const outcome = await within3s(asked)
    expect(outcome).toBeInstanceOf(InterruptedError)
    expect(exitCodeOf(outcome)).toBe(143)
  })

  it('is put away when the run reaches its --timeout while it waits, as a timeout', async () => {
    const run = new AbortController()
    const asked = confirm('Delete kind cluster "lab" and everything in it?', run.signal)
    setTimeout(() => run.abort(new TimeoutError('the run did not finish within --timeout 1s')), 100)
    const outcome = await within3s(asked)
    expect(outcome).toBeInstanceOf(TimeoutError)
    expect((outcome as Error).message).toMatch(/--timeout 1s/)
  })
})
