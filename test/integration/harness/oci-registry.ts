import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'

/** One Crossplane package to serve: its repository path, tag and package.yaml stream. */
export interface XpkgImage {
  /** e.g. `crossplane-contrib/function-go-templating` */
  repository: string
  /** e.g. `v0.12.3` */
  tag: string
  packageYaml: string
}

export interface OciRegistry {
  /** `127.0.0.1:<port>`: a loopback registry, which OCI clients reach over plain HTTP. */
  host: string
  /** Every request answered, as `METHOD path status`, for diagnostics. */
  requests: string[]
  stop(): Promise<void>
}

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json'
/** The annotation (and config label) that marks a package's layer (the xpkg specification). */
const XPKG_ANNOTATION = 'io.crossplane.xpkg'

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** A ustar archive holding one regular file. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  const field = (offset: number, length: number, value: string): void => void header.write(value, offset, length, 'ascii')
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`
  field(0, 100, name)
  field(100, 8, octal(0o644, 8))
  field(108, 8, octal(0, 8))
  field(116, 8, octal(0, 8))
  field(124, 12, octal(content.length, 12))
  field(136, 12, octal(0, 12))
  field(148, 8, '        ') // the checksum counts its own field as spaces
  field(156, 1, '0')
  field(257, 8, 'ustar\u000000')
  const checksum = header.reduce((sum, byte) => sum + byte, 0)
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

interface Built {
  manifest: Buffer
  digest: string
  blobs: Map<string, Buffer>
}

/**
 * A package image as `crossplane xpkg build` lays it out: one layer holding `package.yaml`,
 * annotated `io.crossplane.xpkg: base` in the manifest and labelled so in the config
 * (crossplane-runtime pkg/xpkg layers.go and client.go ExtractPackageYAML).
 */
function buildXpkgImage(packageYaml: string): Built {
  const tar = tarOneFile('package.yaml', Buffer.from(packageYaml))
  const layer = gzipSync(tar)
  const layerDigest = sha256(layer)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { [`${XPKG_ANNOTATION}:${layerDigest}`]: 'base' } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  )
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length, annotations: { [XPKG_ANNOTATION]: 'base' } },
      ],
    }),
  )
  return {
    manifest,
    digest: sha256(manifest),
    blobs: new Map([
      [sha256(config), config],
      [layerDigest, layer],
    ]),
  }
}

/**
 * A read-only OCI distribution registry on loopback that serves the given packages (the pull side
 * of the distribution API: ping, manifests by tag or digest, blobs, tag lists). Crossplane's package
 * manager pulls from it as from any registry; go-containerregistry speaks plain HTTP to 127.0.0.1.
 */
export async function startOciRegistry(images: readonly XpkgImage[]): Promise<OciRegistry> {
  const repositories = new Map<string, { tags: Map<string, Built>; byDigest: Map<string, Built> }>()
  for (const image of images) {
    const built = buildXpkgImage(image.packageYaml)
    const entry = repositories.get(image.repository) ?? { tags: new Map(), byDigest: new Map() }
    entry.tags.set(image.tag, built)
    entry.byDigest.set(built.digest, built)
    repositories.set(image.repository, entry)
  }
  const requests: string[] = []

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://registry')
    const head = request.method === 'HEAD'
    const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}): void => {
      requests.push(`${request.method} ${url.pathname} ${status}`)
      const data = typeof body === 'string' ? Buffer.from(body) : body
      response.writeHead(status, { 'Content-Length': String(data.length), 'Docker-Distribution-API-Version': 'registry/2.0', ...headers })
      response.end(head ? undefined : data)
    }
    const unknown = (code: string, message: string): void => send(404, JSON.stringify({ errors: [{ code, message }] }), { 'Content-Type': 'application/json' })
    if (request.method !== 'GET' && !head) return send(405, JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'this registry is read-only' }] }))
    if (url.pathname === '/v2/' || url.pathname === '/v2') return send(200, '{}', { 'Content-Type': 'application/json' })

    const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/]+)$/.exec(url.pathname)
    const repository = match ? repositories.get(match[1]!) : undefined
    if (!match || !repository) return unknown('NAME_UNKNOWN', `repository ${match?.[1] ?? url.pathname} is not served here`)
    const [, , what, reference] = match as unknown as [string, string, string, string]
    if (what === 'tags') return send(200, JSON.stringify({ name: match[1], tags: [...repository.tags.keys()] }), { 'Content-Type': 'application/json' })
    if (what === 'manifests') {
      const built = repository.tags.get(reference) ?? repository.byDigest.get(reference)
      if (!built) return unknown('MANIFEST_UNKNOWN', `${match[1]}:${reference} is not served here`)
      return send(200, built.manifest, { 'Content-Type': MANIFEST_TYPE, 'Docker-Content-Digest': built.digest })
    }
    for (const built of repository.byDigest.values()) {
      const blob = built.blobs.get(reference)
      if (blob) return send(200, blob, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': reference })
    }
    return unknown('BLOB_UNKNOWN', `blob ${reference} is not served here`)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
