import { z } from 'zod'
import { looksLikeToken } from './credentials.js'

// Field types several parts of the cluster spec share.

export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit')
  .max(40, 'must be at most 40 characters (it becomes container and context names)')

export const port = z.int().min(1, 'must be a port between 1 and 65535').max(65535, 'must be a port between 1 and 65535')
export const semver = z.string().regex(/^v?\d+\.\d+\.\d+(-[\w.]+)?$/, 'must be an exact version such as 1.2.3')
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be the name of an environment variable, not its value', abort: true })
  // The message must not repeat the value: it may be a live token.
  .refine((value) => !looksLikeToken(value), 'looks like a token, not the name of an environment variable: put the token in a variable (export GITHUB_TOKEN=...) and write its name here (the value was not printed; revoke the token if this file was shared)')
