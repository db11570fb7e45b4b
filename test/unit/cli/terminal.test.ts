import { describe, expect, it } from 'vitest'
import { canDrawLive, personCanAnswer } from '../../../bootstrap/cli/terminal.js'

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

describe('canDrawLive', () => {
  it('draws the live task list on a terminal that says how wide it is', () => {
    expect(canDrawLive({}, { isTTY: true, columns: 120 })).toBe(true)
  })

  it('prints plain lines on a terminal of width 0 (script without a terminal), where every character would get a line', () => {
    expect(canDrawLive({}, { isTTY: true, columns: 0 })).toBe(false)
    expect(canDrawLive({}, { isTTY: true })).toBe(false)
  })

  it('prints plain lines to a pipe and under CI=true', () => {
    expect(canDrawLive({}, { isTTY: false, columns: 120 })).toBe(false)
    expect(canDrawLive({ CI: 'true' }, { isTTY: true, columns: 120 })).toBe(false)
  })
})
