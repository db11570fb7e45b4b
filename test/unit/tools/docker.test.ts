import { describe, expect, it } from 'vitest'
import { PrerequisiteError } from '../../../bootstrap/engine/errors.js'
import { CommandError, formatCommand } from '../../../bootstrap/tools/runner.js'
import {
  existingVolumes,
  findContainers,
  inspectContainers,
  parseInspect,
  runContainerCommand,
  writeFileInContainerCommand,
} from '../../../bootstrap/tools/docker.js'
import { RecordingRunner } from '../../../bootstrap/tools/recording-runner.js'
import { inspectJson } from '../steps/provider/support.js'

describe('docker wrapper', () => {
  it('starts a labelled, restarting container with a named volume and a loopback port', () => {
    const command = runContainerCommand({
      name: 'reg',
      image: 'registry:3',
      labels: { a: 'b' },
      volumes: ['reg:/var/lib/registry'],
      env: { X: 'y' },
      publish: ['127.0.0.1:5001:5000'],
    })
    expect(formatCommand(command)).toBe(
      'docker run --detach --name reg --restart always --label a=b --volume reg:/var/lib/registry --env X=y --publish 127.0.0.1:5001:5000 registry:3',
    )
  })

  it('writes a file inside a container through stdin, leaving no file on the host', () => {
    const command = writeFileInContainerCommand('lab-control-plane', '/etc/containerd/certs.d/docker.io/hosts.toml', 'server = "x"\n')
    expect(formatCommand(command)).toBe(
      "docker exec --interactive lab-control-plane sh -c 'mkdir -p /etc/containerd/certs.d/docker.io && cat > /etc/containerd/certs.d/docker.io/hosts.toml' < <stdin>",
    )
    expect(command.input).toBe('server = "x"\n')
  })

  it('reads names, images, state, networks, env and published ports from docker inspect', () => {
    const [container] = parseInspect(
      inspectJson([
        {
          name: 'lab-control-plane',
          image: 'img',
          running: false,
          networks: ['kind'],
          env: ['A=1'],
          ports: ['127.0.0.1:8080->30080/tcp', '0.0.0.0:5353->30053/udp'],
        },
      ]),
    )
    expect(container).toEqual({
      name: 'lab-control-plane',
      image: 'img',
      running: false,
      labels: {},
      networks: ['kind'],
      env: ['A=1'],
      ports: [
        { containerPort: 30080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
        { containerPort: 30053, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353 },
      ],
    })
  })

  it('treats "no such container" as absent, an unreachable daemon as a missing prerequisite with its fix, anything else as a failed command', async () => {
    const missing = new RecordingRunner([{ match: /^docker inspect/, exitCode: 1, stdout: '[]', stderr: 'Error: No such container: a' }])
    expect(await inspectContainers(missing, ['a'])).toEqual([])
    const down = new RecordingRunner([
      { match: /^docker inspect/, exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' },
    ])
    const unreachable = await inspectContainers(down, ['a']).catch((error: unknown) => error)
    expect(unreachable).toBeInstanceOf(PrerequisiteError)
    expect(unreachable).toMatchObject({ message: 'the Docker daemon is not reachable', details: [expect.stringContaining('start Docker')] })
    const broken = new RecordingRunner([
      { match: /^docker inspect/, exitCode: 1, stderr: 'permission denied while trying to connect to the Docker daemon socket' },
    ])
    await expect(inspectContainers(broken, ['a'])).rejects.toThrow(CommandError)
    const volumes = new RecordingRunner([
      { match: /^docker volume inspect/, exitCode: 1, stdout: 'v1\n', stderr: 'Error response from daemon: get v2: no such volume' },
    ])
    expect(await existingVolumes(volumes, ['v1', 'v2'])).toEqual(['v1'])
  })

  it('names an unreachable daemon when listing containers by label, with the fix, not as a failed `docker ps` (destroy --dry-run without Docker)', async () => {
    const down = new RecordingRunner([
      { match: /^docker ps/, exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' },
    ])
    const unreachable = await findContainers(down, { 'dev.kindling.cluster': 'lab' }).catch((error: unknown) => error)
    expect(unreachable).toBeInstanceOf(PrerequisiteError)
    expect(unreachable).toMatchObject({ message: 'the Docker daemon is not reachable', details: [expect.stringContaining('start Docker')] })
    // Any other failure stays the command's own, with what it said.
    const broken = new RecordingRunner([{ match: /^docker ps/, exitCode: 1, stderr: 'permission denied while trying to connect to the Docker daemon socket' }])
    await expect(findContainers(broken, { 'dev.kindling.cluster': 'lab' })).rejects.toThrow(CommandError)
  })

  it('finds containers by label and inspects them', async () => {
    const runner = new RecordingRunner([
      { match: 'docker ps', stdout: 'a\nb\n' },
      {
        match: 'docker inspect',
        stdout: inspectJson([
          { name: 'a', image: 'i' },
          { name: 'b', image: 'i' },
        ]),
      },
    ])
    expect((await findContainers(runner, { 'io.x-k8s.kind.cluster': 'lab' })).map((container) => container.name)).toEqual(['a', 'b'])
    expect(runner.lines).toEqual(["docker ps --all --filter label=io.x-k8s.kind.cluster=lab --format '{{.Names}}'", 'docker inspect --type container a b'])
    expect(runner.commands.every((command) => command.readOnly)).toBe(true)
  })
})
