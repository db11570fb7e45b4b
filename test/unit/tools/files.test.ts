import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, exitCodeOf } from '../../../bootstrap/engine/errors.js'
import { readFileIfExists, readPlainFile, UnusableFileError } from '../../../bootstrap/tools/files.js'
import { makeFifo, releaseFifo } from '../support/fifo.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-files-'))
const servers: Server[] = []
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  rmSync(dir, { recursive: true, force: true })
})

function refusal(read: () => unknown): UnusableFileError {
  try {
    read()
  } catch (error) {
    if (error instanceof UnusableFileError) return error
    throw error
  }
  throw new Error('the file was read')
}

describe('reading a file something names', () => {
  it('refuses a named pipe at once, without opening it: a read would wait for a writer past Ctrl-C', async () => {
    const fifo = makeFifo(path.join(dir, 'fifo'))
    try {
      const error = refusal(() => readPlainFile(fifo, { what: 'secrets.sops.ageKeyFile', fix: 'point it at a file' }))
      expect(error.message).toBe(`secrets.sops.ageKeyFile ${fifo} is a named pipe, not a file: reading it could wait forever`)
      expect(error.details).toEqual(['point it at a file'])
      expect(exitCodeOf(error)).toBe(ExitCode.badInput)
      await expect(readFileIfExists(fifo)).rejects.toThrow(UnusableFileError)
    } finally {
      releaseFifo(fifo)
    }
  })

  it('refuses a socket, a device, a folder and a link that loops, in words without errno codes', async () => {
    const socket = path.join(dir, 'socket')
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    const loop = path.join(dir, 'loop')
    symlinkSync(loop, loop)
    const folder = path.join(dir, 'folder')
    mkdirSync(folder)
    expect(refusal(() => readPlainFile(socket)).problem).toBe('is a socket, not a file')
    expect(refusal(() => readPlainFile('/dev/zero')).problem).toBe('is a device, not a file')
    expect(refusal(() => readPlainFile('/dev/null')).problem).toBe('is a device, not a file')
    expect(refusal(() => readPlainFile(folder)).problem).toBe('is a folder, not a file')
    expect(refusal(() => readPlainFile(loop)).problem).toBe('is a symbolic link that loops')
  })

  it('reads a regular file up to its limit, and refuses a bigger one', () => {
    const file = path.join(dir, 'small')
    writeFileSync(file, 'twelve bytes')
    expect(readPlainFile(file, { maxBytes: 12 })?.toString('utf8')).toBe('twelve bytes')
    expect(refusal(() => readPlainFile(file, { maxBytes: 11 })).problem).toBe('is 12 bytes; at most 11 bytes is read')
  })

  it('reads nothing there as undefined: a missing file, a missing folder on the way, a link to nothing', async () => {
    const dangling = path.join(dir, 'dangling')
    symlinkSync(path.join(dir, 'gone'), dangling)
    writeFileSync(path.join(dir, 'plain'), '')
    expect(readPlainFile(path.join(dir, 'none'))).toBeUndefined()
    expect(readPlainFile(path.join(dir, 'plain', 'below'))).toBeUndefined()
    expect(readPlainFile(dangling)).toBeUndefined()
    expect(await readFileIfExists(path.join(dir, 'none'))).toBeUndefined()
  })
})
