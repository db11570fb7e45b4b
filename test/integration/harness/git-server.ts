import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** Debian's git ships the smart-HTTP server as a CGI program. */
const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend'

/** A Git server on loopback: smart HTTP over TLS, Basic auth, bare repositories in a temp folder. */
export interface GitServer {
  /** https://127.0.0.1:<port> */
  baseUrl: string
  /** The CA (self-signed server certificate) clients must trust: GIT_SSL_CAINFO, SSL_CERT_FILE. */
  caFile: string
  username: string
  /** Requests answered, by outcome: for tests that the engine really came to fetch. */
  stats: { authorized: number; refused: number }
  /** The folder the bare repositories are in, for tests that inspect one. */
  root: string
  /** Create an empty bare repository that accepts pushes; returns its URL. */
  createRepository(name: string): string
  stop(): Promise<void>
}

/** A certificate for 127.0.0.1 and localhost, made with openssl (Node has no X.509 writer). */
function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'tls.key')
  const cert = path.join(dir, 'tls.crt')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=kindling-test-git',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { key, cert }
}

/** Split a CGI response into its status, headers and the rest of the body already read. */
function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200
  const headers: [string, string][] = []
  for (const line of head.split(/\r?\n/).filter(Boolean)) {
    const colon = line.indexOf(':')
    const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()]
    if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0])
    else headers.push([name, value])
  }
  return { status, headers }
}

/**
 * Serve bare repositories with `git http-backend` (the CGI program git itself ships) behind a
 * small HTTPS server on a kernel-chosen loopback port. Every request needs Basic auth with
 * `username` and `token`, as a Git host's HTTPS token does; pushes are allowed to the same user.
 */
export async function startGitServer(options: { username: string; token: string }): Promise<GitServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kindling-git-'))
  const root = path.join(dir, 'repos')
  mkdirSync(root)
  const tls = selfSignedCertificate(dir)
  const expected = `Basic ${Buffer.from(`${options.username}:${options.token}`).toString('base64')}`
  const stats = { authorized: 0, refused: 0 }
  const running = new Set<ChildProcess>()

  const server = https.createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, (request, response) => {
    if (request.headers.authorization !== expected) {
      stats.refused++
      request.resume()
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="kindling-test"', 'Content-Type': 'text/plain' }).end('authentication required\n')
      return
    }
    stats.authorized++
    const url = new URL(request.url ?? '/', 'https://127.0.0.1')
    // The CGI variables git http-backend reads (see git-http-backend(1)).
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      REQUEST_METHOD: request.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      REMOTE_USER: options.username,
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
      ...(request.headers['content-length'] ? { CONTENT_LENGTH: request.headers['content-length'] } : {}),
      ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
      ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
    }
    const cgi = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    running.add(cgi)
    cgi.on('exit', () => running.delete(cgi))
    request.pipe(cgi.stdin)
    let stderr = ''
    cgi.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    let buffered = Buffer.alloc(0)
    let headersSent = false
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) return void response.write(chunk)
      buffered = Buffer.concat([buffered, chunk])
      const text = buffered.toString('latin1')
      const end = /\r?\n\r?\n/.exec(text)
      if (!end) return
      const { status, headers } = parseCgiHead(text.slice(0, end.index))
      response.writeHead(status, headers)
      headersSent = true
      response.write(buffered.subarray(end.index + end[0].length))
    })
    cgi.on('close', (code) => {
      if (!headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend exited with ${code}: ${stderr}`)
      else response.end()
    })
    cgi.on('error', (error) => {
      if (!headersSent) response.writeHead(500).end(String(error))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    baseUrl,
    caFile: tls.cert,
    username: options.username,
    root,
    stats,
    createRepository(name) {
      const bare = path.join(root, name)
      execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare])
      execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'true'])
      return `${baseUrl}/${name}`
    },
    async stop() {
      for (const cgi of running) cgi.kill('SIGKILL')
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
