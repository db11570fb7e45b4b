import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { anchoredKubeconfig, npmShellFolder } from '../../../bootstrap/cli/cwd.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'kindling-cwd-'))
const sub = path.join(root, 'clusters')
mkdirSync(sub)
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('npmShellFolder', () => {
  it('is the folder npm run was typed in, inside the package it started at', () => {
    expect(npmShellFolder({ npm_lifecycle_event: 'wizard', INIT_CWD: sub }, root)).toBe(sub)
    expect(npmShellFolder({ npm_lifecycle_event: 'wizard', INIT_CWD: root }, root)).toBe(root)
  })

  it('is nothing outside npm, for `npm --prefix elsewhere`, for a sibling with the same start, or for a folder gone since', () => {
    expect(npmShellFolder({ INIT_CWD: sub }, root)).toBeUndefined()
    expect(npmShellFolder({ npm_lifecycle_event: 'wizard', INIT_CWD: os.tmpdir() }, root)).toBeUndefined()
    expect(npmShellFolder({ npm_lifecycle_event: 'wizard', INIT_CWD: `${root}-other` }, root)).toBeUndefined()
    expect(npmShellFolder({ npm_lifecycle_event: 'wizard', INIT_CWD: path.join(root, 'gone') }, root)).toBeUndefined()
  })
})

describe('anchoredKubeconfig', () => {
  it('makes each relative $KUBECONFIG entry start at the folder the command was typed in', () => {
    const value = ['kc.yaml', '/etc/k/config', '', '../other.yaml'].join(path.delimiter)
    expect(anchoredKubeconfig(value, sub)).toBe([path.join(sub, 'kc.yaml'), '/etc/k/config', '', path.join(root, 'other.yaml')].join(path.delimiter))
  })

  it('leaves $KUBECONFIG alone when every entry is absolute, it is unset, or the folder is gone', () => {
    expect(anchoredKubeconfig(['/a', '/b'].join(path.delimiter), sub)).toBeUndefined()
    expect(anchoredKubeconfig(undefined, sub)).toBeUndefined()
    expect(anchoredKubeconfig('kc.yaml', undefined)).toBeUndefined()
  })
})
