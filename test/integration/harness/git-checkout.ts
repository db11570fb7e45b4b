import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/**
 * A working checkout that commits and pushes over HTTPS to a test Git server, as a user does.
 * The token reaches git through the environment (GIT_CONFIG_*), never its command line. Commands
 * that talk to the server run asynchronously: the server may live in this very process.
 */
export class GitCheckout {
  private readonly env: NodeJS.ProcessEnv

  constructor(
    readonly dir: string,
    readonly remote: string,
    auth: { username: string; token: string; caFile: string },
  ) {
    this.env = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_SSL_CAINFO: auth.caFile,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${auth.username}:${auth.token}`).toString('base64')}`,
      GIT_AUTHOR_NAME: 'kindling test',
      GIT_AUTHOR_EMAIL: 'test@kindling.invalid',
      GIT_COMMITTER_NAME: 'kindling test',
      GIT_COMMITTER_EMAIL: 'test@kindling.invalid',
    }
  }

  /** Make `dir` a repository on branch main whose origin is `remote` (the folder may hold files already). */
  init(): this {
    this.git('init', '--quiet', '--initial-branch=main')
    this.git('remote', 'add', 'origin', this.remote)
    return this
  }

  /** A local git command (none that reaches the server). */
  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.dir, ...args], { env: this.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  }

  write(relative: string, content: string): this {
    const file = path.join(this.dir, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
    return this
  }

  remove(relative: string): this {
    rmSync(path.join(this.dir, relative), { force: true })
    return this
  }

  /** Commit everything and push main; returns the new head. */
  async commitAndPush(message: string): Promise<string> {
    this.git('add', '--all')
    this.git('commit', '--quiet', '--allow-empty', '-m', message)
    return this.push()
  }

  /** `git revert` the head commit and push; returns the new head. */
  async revertHeadAndPush(): Promise<string> {
    this.git('revert', '--no-edit', 'HEAD')
    return this.push()
  }

  async push(): Promise<string> {
    await execFileAsync('git', ['-C', this.dir, 'push', '--quiet', 'origin', 'main'], { env: this.env })
    return this.head()
  }

  head(): string {
    return this.git('rev-parse', 'HEAD')
  }
}
