#!/usr/bin/env node
// kindling's command line: `kindling <command> [flags]`, behind `npx kindling`, `npm run <command>`
// and `devbox run <command>`. It starts the compiled JavaScript in dist/ (`npm run build`, run by
// `npm ci`) when that is current, so help, version and spec errors answer at once; after a source
// edit it runs the TypeScript itself through tsx, slower to start but never stale.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isCurrent } from './build-state.js'

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const COMMANDS = {
  bootstrap: 'create or adopt the cluster, install the GitOps engine, wait until healthy',
  status: 'show the cluster, the engine, the revision it applied and each component',
  destroy: 'delete the kind cluster, or remove what kindling installed',
  wizard: 'answer a few questions and write clusters/<name>/cluster.yaml',
  schema: 'regenerate bootstrap/spec/cluster.schema.json',
}

let [command, ...rest] = process.argv.slice(2)
// `kindling help status` is the first guess at a command's help: the command's own --help.
// `kindling help nope` asks about a command there is none of: said as for `kindling nope`.
if (command === 'help' && rest[0] !== undefined && !rest[0].startsWith('-')) [command, ...rest] = Object.hasOwn(COMMANDS, rest[0]) ? [rest[0], '--help'] : rest
if (command === '--version' || command === '-V') {
  process.stdout.write(`${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`)
  process.exit(0)
}
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  const lines = Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(width)}  ${what}`)
  const usage = `Usage: kindling <command> [flags]      (npx kindling …, npm run -s <command> -- …, devbox run <command> …)\n\nCommands:\n${lines.join('\n')}\n\n'kindling <command> --help' shows a command's flags and exit codes; 'kindling --version' the version.\n`
  // Asked for, the usage is the answer (stdout); without a command it is the error's fix (stderr).
  if (command === undefined) process.stderr.write(`error: no command given\n\n${usage}`)
  else process.stdout.write(usage)
  process.exit(command === undefined ? 2 : 0)
}
if (!Object.hasOwn(COMMANDS, command)) {
  // `kindling --json status`: the command is there, after a flag that belongs after it.
  const later = command.startsWith('-') ? rest.find((arg) => Object.hasOwn(COMMANDS, arg)) : undefined
  const fix = later
    ? `  put the command first and its flags after it: kindling ${later} [flags]\n`
    : command === '-v'
      ? `  -v is a command's --verbose; the version is kindling --version\n`
      : `  commands: ${Object.keys(COMMANDS).join(', ')}\n`
  process.stderr.write(`error: unknown command ${await shown(command)}\n${fix}  see: kindling --help\n`)
  process.exit(2)
}

// FORCE_COLOR wins over NO_COLOR when both are set, as in Node; Node agrees but also prints a
// warning each time a library asks whether the terminal has colours. Settle it here, once.
if (process.env.FORCE_COLOR && !['0', 'false'].includes(process.env.FORCE_COLOR)) delete process.env.NO_COLOR

// `npm run -s status --json` hands --json to npm, not to kindling (only what follows `--` is the
// script's), and npm says nothing: name the flags npm kept, or the run answers as if none were given.
const kept = npmKeptFlags(command, process.env)
if (kept.length) {
  const names = kept.map(([flag]) => flag)
  const example = kept.map(([flag, value]) => (value ? `${flag} ${value}` : flag)).join(' ')
  // --dry-run and --no-push hold a run back: without them it would create, delete or push what the
  // person asked only to see, so it stops before anything starts. Without any other, it runs as told.
  const holdsBack = names.filter((flag) => flag === '--dry-run' || flag === '--no-push')
  const lost = `npm kept ${names.join(', ')} for itself, so kindling did not get ${names.length === 1 ? 'it' : 'them'}`
  const fix = `put kindling's flags after --, as in npm run -s ${command} -- ${example}`
  if (holdsBack.length) {
    const would = holdsBack.map((flag) =>
      flag === '--dry-run' ? `without --dry-run this would be a real ${command}` : 'without --no-push it would commit and push',
    )
    process.stderr.write(`error: ${lost}; ${would.join(', and ')}, so nothing was run\n  ${fix}\n`)
    process.exit(2)
  }
  process.stderr.write(`note: ${lost}: ${fix}\n`)
}

// A shell whose folder was deleted: the TypeScript loader reads the folder as it starts and would
// crash with a stack trace. Start from here instead and tell the command (bootstrap/cli/cwd.ts),
// which answers --help and refuses the rest in its own words (as JSON under --json).
try {
  process.cwd()
} catch {
  globalThis[Symbol.for('kindling.shellFolderGone')] = true
  process.chdir(ROOT)
}

// The command's own entry reads its flags from process.argv.slice(2).
process.argv.splice(2, process.argv.length - 2, ...rest)
const compiled = path.join(ROOT, 'dist', 'scripts', `${command}.js`)
if (isCurrent(ROOT, compiled)) {
  await import(pathToFileURL(compiled).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(path.join(ROOT, 'scripts', `${command}.ts`)).href)
}

/**
 * What was typed, as an error may repeat it: a mistyped command as it is, anything else (a token or
 * a URL with a password pasted in the wrong place, a page of text) through the mask every other
 * message of kindling gets.
 */
async function shown(value) {
  if (/^[a-z][a-z-]{0,19}$/.test(value)) return JSON.stringify(value)
  const compiled = path.join(ROOT, 'dist', 'bootstrap', 'spec', 'quoting.js')
  if (isCurrent(ROOT, compiled)) return (await import(pathToFileURL(compiled).href)).quoted(value)
  const { register } = await import('tsx/esm/api')
  register()
  return (await import(pathToFileURL(path.join(ROOT, 'bootstrap', 'spec', 'quoting.ts')).href)).quoted(value)
}

/**
 * kindling's flags npm took as its own when they came before `--` in `npm run <command>`, each with
 * the value to show in the example: npm keeps each as an npm_config_ variable (-c as npm's --call,
 * with its value; a value after --cluster or --timeout reaches kindling as an argument instead).
 * Only the command's own flags are named, so the line shown runs: `npm run -s status --dry-run`
 * lost nothing, since status takes no --dry-run.
 */
function npmKeptFlags(command, env) {
  if (env.npm_lifecycle_event !== command) return []
  // npm exports some of its settings unset as '' (npm_config_yes), and false ones as 'false'.
  const given = (value) => value !== undefined && value !== '' && value !== 'false'
  const runs = ['bootstrap', 'status', 'destroy']
  const flags = [
    ['call', '-c', env.npm_config_call, [...runs, 'wizard']],
    ['cluster', '--cluster', 'NAME', [...runs, 'wizard']],
    ['json', '--json', undefined, runs],
    ['dry_run', '--dry-run', undefined, ['bootstrap', 'destroy']],
    ['yes', '--yes', undefined, ['bootstrap', 'destroy', 'wizard']],
    ['timeout', '--timeout', 'DUR', runs],
    ['purge', '--purge', undefined, ['destroy']],
    ['recreate', '--recreate', undefined, ['bootstrap']],
    // The wizard's questions, each a flag (a value typed after one reaches kindling as an argument).
    // Not --engine, which npm reads as its --engine-strict, nor --auth, which it never exports.
    ...[
      ['name', '--name', 'NAME'],
      ['provider', '--provider', 'kind|existing'],
      ['workers', '--workers', 'N'],
      ['http_port', '--http-port', 'PORT'],
      ['https_port', '--https-port', 'PORT'],
      ['kubeconfig', '--kubeconfig', 'FILE'],
      ['context', '--context', 'NAME'],
      ['repo', '--repo', 'URL'],
      ['branch', '--branch', 'NAME'],
      ['token_env', '--token-env', 'NAME'],
      ['clouds', '--clouds', 'LIST'],
      ['gcp_project', '--gcp-project', 'ID'],
    ].map(([name, flag, value]) => [name, flag, value, ['wizard']]),
  ]
  const kept = flags.filter(([name, , , commands]) => commands.includes(command) && given(env[`npm_config_${name}`])).map(([, flag, value]) => [flag, value])
  // --no-push is no setting of npm's: npm exports it as npm_config_push, empty (or false), and
  // nothing at all when it was not typed. The wizard's --[no-]crossplane and the like are the same.
  const negatable = { bootstrap: ['push'], wizard: ['crossplane', 'monitoring', 'apps', 'sops'] }[command] ?? []
  for (const name of negatable) {
    const value = env[`npm_config_${name}`]
    if (value === '' || value === 'false') kept.push([`--no-${name}`])
    else if (value !== undefined && name !== 'push') kept.push([`--${name}`])
  }
  return kept
}
