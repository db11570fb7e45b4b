import { generateKeyPairSync } from 'node:crypto'

// Bech32 (BIP 173), as age encodes its keys: HRP "age" for recipients, "AGE-SECRET-KEY-" for identities.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]

function polymod(values: number[]): number {
  let checksum = 1
  for (const value of values) {
    const top = checksum >>> 25
    checksum = ((checksum & 0x1ffffff) << 5) ^ value
    GENERATORS.forEach((generator, bit) => {
      if ((top >>> bit) & 1) checksum ^= generator
    })
  }
  return checksum
}

function toWords(bytes: Uint8Array): number[] {
  const words: number[] = []
  let accumulator = 0
  let bits = 0
  for (const byte of bytes) {
    accumulator = (accumulator << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      words.push((accumulator >>> bits) & 31)
    }
  }
  if (bits > 0) words.push((accumulator << (5 - bits)) & 31)
  return words
}

function bech32(hrp: string, bytes: Uint8Array): string {
  const lower = hrp.toLowerCase()
  const expanded = [...[...lower].map((c) => c.charCodeAt(0) >> 5), 0, ...[...lower].map((c) => c.charCodeAt(0) & 31)]
  const words = toWords(bytes)
  const mod = polymod([...expanded, ...words, 0, 0, 0, 0, 0, 0]) ^ 1
  const checksum = Array.from({ length: 6 }, (_, index) => (mod >>> (5 * (5 - index))) & 31)
  return `${lower}1${[...words, ...checksum].map((word) => CHARSET[word]).join('')}`
}

/**
 * A fresh X25519 age identity in age-keygen's file format, made with Node's crypto: real enough for
 * Flux's kustomize-controller to load as a SOPS decryption key. For tests only.
 */
export function generateAgeIdentity(): { recipient: string; identity: string; file: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  const secret = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const recipient = bech32('age', pub)
  const identity = bech32('AGE-SECRET-KEY-', secret).toUpperCase()
  return { recipient, identity, file: `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n` }
}
