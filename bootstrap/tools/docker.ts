import { PrerequisiteError } from '../engine/errors.js'
import { CommandError, type Command, type RunResult, type Runner } from './runner.js'

export const DOCKER_UNREACHABLE = 'the Docker daemon is not reachable'
export const START_DOCKER = 'start Docker (Docker Desktop, `sudo systemctl start docker`, or colima/podman with a Docker socket) and check `docker info`'

/** A host port published by a container, as Docker reports it. */
export interface PublishedPort {
  containerPort: number
  /** tcp, udp or sctp (Docker's lower-case spelling). */
  protocol: string
  hostIp: string
  hostPort: number
}

/** What kindling needs to know about one container. */
export interface ContainerInfo {
  name: string
  image: string
  running: boolean
  labels: Record<string, string>
  /** Names of the Docker networks it is attached to. */
  networks: string[]
  ports: PublishedPort[]
  env: string[]
}

/** `docker ps -a` names of containers carrying every given label; exit 1 is read by `succeeded` (a daemon that is down). */
function listContainersCommand(labels: Readonly<Record<string, string>>): Command {
  const filters = Object.entries(labels).flatMap(([key, value]) => ['--filter', `label=${key}=${value}`])
  return { file: 'docker', args: ['ps', '--all', ...filters, '--format', '{{.Names}}'], readOnly: true, okExitCodes: [1] }
}

/** `docker inspect` of containers; exit 1 just means some of them do not exist. */
function inspectContainersCommand(names: readonly string[]): Command {
  return { file: 'docker', args: ['inspect', '--type', 'container', ...names], readOnly: true, okExitCodes: [1] }
}

/** `docker volume inspect`; exit 1 just means some of them do not exist. */
function inspectVolumesCommand(names: readonly string[]): Command {
  return { file: 'docker', args: ['volume', 'inspect', '--format', '{{.Name}}', ...names], readOnly: true, okExitCodes: [1] }
}

/** Options of a long-running container kindling starts (the registry caches). */
export interface ContainerRunOptions {
  name: string
  image: string
  labels: Readonly<Record<string, string>>
  /** `volume:/path` mounts; named volumes outlive the container. */
  volumes: readonly string[]
  env: Readonly<Record<string, string>>
  /** `address:hostPort:containerPort`. */
  publish: readonly string[]
}

/** `docker run -d` with a restart policy, so the container comes back after a Docker restart. */
export function runContainerCommand(options: ContainerRunOptions): Command {
  return {
    file: 'docker',
    args: [
      'run',
      '--detach',
      '--name',
      options.name,
      '--restart',
      'always',
      ...Object.entries(options.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
      ...options.volumes.flatMap((volume) => ['--volume', volume]),
      ...Object.entries(options.env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      ...options.publish.flatMap((publish) => ['--publish', publish]),
      options.image,
    ],
  }
}

export function startContainersCommand(names: readonly string[]): Command {
  return { file: 'docker', args: ['start', ...names] }
}

export function removeContainersCommand(names: readonly string[]): Command {
  return { file: 'docker', args: ['rm', '--force', ...names] }
}

export function removeVolumesCommand(names: readonly string[]): Command {
  return { file: 'docker', args: ['volume', 'rm', ...names] }
}

export function networkConnectCommand(network: string, container: string): Command {
  return { file: 'docker', args: ['network', 'connect', network, container] }
}

/** Write `content` to `file` (a path without spaces or shell characters) inside a container, through stdin: no temporary file on the host. */
export function writeFileInContainerCommand(container: string, file: string, content: string): Command {
  const dir = file.slice(0, file.lastIndexOf('/'))
  return { file: 'docker', args: ['exec', '--interactive', container, 'sh', '-c', `mkdir -p ${dir} && cat > ${file}`], input: content }
}

/** Read a file inside a container; exit 1 means it does not exist. */
export function readFileInContainerCommand(container: string, file: string): Command {
  return { file: 'docker', args: ['exec', container, 'cat', file], readOnly: true, okExitCodes: [1] }
}

interface RawInspect {
  Name?: string
  Config?: { Image?: string; Labels?: Record<string, string> | null; Env?: string[] | null }
  State?: { Running?: boolean }
  HostConfig?: { PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null }
  NetworkSettings?: { Networks?: Record<string, unknown> | null }
}

/** Parse `docker inspect` output (a JSON array; empty or `[]` when nothing matched). */
export function parseInspect(stdout: string): ContainerInfo[] {
  const text = stdout.trim()
  if (!text) return []
  const raw = JSON.parse(text) as RawInspect[]
  return raw.map((entry) => ({
    name: (entry.Name ?? '').replace(/^\//, ''),
    image: entry.Config?.Image ?? '',
    running: entry.State?.Running === true,
    labels: entry.Config?.Labels ?? {},
    networks: Object.keys(entry.NetworkSettings?.Networks ?? {}),
    env: entry.Config?.Env ?? [],
    ports: Object.entries(entry.HostConfig?.PortBindings ?? {}).flatMap(([key, bindings]) => {
      const [port, protocol = 'tcp'] = key.split('/')
      return (bindings ?? []).map((binding) => ({
        containerPort: Number(port),
        protocol,
        hostIp: binding.HostIp || '0.0.0.0',
        hostPort: Number(binding.HostPort || 0),
      }))
    }),
  }))
}

/**
 * Exit 1 of `docker inspect` means "no such object" only when that is all stderr says; an
 * unreachable daemon also exits 1, and must not read as "nothing exists".
 */
function onlyMissing(result: RunResult): RunResult {
  if (result.exitCode === 0) return result
  if (stderrLines(result).every((line) => /no such/i.test(line))) return result
  return succeeded(result)
}

/**
 * A docker command that exited 1: a daemon that is down is named as the missing prerequisite it
 * is, with the fix, as preflight names it; anything else is the command's own failure.
 */
function succeeded(result: RunResult): RunResult {
  if (result.exitCode === 0) return result
  const lines = stderrLines(result)
  if (lines.some((line) => /cannot connect to the docker daemon/i.test(line))) throw new PrerequisiteError(DOCKER_UNREACHABLE, { details: [START_DOCKER] })
  throw new CommandError(result.command, result.exitCode, lines.slice(-5).join('\n'))
}

function stderrLines(result: RunResult): string[] {
  return result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
}

/** Containers with these names that exist (missing ones are simply absent from the result). */
export async function inspectContainers(runner: Runner, names: readonly string[], signal?: AbortSignal): Promise<ContainerInfo[]> {
  if (names.length === 0) return []
  const result = onlyMissing(await runner.run(inspectContainersCommand(names), { signal }))
  return parseInspect(result.stdout)
}

/** Containers carrying every given label, inspected. */
export async function findContainers(runner: Runner, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ContainerInfo[]> {
  const { stdout } = succeeded(await runner.run(listContainersCommand(labels), { signal }))
  const names = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  return inspectContainers(runner, names, signal)
}

/** Named volumes that exist, out of `names`. */
export async function existingVolumes(runner: Runner, names: readonly string[], signal?: AbortSignal): Promise<string[]> {
  if (names.length === 0) return []
  const { stdout } = onlyMissing(await runner.run(inspectVolumesCommand(names), { signal }))
  const found = new Set(stdout.split('\n').map((line) => line.trim()))
  return names.filter((name) => found.has(name))
}

/** "127.0.0.1:8080->30080/tcp" */
export function formatPublishedPort(port: PublishedPort): string {
  return `${port.hostIp}:${port.hostPort}->${port.containerPort}/${port.protocol}`
}
