import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CROSSPLANE_PACKAGES } from '../../../bootstrap/spec/defaults.js'
import { pinnedVersion } from '../../integration/harness/flux.js'

const goMod = (name: string): string => readFileSync(fileURLToPath(new URL(`../../controlplane/go/${name}/go.mod`, import.meta.url)), 'utf8')
const tagOf = (pkg: string): string => pkg.split(':').pop()!

describe('the composition functions the integration tests build', () => {
  it('are the versions of the Function packages kindling pins', () => {
    expect(pinnedVersion('FUNCTION_GO_TEMPLATING_VERSION')).toBe(tagOf(CROSSPLANE_PACKAGES.functionGoTemplating.package))
    expect(pinnedVersion('FUNCTION_AUTO_READY_VERSION')).toBe(tagOf(CROSSPLANE_PACKAGES.functionAutoReady.package))
  })

  it('are required at the versions.env versions by their wrapper modules', () => {
    expect(goMod('function-go-templating')).toMatch(
      new RegExp(`^\\s*github\\.com/crossplane-contrib/function-go-templating ${pinnedVersion('FUNCTION_GO_TEMPLATING_VERSION')}\\b`, 'm'),
    )
    // function-auto-ready's module declares its old path; the wrapper replaces it with the published one.
    expect(goMod('function-auto-ready')).toMatch(
      new RegExp(`^\\s*github\\.com/crossplane/function-auto-ready ${pinnedVersion('FUNCTION_AUTO_READY_VERSION')}\\b`, 'm'),
    )
    expect(goMod('function-auto-ready')).toMatch(
      new RegExp(
        `^replace github\\.com/crossplane/function-auto-ready => github\\.com/crossplane-contrib/function-auto-ready ${pinnedVersion('FUNCTION_AUTO_READY_VERSION')}$`,
        'm',
      ),
    )
  })
})
