import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { localRepositoryProblem } from '../../../bootstrap/spec/local-repository.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-local-repo-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A folder laid out as `git init --bare` leaves it. */
function bareRepository(parent: string, name = 'lab.git'): string {
  const folder = path.join(parent, name)
  mkdirSync(path.join(folder, 'objects'), { recursive: true })
  mkdirSync(path.join(folder, 'refs'), { recursive: true })
  writeFileSync(path.join(folder, 'HEAD'), 'ref: refs/heads/main\n')
  return folder
}

const url = (folder: string): string => pathToFileURL(folder).href

describe('a file:// repository', () => {
  it('is readable when it names a bare repository or a working tree', () => {
    expect(localRepositoryProblem(url(bareRepository(root)))).toBeUndefined()
    const tree = path.join(root, 'tree')
    mkdirSync(path.join(tree, '.git'), { recursive: true })
    expect(localRepositoryProblem(url(tree))).toBeUndefined()
  })

  it('names a folder that does not exist, with the command that makes it', () => {
    const missing = path.join(root, 'missing.git')
    expect(localRepositoryProblem(url(missing))).toEqual({
      problem: `names ${missing}, which does not exist`,
      fix: `create it (git init --bare ${missing}) and push this checkout to it`,
    })
  })

  it('names a file, or a folder that holds no Git repository', () => {
    const file = path.join(root, 'notes.txt')
    writeFileSync(file, 'x')
    expect(localRepositoryProblem(url(file))?.problem).toBe(`names ${file}, which is not a folder`)
    const empty = path.join(root, 'empty')
    mkdirSync(empty)
    expect(localRepositoryProblem(url(empty))?.problem).toBe(`names ${empty}, which is not a Git repository`)
  })

  it('names a file:// URL with a host, which Git cannot read from this machine', () => {
    expect(localRepositoryProblem('file://server/srv/git/lab.git')).toEqual({
      problem: 'names no folder on this machine',
      fix: 'write file:// and then the absolute path, such as file:///srv/git/lab.git',
    })
  })

  it('leaves network URLs alone', () => {
    for (const remote of ['https://github.com/me/lab.git', 'ssh://git@host/lab.git', 'git@github.com:me/lab.git']) {
      expect(localRepositoryProblem(remote)).toBeUndefined()
    }
  })
})
