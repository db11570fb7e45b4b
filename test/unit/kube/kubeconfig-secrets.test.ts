import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KubeClient } from '../../../bootstrap/kube/client.js'
import { Redactor } from '../../../bootstrap/tools/secrets.js'
import { formatError } from '../../../bootstrap/ui/format.js'

// An API server (or a proxy before it) that quotes back the credentials it rejected: what kindling
// prints of its answer must not hold them, whichever way the kubeconfig gave them.
let server: http.Server
let address = ''
const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-kubeconfig-secrets-'))

beforeAll(async () => {
  server = http.createServer((request, response) => {
    response.writeHead(401, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `rejected: ${request.headers.authorization}`, code: 401 }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

function kubeconfig(user: string): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}`)
  writeFileSync(
    file,
    `apiVersion: v1\nclusters: [{name: x, cluster: {server: '${address}', insecure-skip-tls-verify: true}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\nusers: [{name: x, user: ${user}}]\n`,
  )
  return file
}

const credential = `{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"Plugin5ecretToken77"}}`

describe('credentials an API server quotes back', () => {
  it.each([
    ['a token', '{token: Kubeconfig5ecretToken77}', ['Kubeconfig5ecretToken77']],
    ['a password', '{username: admin, password: Kubeconfig5ecretPw77}', [Buffer.from('admin:Kubeconfig5ecretPw77').toString('base64')]],
    [
      'a credential plugin',
      `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${JSON.stringify(process.execPath)}, args: ['-e', ${JSON.stringify(`console.log(${JSON.stringify(credential)})`)}]}}`,
      ['Plugin5ecretToken77'],
    ],
  ])('%s: masked in the message (exit 3 as any unreachable context)', async (_, user, secrets) => {
    const redactor = new Redactor()
    const error = await KubeClient.fromKubeconfig({ file: kubeconfig(user), context: 'x', secrets: redactor })
      .serverVersion()
      .catch((caught: unknown) => caught)
    const shown = formatError(error, (line) => redactor.redact(line)).join('\n')
    expect(shown).toContain('rejected: ')
    for (const secret of secrets) expect(shown).not.toContain(secret)
    expect(shown).toContain('***')
  })
})
