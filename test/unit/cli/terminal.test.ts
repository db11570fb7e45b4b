import { describe, expect, it } from 'vitest'
import { personCanAnswer } from '../../../bootstrap/cli/terminal.js'

const tty = { isTTY: true }
const pipe = { isTTY: false }

describe('personCanAnswer', () => {
  it('asks when stdin and stderr are a terminal, wherever stdout goes (| tee)', () => {
    expect(personCanAnswer({}, { stdin: tty, stderr: tty })).toBe(true)
  })

  it('asks nobody when stdin is not a terminal (</dev/null, a pipe): a prompt would read end-of-file', () => {
    expect(personCanAnswer({}, { stdin: pipe, stderr: tty })).toBe(false)
  })

  it('asks nobody when stderr, where prompts draw, is not a terminal', () => {
    expect(personCanAnswer({}, { stdin: tty, stderr: pipe })).toBe(false)
  })

  it('asks nobody under CI=true, even on an emulated terminal', () => {
    expect(personCanAnswer({ CI: 'true' }, { stdin: tty, stderr: tty })).toBe(false)
  })
})
